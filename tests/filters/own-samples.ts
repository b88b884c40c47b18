// Our sample logs (tests/filters/samples/<filter>.log) run through the embedded filters.
//
// Sample format — every log line is preceded by exactly one expectation line:
//   #! fail HOST [@LOCAL-TIME] [user=NAME]   the line produces a failure for HOST
//   #! pass [@LOCAL-TIME]                     the line produces no failure (time: its date, if given)
// Directives (apply to the lines after them; each starts a fresh filter, so multi-line state
// does not leak between blocks):
//   #@ filter NAME[opt=val, ...]   filter and options (default: the file's name)
//   #@ journal                     lines are journal messages (no date; time = NOW)
//   #@ file                        back to log file lines
// Other lines starting with "#" are comments. Times are wall-clock times in TEST_TZ.
import { readFileSync } from "node:fs";
import { memoryLog } from "../../src/system/log.ts";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { extractOptions } from "../../src/config/options.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Filter } from "../../src/filter/filter.ts";
import { tableResolver } from "../../src/system/resolver.ts";

/** 2026-11-22T12:00:00Z: year-less syslog dates in the samples resolve to 2026 (or 2025 after it). */
export const NOW = 1795348800;
export const TEST_TZ = "CET-01CEST-02,M3.5.0,M10.5.0";

export interface Expectation {
  fail: boolean;
  host?: string;
  time?: string;
  user?: string;
}

export interface LineResult {
  where: string;
  ok: boolean;
  fail: boolean;
  reason?: string;
}

const EXPECT_RE = /^#! (fail|pass)(?: (?!@|user=)(\S+))?(?: @(\S+))?(?: user=(.*))?$/;

function parseExpectation(text: string, where: string): Expectation {
  const m = EXPECT_RE.exec(text);
  if (!m) throw new Error(`${where}: bad expectation: ${text}`);
  const e: Expectation = { fail: m[1] === "fail" };
  if (m[2] !== undefined) e.host = m[2];
  if (m[3] !== undefined) e.time = m[3];
  if (m[4] !== undefined) e.user = m[4];
  if (e.fail && !e.host) throw new Error(`${where}: "fail" needs a host: ${text}`);
  return e;
}

function localEpoch(tz: TimeZone, iso: string, where: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(iso);
  if (!m) throw new Error(`${where}: bad time ${iso}`);
  const n = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  return tz.toEpoch(...n) + (m[7] ? Number(m[7].padEnd(6, "0")) / 1e6 : 0);
}

export function runOwnSample(path: string, defaultFilter: string): LineResult[] {
  const tz = TimeZone.fromEnv(TEST_TZ);
  const fs = embeddedFS();
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const results: LineResult[] = [];
  let spec = defaultFilter;
  let journal = false;
  let filter: Filter | null = null;
  let pending: Expectation | null = null;
  const name = path.split("/").pop()!;
  const checkLine = (text: string, i: number): void => {
    const where = `${name}:${i + 1}`;
    if (text.startsWith("#@ ")) {
      const [word, ...rest] = text.slice(3).trim().split(" ");
      if (word === "filter") spec = rest.join(" ");
      else if (word === "journal") journal = true;
      else if (word === "file") journal = false;
      else throw new Error(`${where}: unknown directive ${text}`);
      filter = null;
      return;
    }
    if (text.startsWith("#! ")) {
      if (pending) throw new Error(`${where}: two expectations in a row`);
      pending = parseExpectation(text, where);
      return;
    }
    if (text.startsWith("#") || text.trim() === "") return;
    const expect: Expectation | null = pending;
    pending = null;
    if (!expect) throw new Error(`${where}: log line without an expectation: ${text}`);
    if (!filter) {
      const { name: fname, options } = extractOptions(spec);
      filter = new Filter(
        loadFilter(fs, fname, options),
        { now: () => NOW, tz, dns: tableResolver({}), log: memoryLog() },
        { checkFindTime: false, useDns: "no" },
      );
    }
    const found = filter.processLine(text, journal ? { time: NOW } : undefined);
    const hit = found.find((f) => f.fid !== null && !f.data["nofail"]);
    const bad = (reason: string): void => void results.push({ where, ok: false, fail: expect.fail, reason: `${reason}\n    ${text}` });
    if (!expect.fail) {
      if (hit) return void bad(`matched (regex ${hit.regexIndex}, host ${hit.fid}) but should not`);
    } else {
      if (!hit) return void bad("not matched but should be");
      const host = (hit.data["host"] as string | undefined) ?? hit.fid;
      if (host !== expect.host) return void bad(`host ${String(host)} != ${expect.host}`);
      if (expect.user !== undefined && hit.data["user"] !== expect.user) return void bad(`user ${String(hit.data["user"])} != ${expect.user}`);
      if (expect.time !== undefined && hit.time !== localEpoch(tz, expect.time, where))
        return void bad(`time ${hit.time} != ${localEpoch(tz, expect.time, where)} (${expect.time})`);
    }
    if (!expect.fail && expect.time !== undefined) {
      const t = filter.dateDetector.matchTime(text);
      if (!t || t.time !== localEpoch(tz, expect.time, where)) return void bad(`date ${t ? t.time : "none"} != ${expect.time}`);
    }
    results.push({ where, ok: true, fail: expect.fail });
  };
  for (const [i, text] of lines.entries()) checkLine(text, i);
  if (pending) throw new Error(`${name}: expectation at the end without a log line`);
  return results;
}
