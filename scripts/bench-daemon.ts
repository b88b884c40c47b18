// Daemon benchmark: the compiled f2b server vs fail2ban-server 1.0.2, each in its own fresh
// network namespace with the same sshd jail (stock sshd filter, banaction nftables-multiport:
// fail2ban runs its shell action, f2b its native backend), in one run:
//   (1) ban latency: maxretry-th log line written → address in the kernel set (nft monitor)
//   (2) startup with N bans in the database → all N in the kernel set
//   (3) idle RSS and CPU with 5 jails
// Prints a Markdown table (metric | f2b | fail2ban | ratio) and writes it to .bench/daemon.md.
//   bun scripts/bench-daemon.ts [--quick] [--ips N] [--bans N] [--fail2ban-bans N] [--cap-min M]
//     [--only latency,startup,idle] [--keep (leave the scratch directory with the daemons' logs)]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupAll, onCleanup, sh } from "./bench-daemon-env.ts";
import { banLatency, idle, startup, type Ctx } from "./bench-daemon-measure.ts";
import { cpuPressure, report, type Results } from "./bench-daemon-report.ts";

const repo = join(import.meta.dir, "..");
const f2bBin = join(repo, "dist", "f2b");

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean" },
    ips: { type: "string" },
    bans: { type: "string" },
    "fail2ban-bans": { type: "string" },
    "cap-min": { type: "string" },
    only: { type: "string" },
    keep: { type: "boolean" },
  },
});
const quick = args.quick ?? false;
const ips = Number(args.ips ?? (quick ? 40 : 200));
const bans = Number(args.bans ?? (quick ? 10_000 : 100_000));
const refBans = Number(args["fail2ban-bans"] ?? (quick ? 1_000 : 10_000));
const capMs = Number(args["cap-min"] ?? (quick ? 2 : 6)) * 60_000;
const only = new Set((args.only ?? "latency,startup,idle").split(","));
const idleWarm = quick ? 3 : 10;
const idleSample = quick ? 10 : 30;

function die(msg: string): never {
  console.error(`bench daemon: ${msg}`);
  cleanupAll();
  process.exit(1);
}

for (const [name, v, min] of [["--ips", ips, 1], ["--bans", bans, 1], ["--fail2ban-bans", refBans, 0], ["--cap-min", capMs, 1]] as const) {
  if (!Number.isInteger(v) || v < min) die(`${name} must be a whole number >= ${min}`);
}
for (const part of only) if (!["latency", "startup", "idle"].includes(part)) die(`--only: unknown part '${part}' (latency, startup, idle)`);
if (process.getuid?.() !== 0) die("needs root (network namespaces, nftables)");
for (const tool of ["ip", "nft", "fail2ban-server", "fail2ban-client"]) {
  if (sh(["sh", "-c", `command -v ${tool}`]).code !== 0) die(`${tool} not found`);
}
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
  if (only.has("startup")) {
    step(`startup: f2b with ${fmtN(bans)} and ${fmtN(refBans)} bans, fail2ban with ${fmtN(refBans)} (capped at ${capMs / 60_000} min)`);
    const big = bans !== refBans ? await startup("f2b", ctx, bans, capMs) : null;
    const f2b = await startup("f2b", ctx, refBans, capMs);
    res.startup = { big, f2b, fail2ban: refBans > 0 ? await startup("fail2ban", ctx, refBans, capMs) : null };
  }
  if (only.has("idle")) {
    step(`idle: 5 jails, ${idleWarm} s settle, ${idleSample} s sample (both daemons at once)`);
    const [f2b, fail2ban] = await Promise.all([idle("f2b", ctx, idleWarm, idleSample), idle("fail2ban", ctx, idleWarm, idleSample)]);
    res.idle = { warmSec: idleWarm, f2b, fail2ban };
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
