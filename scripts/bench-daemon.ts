// Daemon benchmark: the compiled f2b server vs fail2ban-server 1.0.2, each in its own fresh
// network namespace with the same sshd jail (stock sshd filter, maxretry 5, banaction
// nftables-multiport: fail2ban runs its shell action, f2b its native backend), in one run:
//   latency  ban latency: maxretry-th log line written → address in the kernel set (nft monitor)
//   startup  startup with N bans in the database → all N in the kernel set
//   live     … then the daemon holding them: RSS, `status sshd` and `banned` (runs startup)
//   idle     5 jails: RSS, CPU and wake-ups per minute
//   wave     attack wave: a realistic auth.log of N lines appended at once → all bans in the kernel
//   botnet   botnet wave: many addresses, a few failures each
//   journal  journal ingestion: the auth.log as journal entries, a backend = systemd jail
//   hostile  sshd ban latency and ping while a second jail (stock pam-generic) gets hostile lines
// Prints a Markdown table (metric | f2b | fail2ban | ratio) and writes it to .bench/daemon.md.
//   bun scripts/bench-daemon.ts [PART[,PART...]] [--quick] [--only PART,...] [--keep]
//     [--ips N] [--bans N] [--fail2ban-bans N] [--cap-min M]          latency, startup, live
//     [--idle-sec S]                                                  idle
//     [--lines N[,N...]] [--fail2ban-max-lines N] [--wave-cap-min M]  wave (1M: --lines 100000,1000000)
//     [--botnet-ips N] [--botnet-lines N] [--journal-entries N]       botnet, journal
//     [--hostile-ips N] [--hostile-rate N] [--hostile-size N] [--hostile-cap-min M]  hostile
//     [--f2b-bin PATH (another build of f2b; default dist/f2b)]
// Without PART or --only: every part (the attack wave at 100,000 lines only).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cleanupAll, onCleanup, sh } from "./bench-daemon-env.ts";
import { banLatency, idle, startup, type Ctx } from "./bench-daemon-measure.ts";
import { cpuPressure, report, type Results } from "./bench-daemon-report.ts";
import { loadScenarios, type LoadOptions } from "./bench-daemon-load.ts";
import { hostileRun, type HostileOptions } from "./bench-daemon-hostile.ts";

const repo = join(import.meta.dir, "..");

const PARTS = ["latency", "startup", "live", "idle", "wave", "botnet", "journal", "hostile"];
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean" },
    ips: { type: "string" },
    bans: { type: "string" },
    "fail2ban-bans": { type: "string" },
    "cap-min": { type: "string" },
    only: { type: "string" },
    keep: { type: "boolean" },
    "idle-sec": { type: "string" },
    lines: { type: "string" },
    "fail2ban-max-lines": { type: "string" },
    "wave-cap-min": { type: "string" },
    "botnet-ips": { type: "string" },
    "botnet-lines": { type: "string" },
    "journal-entries": { type: "string" },
    "f2b-bin": { type: "string" },
    "hostile-ips": { type: "string" },
    "hostile-rate": { type: "string" },
    "hostile-size": { type: "string" },
    "hostile-cap-min": { type: "string" },
  },
});
const f2bBin = resolve(args["f2b-bin"] ?? join(repo, "dist", "f2b"));
const quick = args.quick ?? false;
const ips = Number(args.ips ?? (quick ? 40 : 200));
const bans = Number(args.bans ?? (quick ? 10_000 : 100_000));
const refBans = Number(args["fail2ban-bans"] ?? (quick ? 1_000 : 10_000));
const capMs = Number(args["cap-min"] ?? (quick ? 2 : 6)) * 60_000;
const only = new Set([...positionals, args.only ?? ""].join(",").split(",").filter(Boolean));
if (only.size === 0) for (const p of PARTS) only.add(p);
const idleWarm = quick ? 3 : 10;
const idleSample = Number(args["idle-sec"] ?? (quick ? 20 : 60));
const load: LoadOptions = {
  attackLines: (args.lines ?? (quick ? "5000" : "100000")).split(",").map(Number),
  fail2banMaxLines: Number(args["fail2ban-max-lines"] ?? 1_000_000),
  capMs: Number(args["wave-cap-min"] ?? (quick ? 3 : 10)) * 60_000,
  botnetIps: Number(args["botnet-ips"] ?? (quick ? 400 : 4000)),
  botnetLines: Number(args["botnet-lines"] ?? (quick ? 6000 : 60_000)),
  journalEntries: Number(args["journal-entries"] ?? (quick ? 5000 : 100_000)),
};
const hostile: HostileOptions = {
  ips: Number(args["hostile-ips"] ?? (quick ? 20 : 100)),
  rate: Number(args["hostile-rate"] ?? 10),
  size: Number(args["hostile-size"] ?? 8000),
  capMs: Number(args["hostile-cap-min"] ?? (quick ? 1 : 4)) * 60_000,
};

