// The jail's filter stage (src/filter-worker): the worker finds exactly what the in-process
// Filter finds, whatever the batching; a line over the line budget is abandoned, named by the
// regex that was running, and the jail goes on with its multi-line state intact.
import { memoryLog } from "../../src/system/log.ts";
import { afterEach, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadFilter, type FilterDefinition } from "../../src/config/filter-reader.ts";
import { Filter, type FilterFailure } from "../../src/filter/filter.ts";
import { probeName } from "../../src/filter/filter-probe.ts";
import { FilterStage, type AbandonedLine, type FilterStageOptions } from "../../src/filter-worker/filter-stage.ts";
import type { LogLine } from "../../src/source/types.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { discardLog } from "../../src/system/log.ts";
import { HOSTILE, stockFilter } from "../filters/hostile-lines.ts";

const NOW = 1_763_800_000;
const stages: FilterStage[] = [];
afterEach(() => {
  for (const s of stages.splice(0)) s.stop();
});

function stage(def: FilterDefinition, o: Partial<FilterStageOptions> = {}): FilterStage {
  const s = new FilterStage({
    def,
    opts: { findTime: 600 },
    tz: "UTC",
    budgetMs: 100,
    now: () => NOW,
    dns: tableResolver({}),
    log: memoryLog(),
    onAbandoned: () => {},
    ...o,
  });
  stages.push(s);
  return s;
}
const asLines = (texts: string[]): LogLine[] => texts.map((text, i) => ({ source: "test.log", text, pos: i + 1 }));

