// The daemon's filter path with and without the filter worker (src/filter-worker): the stock sshd
// filter on a generated auth.log, lines handed over in chunks as the file tailer does. Prints
// lines per second (wall) and CPU seconds of the whole process (both threads).
//   bun scripts/bench-filter-stage.ts [LINES=100000] [CHUNK=500]
import { logFrom } from "../src/system/log.ts";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskFS } from "../src/config/fs.ts";
import { loadFilter } from "../src/config/filter-reader.ts";
import { TimeZone } from "../src/filter/date/tz.ts";
import { Filter } from "../src/filter/filter.ts";
import { FilterStage } from "../src/filter-worker/filter-stage.ts";
import type { LogLine } from "../src/source/types.ts";
import { tableResolver } from "../src/system/resolver.ts";
import { discardLog } from "../src/system/log.ts";

const total = Number(process.argv[2] ?? 100_000);
const chunk = Number(process.argv[3] ?? 500);
const dir = mkdtempSync(join(tmpdir(), "f2b-stage-"));
const log = join(dir, "auth.log");
spawnSync(process.execPath, [join(import.meta.dir, "gen-authlog.ts"), log, String(total)], { stdio: "inherit" });
const texts = readFileSync(log, "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => (process.env.NOFAIL ? l.replace("sshd", "sshX") : l));
rmSync(dir, { recursive: true, force: true });
const lines: LogLine[] = texts.map((text, i) => ({ source: log, text, pos: i }));
const def = loadFilter(diskFS("/etc/fail2ban"), "sshd");
const now = (): number => Date.now() / 1000;

function measure(name: string, run: () => Promise<number>): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return run().then((failures) => {
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(
      `| ${name} | ${lines.length} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${Math.round(lines.length / wall).toLocaleString("en-US")} | ${failures} |`,
    );
  });
}

console.log("| path | lines | wall s | CPU s (all threads) | lines/s (wall) | failures |\n|---|---:|---:|---:|---:|---:|");
await measure("in-process Filter.processLine", async () => {
  const f = new Filter(def, { now, tz: TimeZone.fromEnv(), dns: tableResolver({}), log: discardLog }, { findTime: 600 });
  let n = 0;
  for (const l of lines) n += f.processLine(l.text).length;
  return n;
});
let abandoned = 0;
const stage = new FilterStage({
  def,
  opts: { findTime: 600 },
  tz: process.env.TZ,
  budgetMs: 100,
  now,
  dns: tableResolver({}),
  log: logFrom((level, m) => level >= 40 && console.error(m)),
  onAbandoned: () => abandoned++,
});
await measure("FilterStage start-up (worker, filter compiled, one line)", async () => (await stage.process(lines.slice(0, 1)))[0]!.failures.length);
await measure(`FilterStage (worker), ${chunk}-line chunks`, async () => {
  const calls: Promise<number>[] = [];
  for (let i = 0; i < lines.length; i += chunk) {
    calls.push(stage.process(lines.slice(i, i + chunk)).then((rs) => rs.reduce((n, r) => n + r.failures.length, 0)));
  }
  const n = (await Promise.all(calls)).reduce((a, b) => a + b, 0);
  stage.stop();
  return n;
});
console.log(`abandoned lines: ${abandoned}`);
