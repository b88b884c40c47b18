// `f2b regex [-c DIR] [options] LOG FILTER [IGNOREREGEX]` — fail2ban-regex for f2b's engine.
// Human output follows fail2ban-regex; `--json` prints one object per input line (the machine
// interface tests and tools rely on: keep its shape stable).
import { existsSync, statSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import type { FilterDefinition } from "../config/filter-reader.ts";
import { TimeZone } from "../filter/date/tz.ts";
import { Filter, type FilterOptions } from "../filter/filter.ts";
import { createSystemDeps } from "../system/deps.ts";
import { discardLog } from "../system/log.ts";
import { forEachFileLine, literalLines } from "./regex-input.ts";
import { isJournalLog, journalInput, JournalInputError, type JournalInput, type LineFn } from "./regex-journal.ts";
import { jsonRecord } from "./regex-json.ts";
import { FilterNotFound, locatePattern, resolveFilter, shorten } from "./regex-load.ts";
import { invertedFailure, outFunction } from "./regex-out.ts";
import { RegexStats, renderReport, type ReportOptions } from "./regex-report.ts";
import { SlowLines } from "./regex-budget.ts";
import { describeExponential, exponentialRegexes } from "../filter/backtrack-check.ts";
import { DEFAULT_LINE_BUDGET, parseLineBudget } from "../config/line-budget.ts";

export const REGEX_USAGE = `usage: f2b regex [-c DIR] [options] LOG FILTER [IGNOREREGEX]

LOG      a log file path, a literal log line ("\\n" separates several lines), or the
         systemd journal: systemd-journal[journalpath=DIR, journalfiles=GLOBS, journalflags=N,
         namespace=NS] (entries matching --journalmatch, else the filter's journalmatch)
FILTER   a filter name (sshd, sshd[mode=aggressive]) from DIR/filter.d (default: /etc/f2b when
         it exists, else the embedded config; then /etc/fail2ban), a filter file path, or a
         literal failregex

options:
  -c, --config DIR        config root (fail2ban layout: DIR/filter.d/NAME.conf)
  -m, --journalmatch M    journalctl style matches overriding the filter's (systemd-journal only)
  -d, --datepattern PAT   date pattern overriding the filter's
  -L, --maxlines N        multi-line buffer size overriding the filter's
      --usedns MODE       yes | warn | no | raw
  -r, --raw               keep host names as written (no DNS)
      --no-check-all      stop at the first matching failregex
  -v, --verbose           more detail (repeatable)
      --print-all-matched / --print-all-missed / --print-all-ignored
      --print-no-missed / --print-no-ignored
  -o, --out TOKEN         print only this of each failure: id, ip, msg, or a group (user ...)
  -i, --invert            with --out: the lines that did not match instead (fail2ban 1.1)
  --json                  one JSON object per input line (with --now, --opts, --journal)
      --now EPOCH         reference time (year inference, journal time); default: the clock
      --opts JSON         filter options as a JSON object, like NAME[opt=val]
      --journal           each line is a journal message whose time is --now
      --linebudget TIME   report lines slower than this, per regex (default ${DEFAULT_LINE_BUDGET})
`;

export interface RegexIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Writes all of `s`, waiting out EAGAIN on non-blocking pipes; a closed reader ends the program quietly. */
function writeAll(fd: number, s: string): void {
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") process.exit(0);
      if (code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

const stdIO: RegexIO = { out: (s) => writeAll(1, s), err: (s) => writeAll(2, s) };

function fail(io: RegexIO, msg: string): number {
  io.err(`f2b regex: ${msg}\n`);
  return 2;
}

export async function runRegex(argv: string[], io: RegexIO = stdIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        conf: { type: "string" }, // the global spelling of -c
        socket: { type: "string", short: "s" }, // global option, not used here
        datepattern: { type: "string", short: "d" },
        maxlines: { type: "string", short: "L" },
        usedns: { type: "string" },
        raw: { type: "boolean", short: "r" },
        "no-check-all": { type: "boolean" },
        verbose: { type: "boolean", short: "v", multiple: true },
        "print-all-matched": { type: "boolean" },
        "print-all-missed": { type: "boolean" },
        "print-all-ignored": { type: "boolean" },
        "print-no-missed": { type: "boolean" },
        "print-no-ignored": { type: "boolean" },
        json: { type: "boolean" },
        now: { type: "string" },
        opts: { type: "string" },
        journal: { type: "boolean" },
        journalmatch: { type: "string", short: "m" },
        out: { type: "string", short: "o" },
        invert: { type: "boolean", short: "i" },
        linebudget: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    return fail(io, `${e instanceof Error ? e.message : String(e)}\n\n${REGEX_USAGE}`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.out(REGEX_USAGE);
    return 0;
  }
  if (positionals.length < 2 || positionals.length > 3) return fail(io, `provide both LOG and FILTER\n\n${REGEX_USAGE}`);
  const [logArg, filterArg, ignoreArg] = positionals as [string, string, string | undefined];

  let now: (() => number) | undefined;
  if (v.now !== undefined) {
    const t = Number(v.now);
    if (!Number.isFinite(t)) return fail(io, `--now: not a number: ${v.now}`);
    now = () => t;
  }
  let filterOpts: Record<string, string> = {};
  if (v.opts !== undefined) {
    try {
      const o: unknown = JSON.parse(v.opts);
      if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error("expected a JSON object");
      filterOpts = Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
    } catch (e) {
      return fail(io, `--opts: ${e instanceof Error ? e.message : String(e)}: ${v.opts}`);
    }
  }
  let budgetMs: number;
  try {
    budgetMs = parseLineBudget(v.linebudget ?? DEFAULT_LINE_BUDGET);
  } catch (e) {
    return fail(io, `--linebudget ${(e as Error).message}: ${v.linebudget}`);
  }
  let maxLines: number | undefined;
  if (v.maxlines !== undefined) {
    maxLines = Number(v.maxlines);
    if (!Number.isInteger(maxLines) || maxLines <= 0) return fail(io, `--maxlines must be an integer greater than zero: ${v.maxlines}`);
  }

  // like fail2ban-regex on a journal: the filter reads journal-style lines unless told otherwise
  if (v.journal && filterOpts["logtype"] === undefined) filterOpts = { ...filterOpts, logtype: "journal" };
  let def: FilterDefinition;
  let notes: string[];
  try {
    ({ def, notes } = resolveFilter(filterArg, v.config ?? v.conf, filterOpts, isJournalLog(logArg) ? "systemd" : "auto"));
    if (ignoreArg !== undefined) def = { ...def, ignoreregex: [...def.ignoreregex, ignoreArg] };
  } catch (e) {
    return fail(io, e instanceof FilterNotFound ? e.message : `${e instanceof Error ? e.message : String(e)}`);
  }

  const json = v.json ?? false;
  const out = v.out === undefined ? null : outFunction(v.out);
  if (out && "error" in out) return fail(io, out.error);
  if (v.invert && !out) return fail(io, "--invert needs --out TOKEN (as in fail2ban-regex)");
  const clock = now ?? (() => Date.now() / 1000);
  const ignoredByRegex = { hit: false };
  const ignoreHits: number[] = new Array<number>(def.ignoreregex.length).fill(0);
  const options: FilterOptions = {
    checkAllRegex: !json && !out && !v["no-check-all"],
    returnRawHost: json || (v.raw ?? false),
    checkFindTime: false,
    // like fail2ban-regex --out, the machine interface reports what a jail would count
    ignorePending: json || out !== null,
    onIgnoreRegex: (i) => {
      ignoredByRegex.hit = true;
      ignoreHits[i]!++;
    },
  };
  if (v.usedns !== undefined) options.useDns = v.usedns;
  if (maxLines !== undefined) options.maxLines = maxLines;
  if (v.datepattern !== undefined) options.datePattern = v.datepattern;
  let filter: Filter;
  try {
    // fail2ban-regex prints no resolver or filter warnings at its default log level; neither do we
    const { resolver } = createSystemDeps({ logger: () => discardLog });
    filter = new Filter(def, { now: clock, tz: TimeZone.fromEnv(), dns: resolver, log: discardLog }, options);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const bad = [...def.failregex, ...def.ignoreregex, def.prefregex ?? ""].find((p) => p && msg.includes(p));
    if (bad !== undefined && def.file !== "command line" && msg.startsWith(`${def.file}: `)) {
      return fail(io, `${locatePattern(def.file, bad)}: ${msg.slice(def.file.length + 2)}`);
    }
    return fail(io, msg);
  }

  const isFile = existsSync(logArg) && statSync(logArg).isFile();
  let jin: JournalInput | null = null;
  try {
    if (!isFile) jin = journalInput(logArg, v.journalmatch, def, TimeZone.fromEnv());
  } catch (e) {
    return fail(io, (e as Error).message);
  }
  const eachLine = async (fn: LineFn): Promise<void> =>
    jin ? jin.each(fn) : isFile ? forEachFileLine(logArg, fn) : literalLines(logArg).forEach((l) => void fn(l));
  const journal = v.journal ?? false;
  const processOpts = journal ? { time: clock() } : undefined;

  if (json) {
    let chunk = "";
    let n = 0;
    const done = await eachLine((line, at) => {
      n++;
      const skip = !at && (line === "" || line.startsWith("#"));
      const found = skip ? [] : filter.processLine(line, at ?? processOpts);
      chunk += JSON.stringify(jsonRecord(n, found, skip ? null : filter.lastTime)) + "\n";
      if (chunk.length > 65536) {
        io.out(chunk);
        chunk = "";
      }
    }).catch((e: unknown) => e);
    io.out(chunk);
    return done instanceof JournalInputError ? fail(io, done.message) : 0;
  }

  if (out) {
    // fail2ban-regex --out: one value per failure, nothing else; with --invert the unmatched lines
    let chunk = "";
    const done = await eachLine((line, at) => {
      if (!at && (line === "" || line.startsWith("#"))) return;
      const found = filter.processLine(line, at ?? processOpts).filter((f) => !f.data["nofail"]);
      const shown = v.invert ? (found.length ? [] : [invertedFailure(at ? at.timeText + line : line, filter.lastTime)]) : found;
      for (const s of out(shown)) chunk += s + "\n";
      if (chunk.length > 65536) {
        io.out(chunk);
        chunk = "";
      }
    }).catch((e: unknown) => e);
    io.out(chunk);
    return done instanceof JournalInputError ? fail(io, done.message) : 0;
  }

  const verbose = v.verbose?.length ?? 0;
  const ro: ReportOptions = {
    verbose,
    printAllMatched: v["print-all-matched"] ?? false,
    printAllMissed: v["print-all-missed"] ?? false,
    printAllIgnored: v["print-all-ignored"] ?? false,
    printNoMissed: v["print-no-missed"] ?? false,
    printNoIgnored: v["print-no-ignored"] ?? false,
    maxShown: maxLines ?? 20,
    noDateDetector: jin !== null && (v.datepattern ?? def.datepattern) === undefined,
  };
  const head = ["", "Running tests", "=============", "", ...notes];
  for (const x of exponentialRegexes(filter)) {
    const where = def.file === "command line" ? "" : `${locatePattern(def.file, x.pattern)}: `;
    head.push(`WARNING: ${where}${describeExponential(x)}`);
  }
  if (maxLines !== undefined || def.maxlines !== undefined) head.push(`Use         maxlines : ${filter.maxLines}`);
  const dp = v.datepattern ?? def.datepattern;
  if (dp !== undefined) {
    const ts = filter.dateDetector.templates;
    head.push(`Use      datepattern : ${dp} : ${ts.length === 0 || ts.length > 2 ? "Default Detectors" : ts[0]!.name}`);
  }
  if (jin) head.push(...jin.header);
  else if (isFile) head.push(`Use         log file : ${logArg}`, "Use         encoding : UTF-8");
  else head.push(`Use      single line : ${shorten(logArg.replace(/\n/g, "\\n"))}`);
  io.out(head.join("\n") + "\n\n");

  const stats = new RegexStats(def.failregex.length, def.ignoreregex.length, ro);
  const slow = new SlowLines(budgetMs);
  const t0 = performance.now();
  const failed = await eachLine((line, at) => {
    // journal entries are never skipped as comments (fail2ban-regex skips only file lines)
    if (!at && (line === "" || line.startsWith("#"))) return;
    const before = filter.maxLines > 1 ? filter.lineBuffer.slice() : null;
    ignoredByRegex.hit = false;
    const lineStart = performance.now();
    const found = filter.processLine(line, at ?? processOpts);
    slow.check(filter, performance.now() - lineStart);
    // fail2ban-regex shows a journal line with its ISO time in front
    stats.add(at ? at.timeText + line : line, found, ignoredByRegex.hit, filter.prefMatched);
    if (before) {
      // lines buffered earlier and consumed by this match were not missed after all
      const full = before.length >= filter.maxLines ? 1 : 0;
      const now = filter.lineBuffer;
      for (const b of before.slice(full)) {
        if (!now.some((x) => x[0] === b[0] && x[1] === b[1] && x[2] === b[2])) stats.reclassifyMissed(b[0] + b[1] + b[2]);
      }
    }
  }).catch((e: unknown) => e);
  if (failed instanceof JournalInputError) return fail(io, failed.message);
  for (const [i, h] of ignoreHits.entries()) stats.ignoreHits[i] = h;
  const seconds = (performance.now() - t0) / 1000;
  io.out(renderReport(filter, def.failregex, def.ignoreregex, stats, ro, seconds, slow.render()));
  return 0;
}