test("the worker finds what the in-process filter finds, for any batching (seeded)", async () => {
  const seed = Number(process.env.SEED ?? Date.now() % 100000);
  const dir = mkdtempSync(join(tmpdir(), "f2b-stage-"));
  try {
    spawnSync(process.execPath, [join(import.meta.dir, "../../scripts/gen-authlog.ts"), join(dir, "auth.log"), "3000", String(NOW - 3000)]);
    const texts = readFileSync(join(dir, "auth.log"), "utf8")
      .split("\n")
      .filter((l) => l !== "");
    const def = loadFilter(embeddedFS(), "sshd", { mode: "aggressive" });
    const f = new Filter(def, { now: () => NOW, tz: undefined, dns: tableResolver({}), log: discardLog }, { findTime: 600 });
    // what the jail reads of a failure: id, time, nofail and the matched lines (a multi-line
    // session's state changes with later lines: each failure must keep what it had when found)
    const key = (x: FilterFailure): string => `${x.fid}@${x.time}${x.data["nofail"] ? " nofail" : ""} ${JSON.stringify(x.data["matches"] ?? null)}`;
    const expected = texts.map((t) => f.processLine(t).map(key));
    const s = stage(def);
    let rnd = seed;
    const calls: Promise<string[][]>[] = [];
    for (let i = 0; i < texts.length; ) {
      rnd = (rnd * 1103515245 + 12345) % 2147483648;
      const n = 1 + (rnd % 700);
      calls.push(s.process(asLines(texts.slice(i, i + n))).then((rs) => rs.map((r) => r.failures.map(key))));
      i += n;
    }
    const got = (await Promise.all(calls)).flat();
    if (JSON.stringify(got) !== JSON.stringify(expected)) console.log(`seed ${seed}`);
    expect(got.filter((x) => x.length).length).toBeGreaterThan(100);
    expect(got).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A two-line failure ("session N user U" then "session N failed from HOST") and a failregex
// that backtracks polynomially (O(n⁵), seconds on "x " + 200 "a"; the static check flags only
// exponential ones, which the worker runs on the linear-time engine anyway).
const twoLine: FilterDefinition = {
  name: "twoline",
  file: "twoline.conf",
  failregex: [String.raw`^user \S+ session (\d+)\n(?:.*\n)*?session \1 failed from <HOST>$`, String.raw`^x a*a*a*a*a* from <HOST>$`],
  ignoreregex: [],
  maxlines: 3,
  datepattern: "{NONE}",
  options: {},
};

test("a line over the budget is abandoned and named; the lines around it are decided; the buffer survives", async () => {
  const abandoned: AbandonedLine[] = [];
  const s = stage(twoLine, { onAbandoned: (a) => abandoned.push(a) });
  const hostile = "x " + "a".repeat(200);
  const results = await s.process(asLines(["user bob session 7", "x a from 192.0.2.1", hostile, "session 7 failed from 192.0.2.7", "x a from 192.0.2.2"]));
  expect(results.map((r) => r.failures.map((x) => x.fid))).toEqual([[], ["192.0.2.1"], [], ["192.0.2.7"], ["192.0.2.2"]]);
  expect(results.map((r) => r.abandoned ?? false)).toEqual([false, false, true, false, false]);
  expect(abandoned.map((a) => a.line.text)).toEqual([hostile]);
  const f = new Filter(twoLine, { now: () => NOW, dns: tableResolver({}), log: discardLog });
  expect(probeName(f, abandoned[0]!.slot)).toMatchObject({ kind: "failregex", index: 1 });
  // the state from an earlier batch (the restarted worker gets the snapshot) survives an abandon
  expect((await s.process(asLines(["user eve session 8"])))[0]!.failures).toEqual([]);
  const after = await s.process(asLines([hostile, "session 8 failed from 192.0.2.8", "x a from 192.0.2.3"]));
  expect(after.map((r) => r.failures.map((x) => x.fid))).toEqual([[], ["192.0.2.8"], ["192.0.2.3"]]);
  expect(abandoned.length).toBe(2);
});

// The first alternative backtracks for seconds (O(n⁵)) and fails; the second matches: over the
// budget, abandoned, and the linear-time engine finds the failure.
const slowMatch: FilterDefinition = {
  name: "slowmatch",
  file: "slowmatch.conf",
  failregex: [String.raw`^(?:a*a*a*a*a*c|a+b) from <HOST>$`],
  ignoreregex: [],
  datepattern: "{NONE}",
  options: {},
};

test("an abandoned line is decided on the linear-time engine: a failure the backtracking engine would drop", async () => {
  const abandoned: AbandonedLine[] = [];
  const s = stage(slowMatch, { onAbandoned: (a) => abandoned.push(a) });
  const results = await s.process(asLines(["ab from 192.0.2.20", "a".repeat(200) + "b from 192.0.2.21", "ab from 192.0.2.22"]));
  expect(results.map((r) => r.failures.map((x) => x.fid))).toEqual([["192.0.2.20"], ["192.0.2.21"], ["192.0.2.22"]]);
  expect(results.map((r) => r.abandoned ?? false)).toEqual([false, true, false]);
  expect(abandoned.length).toBe(1);
  expect(abandoned[0]!.outcome.decided).toBe(true);
  // a filter with a backreference has no linear form: the line stays undecided, and says so
  const other: AbandonedLine[] = [];
  const t = stage(twoLine, { onAbandoned: (a) => other.push(a) });
  await t.process(asLines(["x " + "a".repeat(200)]));
  expect(other.map((a) => a.outcome)).toEqual([{ decided: false, why: expect.stringContaining("no linear-time form") }]);
});

test.skipIf(!existsSync("/etc/fail2ban/filter.d/grafana.conf"))(
  "a regex the static check flags runs on the linear-time engine in the worker: stock grafana's hostile lines need no abandoning",
  async () => {
    const abandoned: AbandonedLine[] = [];
    const log = memoryLog();
    const s = stage(stockFilter("grafana"), { onAbandoned: (a) => abandoned.push(a), log });
    const grafana = HOSTILE.find((c) => c.filter === "grafana")!;
    // 300 tokens: seconds in JavaScriptCore for each line, far over the 100 ms budget
    const results = await s.process(asLines([grafana.line(300), grafana.line(300), grafana.failure.line]));
    expect(results.map((r) => r.failures.map((x) => x.fid))).toEqual([[], [], [grafana.failure.ip]]);
    expect(abandoned).toEqual([]);
    const warnings = log.records.filter((r) => r.level === 30).map((r) => r.msg);
    expect(warnings.filter((w) => w.includes("backtrack"))).toEqual([
      expect.stringMatching(/^failregex 1 can backtrack exponentially \(the repeat .*\); it runs on the linear-time engine$/u),
    ]);
  },
);

test("a worker that cannot run: after three failures the jail matches on the main thread, loudly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "f2b-broken-"));
  try {
    const broken = join(dir, "worker.ts");
    writeFileSync(broken, 'throw new Error("this worker is broken");\n');
    const log = memoryLog();
    const s = stage(twoLine, { workerUrl: new URL(`file://${broken}`), log });
    const results = await s.process(asLines(["x a from 192.0.2.4", "user bob session 9", "session 9 failed from 192.0.2.9"]));
    expect(results.map((r) => r.failures.map((x) => x.fid))).toEqual([["192.0.2.4"], [], ["192.0.2.9"]]);
    expect(results.some((r) => r.abandoned)).toBe(false);
    const errors = log.records.filter((r) => r.level === 40).map((r) => r.msg);
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain("matching this jail's lines on the main thread");
    expect((await s.process(asLines(["x a from 192.0.2.5"])))[0]!.failures.map((x) => x.fid)).toEqual(["192.0.2.5"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an idle worker is stopped and the next batch restarts it from the filter state: a two-line failure split across the stop (seeded)", async () => {
  const seed = Number(process.env.SEED ?? Date.now() % 100000);
  let rnd = seed;
  const pick = (n: number): number => (rnd = (rnd * 1103515245 + 12345) % 2147483648) % n;
  const noise = (): string => {
    const k = pick(3);
    return k === 0 ? `x a from 192.0.2.${1 + pick(200)}` : k === 1 ? `user u${pick(9)} session ${pick(9)}` : `nothing ${pick(1000)}`;
  };
  const s = stage(twoLine, { idleMs: 30 });
  const f = new Filter(twoLine, { now: () => NOW, dns: tableResolver({}), log: discardLog }, { findTime: 600 });
  const waitStopped = async (): Promise<void> => {
    for (let i = 0; i < 500 && s.hasWorker; i++) await Bun.sleep(10);
  };
  const show = (fs: readonly FilterFailure[]): string[] => fs.map((x) => `${x.fid}@${x.time}:${JSON.stringify(x.data)}`);
  let splitFound = 0;
  for (let round = 0; round < 4; round++) {
    const session = 100 + round;
    // the first half of a two-line failure ends the batch before the stop, the second opens the next
    const before = [...Array.from({ length: pick(6) }, noise), `user bob session ${session}`];
    const after = [`session ${session} failed from 198.51.100.${round + 1}`, ...Array.from({ length: pick(6) }, noise)];
    for (const texts of [before, after]) {
      const got = (await s.process(asLines(texts))).map((r) => show(r.failures));
      expect(s.hasWorker).toBe(true);
      const expected = texts.map((t) => show(f.processLine(t)));
      if (JSON.stringify(got) !== JSON.stringify(expected)) console.log(`seed ${seed}`);
      expect(got).toEqual(expected);
      if (texts === after && got[0]!.some((x) => x.startsWith(`198.51.100.${round + 1}@`))) splitFound++;
      await waitStopped();
      expect(s.hasWorker).toBe(false);
    }
  }
  expect(splitFound).toBe(4);
});
