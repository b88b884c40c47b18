// Differential test against fail2ban itself, each oracle (1.0.2, 1.1.1): every non-comment line of
// every sample log shipped with it, through its DateDetector and ours, with fail2ban's test
// settings. Once with the default templates, once with the log's filter's own datepattern.
import { describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { DateDetector, TimeZone } from "../../src/filter/date/detector.ts";
import { oracles, PYTHON as PY, type Oracle } from "../helpers/fail2ban-server.ts";

const TEST_TZ = "CET-01CEST-02,M3.5.0,M10.5.0";
const TEST_NOW = 1124013600;

type PyResult = null | ["error", string] | [number, number, number | null, string];
interface FileResult {
  file: string;
  datepattern: string | null;
  lines: string[];
  results: PyResult[];
}

function logFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = `${dir}/${n}`;
      return statSync(p).isDirectory() ? logFiles(p) : [p];
    });
}

function runPython(o: Oracle, script: string, arg?: string): string {
  const proc = Bun.spawnSync([PY, `${import.meta.dir}/${script}`, ...(arg === undefined ? [] : [arg])], {
    env: { ...process.env, ...o.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (proc.exitCode !== 0) throw new Error(`${script} failed: ${proc.stderr.toString()}`);
  return proc.stdout.toString();
}

for (const o of oracles("date-compat"))
  describe(`date detection matches fail2ban ${o.version} on its sample logs`, () => {
    const LOGS = o.logs;
    test("default templates and each filter's datepattern", () => {
      const patterns = JSON.parse(runPython(o, "date-filters.py", o.etc)) as Record<string, string>;
      const jobs: [string, string | null][] = [];
      for (const f of logFiles(LOGS)) {
        jobs.push([f, null]);
        const name = f.slice(LOGS.length + 1);
        if (patterns[name] !== undefined) jobs.push([f, patterns[name]!]);
      }
      const oracle = JSON.parse(runPython(o, "date-oracle.py", JSON.stringify(jobs))) as FileResult[];
      const tz = TimeZone.fromEnv(TEST_TZ); // one zone for the run: glibc's mktime state carries over too
      let lines = 0,
        dated = 0,
        withPattern = 0;
      const mismatches: string[] = [];
      for (const r of oracle) {
        const dd = new DateDetector({ now: () => TEST_NOW, tz, ...(r.datepattern ? { datepattern: r.datepattern } : {}) });
        if (r.datepattern) withPattern++;
        r.lines.forEach((line, i) => {
          lines++;
          const m = dd.matchTime(line);
          const ours: PyResult = m === null ? null : [m.start, m.end, Number.isNaN(m.time) ? null : m.time, m.template];
          const theirs = r.results[i]!;
          if (ours !== null) dated++;
          if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
            mismatches.push(
              `${r.file.slice(LOGS.length + 1)} [${r.datepattern ?? "default"}] ${JSON.stringify(line.slice(0, 120))}\n` +
                `   ours ${JSON.stringify(ours)}\n   f2b  ${JSON.stringify(theirs)}`,
            );
          }
        });
      }
      console.log(
        `date-compat ${o.version}: ${oracle.length} runs (${withPattern} with a filter datepattern), ${lines} lines, ` +
          `${dated} with a date, ${lines - mismatches.length} agree with fail2ban, ${mismatches.length} mismatches`,
      );
      if (mismatches.length) console.log(mismatches.slice(0, 30).join("\n"));
      expect(mismatches.length).toBe(0);
    }, 60000);
  });
