// Runs one stock fail2ban filter against its sample log with the semantics of fail2ban 1.0.2's
// tests/samplestestcase.py: failJSON / fileOptions / filterOptions (lists too) / addFILE,
// test.condition and constraint, journal lines with test.prefix-line, the time check in
// TZ=CET-01CEST-02,M3.5.0,M10.5.0 with now = 1124013600, and "every failregex has a sample".
import { readFileSync } from "node:fs";
import { memoryLog } from "../../src/system/log.ts";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Filter, type FilterFailure } from "../../src/filter/filter.ts";
import { CIDR_UNSPEC, normalizeAddress } from "../../src/net/failure-id.ts";
import { evalCondition } from "./py-cond.ts";
import { tableResolver } from "../../src/system/resolver.ts";

export const TEST_NOW = 1124013600;
export const TEST_TZ = "CET-01CEST-02,M3.5.0,M10.5.0";
const TEST_NOW_STR = "2005-08-14T10:00:00";

export interface CaseResult {
  filter: string; // fail2ban's test filter name: NAME plus the options' repr, e.g. sshd{'mode': 'aggressive'}
  line: string; // "LOGFILE:LINENO" of the sample line, or "regex N" for the has-a-sample check
  ok: boolean;
  reason?: string;
}

interface FilterUnderTest {
  filter: Filter | null;
  loadError?: string;
  regexes: string[];
  used: Set<number>;
}

type Opts = Record<string, unknown>;

/** Python repr of a flat options dict, as fail2ban builds unique filter names with str(opts). */
function pyRepr(v: unknown): string {
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object")
    return `{${Object.entries(v as Opts)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(", ")}}`;
  return String(v);
}

function sortedJson(v: unknown): string {
  const items = v instanceof Set ? [...v] : Array.isArray(v) ? v : Object.keys(v as object);
  return JSON.stringify(items.map((x) => JSON.stringify(x)).sort());
}