function die(msg: string): never {
  console.error(`bench daemon: ${msg}`);
  cleanupAll();
  process.exit(1);
}

const whole: Array<readonly [string, number, number]> = [
  ["--ips", ips, 1],
  ["--bans", bans, 1],
  ["--fail2ban-bans", refBans, 0],
  ["--cap-min", capMs, 1],
  ["--idle-sec", idleSample, 1],
  ...load.attackLines.map((n) => ["--lines", n, 1] as const),
  ["--fail2ban-max-lines", load.fail2banMaxLines, 0],
  ["--wave-cap-min", load.capMs, 1],
  ["--botnet-ips", load.botnetIps, 1],
  ["--botnet-lines", load.botnetLines, 1],
  ["--journal-entries", load.journalEntries, 1],
  ["--hostile-ips", hostile.ips, 1],
  ["--hostile-rate", hostile.rate, 1],
  ["--hostile-size", hostile.size, 1],
  ["--hostile-cap-min", hostile.capMs, 1],
];
for (const [name, v, min] of whole) if (!Number.isInteger(v) || v < min) die(`${name} must be a whole number >= ${min}`);
for (const part of only) if (!PARTS.includes(part)) die(`unknown part '${part}' (${PARTS.join(", ")})`);
if (process.getuid?.() !== 0) die("needs root (network namespaces, nftables)");
for (const tool of ["ip", "nft", "fail2ban-server", "fail2ban-client"]) {
  if (sh(["sh", "-c", `command -v ${tool}`]).code !== 0) die(`${tool} not found`);
}
if (args["f2b-bin"] !== undefined && sh(["test", "-x", f2bBin]).code !== 0) die(`--f2b-bin: ${f2bBin} is not an executable`);
if (sh(["test", "-x", f2bBin]).code !== 0) {
  console.error("bench daemon: dist/f2b missing, building it (npm run build)");
  if (spawnSync("npm", ["run", "build"], { cwd: repo, stdio: ["ignore", 2, 2] }).status !== 0) die("build failed");
}

const tmp = mkdtempSync(join(tmpdir(), "f2b-bench-daemon-"));
if (args.keep) console.error(`bench daemon: keeping ${tmp}`);
else onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
const ctx: Ctx = { tmp, f2bBin };
const step = (msg: string): void => console.error(`bench daemon: ${msg}`);
const fmtN = (n: number): string => n.toLocaleString("en-US");

async function main(): Promise<void> {
  const started = Date.now();
  const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const res: Results = { quick, f2bBin, seconds: 0, loadavg, psi: [cpuPressure(), "?"] };
  if (only.has("latency")) {
    step(`ban latency, ${ips} addresses each (f2b, then fail2ban)`);
    const f2b = await banLatency("f2b", ctx, ips, 3);
    res.latency = { ips, f2b, fail2ban: await banLatency("fail2ban", ctx, ips, 3) };
  }
  if (only.has("startup") || only.has("live")) {
    const live = only.has("live");
    step(
      `startup${live ? " and bans live" : ""}: f2b with ${fmtN(bans)} and ${fmtN(refBans)} bans, fail2ban with ${fmtN(refBans)} (capped at ${capMs / 60_000} min)`,
    );
    const big = bans !== refBans ? await startup("f2b", ctx, bans, capMs, live) : null;
    const f2b = await startup("f2b", ctx, refBans, capMs, live);
    res.startup = { big, f2b, fail2ban: refBans > 0 ? await startup("fail2ban", ctx, refBans, capMs, live) : null };
  }
  if (only.has("idle")) {
    step(`idle: 5 jails, ${idleWarm} s settle, ${idleSample} s sample (both daemons at once)`);
    const [f2b, fail2ban] = await Promise.all([idle("f2b", ctx, idleWarm, idleSample), idle("fail2ban", ctx, idleWarm, idleSample)]);
    res.idle = { warmSec: idleWarm, f2b, fail2ban };
  }
  await loadScenarios(ctx, only, load, res, step);
  if (only.has("hostile")) {
    step(
      `hostile lines: ${hostile.ips} sshd bans quiet, then ${hostile.ips} while pam-generic gets ${hostile.rate} lines/s of ${fmtN(hostile.size)} '(' (f2b, then fail2ban; each phase capped at ${hostile.capMs / 60_000} min)`,
    );
    const f2b = await hostileRun("f2b", ctx, hostile);
    res.hostile = { o: hostile, f2b, fail2ban: await hostileRun("fail2ban", ctx, hostile) };
  }
  res.seconds = (Date.now() - started) / 1000;
  res.psi[1] = cpuPressure();
  const md = report(res);
  console.log(md);
  mkdirSync(join(repo, ".bench"), { recursive: true });
  writeFileSync(join(repo, ".bench", "daemon.md"), md);
  step("written to .bench/daemon.md");
}

try {
  await main();
} catch (e) {
  die((e as Error).stack ?? String(e));
} finally {
  cleanupAll();
}
