// Benchmark: `dist/f2b regex` vs fail2ban's `fail2ban-regex` with the stock sshd filter on the same
// generated auth.log, in one run. Prints a Markdown table (lines/s, ratio, matched counts, peak RSS)
// to stdout; asserts both tools count the same matches on the shared prefix. A last row measures the
// server's path alone: Filter.processLine per line in one process (no start-up, no file reading).
//   bun scripts/bench-regex.ts [LINES=1000000] [F2B_REGEX_LINES=100000]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = join(import.meta.dir, "..");
const f2b = join(repo, "dist", "f2b");
const lines = Number(process.argv[2] ?? 1_000_000);
const refLines = Math.min(lines, Number(process.argv[3] ?? 100_000));
const FILTER_DIR = "/etc/fail2ban";

function die(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

if (!existsSync(f2b)) {
  console.error("bench: dist/f2b missing, building it (npm run build)");
  let b = spawnSync("npm", ["run", "build"], { cwd: repo, stdio: ["ignore", 2, 2] });
  // without npm on PATH, run the same build script with this bun
  if (b.error) b = spawnSync(process.execPath, [join(repo, "scripts", "build.ts")], { cwd: repo, stdio: ["ignore", 2, 2] });
  if (b.status !== 0) die("build failed");
}
const timeBin = "/usr/bin/time";
if (!existsSync(timeBin)) die("/usr/bin/time (GNU time) is needed for peak RSS");
const refTool = spawnSync("sh", ["-c", "command -v fail2ban-regex"], { encoding: "utf8" }).stdout.trim();
if (!refTool) die("fail2ban-regex not found");

const dir = mkdtempSync(join(tmpdir(), "f2b-bench-"));
try {
  const log = join(dir, "auth.log");
  const prefix = join(dir, "auth-prefix.log");
  const gen = spawnSync(process.execPath, [join(repo, "scripts", "gen-authlog.ts"), log, String(lines)], { stdio: ["ignore", 2, 2] });
  if (gen.status !== 0) die("log generation failed");
  const all = readFileSync(log, "utf8");
  let cut = 0;
  for (let i = 0; i < refLines; i++) cut = all.indexOf("\n", cut) + 1;
  writeFileSync(prefix, all.slice(0, cut));

  interface Run {
    seconds: number;
    cpu: number;
    rssKiB: number;
    matched: number;
    lines: number;
  }
  const run = (argv: string[]): Run => {
    // GNU time: wall seconds and max RSS appended to stderr; the tool's report goes to stdout
    const r = spawnSync(timeBin, ["-f", "@@TIME %e %M %U %S", ...argv], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, TZ: "UTC" } });
    if (r.status !== 0) die(`${argv.join(" ")} failed:\n${r.stderr}`);
    const tm = /@@TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
    const lm = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(r.stdout);
    if (!tm || !lm) die(`unexpected output of ${argv[0]}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return { seconds: Number(tm[1]), cpu: Number(tm[3]) + Number(tm[4]), rssKiB: Number(tm[2]), lines: Number(lm[1]), matched: Number(lm[3]) };
  };

  // The server's path: Filter.processLine per line as src/server/jail-runtime.ts calls it (operation
  // mode, first matching regex only), in-process, from the log already in memory; CPU time of the loop.
  const serverPath = (): { cpu: number; lines: number; failures: number } => {
    const code = `
      import { readFileSync } from "node:fs";
      import { diskFS } from ${JSON.stringify(join(repo, "src/config/fs.ts"))};
      import { loadFilter } from ${JSON.stringify(join(repo, "src/config/filter-reader.ts"))};
      import { Filter } from ${JSON.stringify(join(repo, "src/filter/filter.ts"))};
      import { TimeZone } from ${JSON.stringify(join(repo, "src/filter/date/tz.ts"))};
      import { tableResolver } from ${JSON.stringify(join(repo, "src/system/resolver.ts"))};
      import { discardLog } from ${JSON.stringify(join(repo, "src/system/log.ts"))};
      const lines = readFileSync(${JSON.stringify(log)}, "utf8").split("\\n");
      if (lines.at(-1) === "") lines.pop();
      const def = loadFilter(diskFS(${JSON.stringify(FILTER_DIR)}), "sshd");
      const f = new Filter(def, { now: () => Date.now() / 1000, tz: TimeZone.fromEnv(), dns: tableResolver({}), log: discardLog }, { findTime: 600 });
      let failures = 0;
      const c0 = process.cpuUsage();
      for (const l of lines) failures += f.processLine(l).length;
      const c = process.cpuUsage(c0);
      console.log(JSON.stringify({ cpu: (c.user + c.system) / 1e6, lines: lines.length, failures }));`;
    const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", maxBuffer: 1 << 24, env: { ...process.env, TZ: "UTC" } });
    if (r.status !== 0) die(`server-path measurement failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { cpu: number; lines: number; failures: number };
  };

  const ref = run([refTool, "--print-no-missed", "--print-no-ignored", prefix, join(FILTER_DIR, "filter.d", "sshd.conf")]);
  const oursPrefix = run([f2b, "regex", "-c", FILTER_DIR, "--print-no-missed", "--print-no-ignored", prefix, "sshd"]);
  const ours = run([f2b, "regex", "-c", FILTER_DIR, "--print-no-missed", "--print-no-ignored", log, "sshd"]);
  if (oursPrefix.matched !== ref.matched || oursPrefix.lines !== ref.lines) {
    die(`matched counts differ on the ${refLines}-line prefix: f2b ${oursPrefix.matched}/${oursPrefix.lines}, fail2ban-regex ${ref.matched}/${ref.lines}`);
  }
  // CPU time is the fair measure on a shared machine; wall time is shown too
  const rate = (r: Run): number => r.lines / Math.max(r.cpu, 0.01);
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  const mib = (k: number): string => `${(k / 1024).toFixed(0)} MiB`;
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
  console.log(`Regex benchmark — stock sshd filter, generated auth.log, ${cpu}; times include start-up\n`);
  console.log("| tool | lines | wall s | CPU s | lines per CPU s | matched | peak RSS |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  const row = (name: string, r: Run): void =>
    console.log(`| ${name} | ${fmt(r.lines)} | ${r.seconds.toFixed(2)} | ${r.cpu.toFixed(2)} | ${fmt(rate(r))} | ${fmt(r.matched)} | ${mib(r.rssKiB)} |`);
  row("fail2ban-regex 1.0.2", ref);
  row("f2b regex (same prefix)", oursPrefix);
  row("f2b regex", ours);
  const sp = serverPath();
  console.log(
    `| f2b Filter.processLine (server path, in-process loop) | ${fmt(sp.lines)} | | ${sp.cpu.toFixed(2)} | ${fmt(sp.lines / Math.max(sp.cpu, 0.01))} | ${fmt(sp.failures)} failures | |`,
  );
  console.log(
    `\nf2b / fail2ban-regex throughput: **${(rate(ours) / rate(ref)).toFixed(1)}×** per CPU second ` +
      `(${(ours.lines / ours.seconds / (ref.lines / ref.seconds)).toFixed(1)}× by wall time); ` +
      `matched counts identical on the shared ${fmt(ref.lines)}-line prefix.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