export function runSamples(name: string, configDir: string, logsDir: string): CaseResult[] {
  const results: CaseResult[] = [];
  const tz = TimeZone.fromEnv(TEST_TZ);
  const fs = diskFS(configDir);
  const filters = new Map<string, FilterUnderTest>();
  const usedRegexTexts = new Set<string>();

  const readFilter = (fltName: string, opts: Record<string, string>): FilterUnderTest => {
    let f = filters.get(fltName);
    if (f) return f;
    try {
      const def = loadFilter(fs, name, opts);
      const filter = new Filter(
        def,
        { now: () => TEST_NOW, tz, dns: tableResolver({}), log: memoryLog() },
        { returnRawHost: true, checkAllRegex: true, checkFindTime: false, useDns: "warn" },
      );
      f = { filter, regexes: def.failregex, used: new Set() };
    } catch (e) {
      f = { filter: null, loadError: e instanceof Error ? e.message : String(e), regexes: [], used: new Set() };
      results.push({ filter: fltName, line: "load", ok: false, reason: f.loadError });
    }
    filters.set(fltName, f);
    return f;
  };

  const filenames = [name];
  let commonOpts: Opts = {};
  let tests: { fltName: string; f: FilterUnderTest; opts: Opts }[] | null = null;
  for (let fi = 0; fi < filenames.length; fi++) {
    const file = filenames[fi]!;
    const text = readFileSync(join(logsDir, file), "utf8");
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    let ignoreBlock = false;
    for (let li = 0; li < lines.length; li++) {
      let line = lines[li]!;
      let lineNo = li + 1;
      let faildata: Opts = {};
      const jm = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$/.exec(line.replace(/\r$/, ""));
      if (jm) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(jm[2]!);
        } catch (e) {
          results.push({ filter: name, line: `${file}:${lineNo}`, ok: false, reason: `bad JSON: ${String(e)}` });
          continue;
        }
        if (jm[1] === "fileOptions") {
          commonOpts = parsed as Opts;
          continue;
        }
        if (jm[1] === "filterOptions") {
          tests = [];
          ignoreBlock = false;
          for (const fo of Array.isArray(parsed) ? (parsed as Opts[]) : [parsed as Opts]) {
            const opts: Opts = { ...commonOpts, ...fo };
            if (opts["test.condition"]) ignoreBlock = !evalCondition(String(opts["test.condition"]), { name, opts });
            if (ignoreBlock) continue;
            const fltOpts = Object.fromEntries(Object.entries(opts).filter(([k]) => !k.startsWith("test.")));
            const custom = opts["test.filter-name"];
            const fltName = name + (custom ? String(custom) : Object.keys(fltOpts).length ? pyRepr(fltOpts) : "");
            const strOpts = Object.fromEntries(Object.entries(fltOpts).map(([k, v]) => [k, String(v)]));
            tests.push({ fltName, f: readFilter(fltName, strOpts), opts });
          }
          continue;
        }
        if (jm[1] === "addFILE") {
          filenames.push(String(parsed));
          continue;
        }
        faildata = parsed as Opts;
        li++;
        line = lines[li] ?? "";
        lineNo = li + 1;
      } else if (ignoreBlock || line.startsWith("#") || line.trim() === "") continue;
      if (ignoreBlock) continue;
      if (!tests || tests.length === 0) tests = [{ fltName: name, f: readFilter(name, {}), opts: {} }];
      line = line.replace(/[\r\n]+$/, "");
      for (const t of tests) {
        const where = { filter: t.fltName, line: `${file}:${lineNo}` };
        try {
          if (faildata["constraint"] && !evalCondition(String(faildata["constraint"]), { name, opts: t.opts })) continue;
          if (!t.f.filter) continue; // counted once as a load failure
          const reason = checkLine(t.f, line, t.opts, faildata, tz, usedRegexTexts);
          results.push(reason ? { ...where, ok: false, reason } : { ...where, ok: true });
        } catch (e) {
          results.push({ ...where, ok: false, reason: `error: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    }
  }
  for (const [fltName, f] of filters) {
    f.regexes.forEach((re, i) => {
      const ok = f.used.has(i) || usedRegexTexts.has(re);
      results.push(ok ? { filter: fltName, line: `regex ${i}`, ok } : { filter: fltName, line: `regex ${i}`, ok, reason: `Regex has no samples: ${i}` });
    });
  }
  return results;
}

/** One sample line through one filter; returns why it fails, or undefined when it passes. */
function checkLine(f: FilterUnderTest, line: string, opts: Opts, faildata: Opts, tz: TimeZone, usedTexts: Set<string>): string | undefined {
  const flt = f.filter!;
  let ret: FilterFailure[];
  if (opts["logtype"] !== "journal") ret = flt.processLine(line);
  else {
    const prefix = opts["test.prefix-line"];
    ret = flt.processLine(prefix ? String(prefix) + line : line, { time: TEST_NOW, timeText: TEST_NOW_STR });
  }
  const found = ret.filter((r) => {
    if (r.fid === null || r.data["nofail"]) {
      f.used.add(r.regexIndex);
      usedTexts.add(f.regexes[r.regexIndex]!);
      return false;
    }
    return true;
  });
  if (found.length === 0) return faildata["match"] ? "Line not matched when should have" : undefined;
  if (!faildata["match"]) return `Line matched when shouldn't have (regex ${found.map((r) => r.regexIndex).join(",")})`;
  if (found.length !== 1) return `Multiple regexs matched ${JSON.stringify(found.map((r) => r.regexIndex))}`;
  const r = found[0]!;
  for (const [k, v] of Object.entries(faildata)) {
    if (k === "time" || k === "match" || k === "desc" || k === "constraint") continue;
    let fv = r.data[k] ?? null; // a group that did not participate is None
    let isAddr = k === "ip";
    if (fv === null || fv === undefined) {
      if (k === "host") {
        fv = r.fid;
        isAddr = true;
      }
      if (k === "attempts") fv = ((r.data["matches"] as unknown[] | undefined) ?? []).length;
    }
    if (fv instanceof Set || Array.isArray(fv) || (fv !== null && typeof fv === "object")) {
      if (sortedJson(fv) !== sortedJson(v)) return `${k}: ${JSON.stringify(fv instanceof Set ? [...fv] : fv)} != ${JSON.stringify(v)}`;
      continue;
    }
    // IPAddr compares addresses, not spellings
    const same = fv === v || (isAddr && typeof fv === "string" && typeof v === "string" && normalizeAddress(v, CIDR_UNSPEC) === fv);
    if (!same) return `${k}: ${JSON.stringify(fv)} != ${JSON.stringify(v)}`;
  }
  if (faildata["time"] !== undefined && faildata["time"] !== null) {
    const tm = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$/.exec(String(faildata["time"]));
    if (!tm) return `bad time in sample: ${String(faildata["time"])}`;
    const n = tm.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const micro = tm[7] ? Number(tm[7].padEnd(6, "0")) : 0;
    const expected = tz.toEpoch(n[0], n[1], n[2], n[3], n[4], n[5]) + micro / 1e6;
    if (r.time !== expected) return `time ${r.time} != ${expected} (diff ${(r.time - expected).toFixed(3)} s)`;
  }
  f.used.add(r.regexIndex);
  usedTexts.add(f.regexes[r.regexIndex]!);
  return undefined;
}
