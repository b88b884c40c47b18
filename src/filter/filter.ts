// The filter: one log line in, failures out — fail2ban 1.0.2's Filter.processLine/findFailure.
// Steps: find and cut the date, keep the multi-line buffer, prefregex (optionally narrowing the
// text to its <F-CONTENT>), failregexes, ignoreregexes, F-MLFID session merging, failure ids.
import type { FilterDefinition } from "../config/filter-reader.ts";
import { DateDetector } from "./date/detector.ts";
import type { TimeZone } from "./date/tz.ts";
import type { Log } from "../system/log.ts";
import type { Resolver } from "../system/resolver.ts";
import { FailRegex, Regex, RegexError } from "./failregex.ts";
import { resolveIds, type IdContext, type UseDns } from "./filter-ids.ts";
import { fullLine, LineWindow, tupleLinesBuf, type LineSplit, type TupleLine } from "./filter-lines.ts";
import { MlfidCache, joinLists, type FailData } from "./filter-mlfid.ts";
import { LineClock } from "./filter-time.ts";
import { secondsToStr } from "../jail/time.ts";
import { describeRegex, groupsOf, searchIn, searchLinearIn, StartMasks, type CompiledRegex } from "./filter-regex.ts";
import { PROBE_DATE, PROBE_FAILREGEX, PROBE_PREFREGEX, PROBE_SLOT } from "./filter-probe.ts";

export type { FailData } from "./filter-mlfid.ts";
export type { TupleLine } from "./filter-lines.ts";

export interface FilterFailure {
  regexIndex: number;
  /** Failure id (canonical address, or the F-ID text); null for a pending multi-line failure. */
  fid: string | null;
  /** Epoch seconds; NaN only when no date was found and checkFindTime is off (tools). */
  time: number;
  data: FailData;
}

/**
 * What a filter carries from one line to the next (multi-line buffer, last date, F-MLFID
 * sessions): structured-clone-able, so a filter rebuilt in a new worker continues where the old
 * one stopped (src/filter-worker).
 */
export interface FilterState {
  buffer: TupleLine[];
  lastDate: number | null;
  lastTimeText: string;
  mlfids: [string, FailData, number][];
}

export interface FilterDeps {
  now: () => number;
  tz?: TimeZone;
  /** The system resolver (usedns = yes|warn); blocks on a cache miss, as fail2ban does. */
  dns: Resolver;
  /** Where the warnings fail2ban logs go (once a day for timing issues); the server passes
   *  its "filter" logger with the jail's "[name] " prefix. */
  log: Log;
}

export interface FilterOptions {
  /** Report every matching failregex, not just the first (fail2ban-regex, sample tests). */
  checkAllRegex?: boolean;
  /** Keep host names/ids as written instead of resolving them (sample tests, `-r`). */
  returnRawHost?: boolean;
  /** Operation mode time checks: drop dateless matches, treat odd dates as now. Default true. */
  checkFindTime?: boolean;
  /** Drop pending (id-less) multi-line matches instead of returning them. Default true. */
  ignorePending?: boolean;
  inOperation?: boolean;
  findTime?: number;
  useDns?: string;
  maxLines?: number;
  datePattern?: string;
  /** fail2ban's logtimezone: zone for dates that carry none ("UTC", "UTC+0200", ...). */
  logTimeZone?: string;
  /** Called with the index of each ignoreregex that matched (fail2ban-regex statistics). */
  onIgnoreRegex?: (index: number) => void;
}

const DAY = 24 * 60 * 60;

export class Filter {
  readonly prefRegex: CompiledRegex | null;
  readonly failRegexes: readonly CompiledRegex[];
  readonly ignoreRegexes: readonly CompiledRegex[];
  readonly maxLines: number;
  readonly useDns: UseDns;
  readonly dateDetector: DateDetector;
  checkAllRegex: boolean;
  checkFindTime: boolean;
  ignorePending: boolean;
  inOperation: boolean;
  findTime: number;
  /** Whether the prefregex matched the last processed line (fail2ban-regex statistics). */
  prefMatched = false;
  /**
   * Shared memory a watchdog on another thread reads: [PROBE_SLOT] = the step running now
   * (PROBE_*), so a line abandoned mid-match can name its regex. One store per step, no clock.
   */
  probe: Int32Array<ArrayBufferLike> = new Int32Array(PROBE_SLOT + 1);

  private readonly now: () => number;
  private readonly warn: (msg: string) => void;
  private readonly onIgnoreRegex?: (index: number) => void;
  private readonly ids: IdContext;
  private readonly mlfids: MlfidCache;
  private readonly window: LineWindow;
  private readonly clock: LineClock;
  private lastLine: TupleLine = ["", "", ""];
  private lastLineTime: number | null = null;
  private readonly warnedUntil = new Map<string, number>();
  private readonly prefOtherGroups: readonly string[];
  private readonly startMasks: StartMasks;

  constructor(def: FilterDefinition, deps: FilterDeps, opts: FilterOptions = {}) {
    this.now = deps.now;
    this.warn = (msg) => deps.log.warning(msg);
    this.onIgnoreRegex = opts.onIgnoreRegex;
    this.checkAllRegex = opts.checkAllRegex ?? false;
    this.checkFindTime = opts.checkFindTime ?? true;
    this.ignorePending = opts.ignorePending ?? true;
    this.inOperation = opts.inOperation ?? true;
    this.findTime = opts.findTime ?? 600;
    this.useDns = parseUseDns(opts.useDns ?? def.usedns ?? "warn", this.warn);
    const maxLines = opts.maxLines ?? def.maxlines ?? 1;
    if (!Number.isInteger(maxLines) || maxLines <= 0) {
      throw new RegexError(`${def.file}: maxlines must be an integer greater than zero: ${maxLines}`);
    }
    this.maxLines = maxLines;
    this.window = new LineWindow(maxLines);
    const multiline = maxLines > 1;
    const regexOpts = { multiline, useDns: this.useDns };
    // fail2ban compiles the prefregex without MULTILINE whatever maxlines is (Regex(value, useDns=...))
    this.prefRegex = def.prefregex ? compile(def, "prefregex", def.prefregex, false, () => new Regex(def.prefregex!, { useDns: this.useDns })) : null;
    const prefRegex = this.prefRegex?.regex ?? null;
    this.prefOtherGroups = prefRegex ? prefRegex.groupNames.filter((n) => n !== "content") : [];
    this.failRegexes = def.failregex.map((p) => compile(def, "failregex", p, multiline, () => new FailRegex(p, { ...regexOpts, prefRegex })));
    this.startMasks = new StartMasks(this.failRegexes);
    this.ignoreRegexes = def.ignoreregex.map((p) => compile(def, "ignoreregex", p, false, () => new Regex(p, { useDns: this.useDns })));
    this.dateDetector = new DateDetector({
      datepattern: opts.datePattern ?? def.datepattern,
      now: deps.now,
      ...(deps.tz ? { tz: deps.tz } : {}),
      ...(opts.logTimeZone !== undefined ? { logtimezone: opts.logTimeZone } : {}),
    });
    this.clock = new LineClock(this.dateDetector, deps.now);
    this.ids = { useDns: this.useDns, returnRawHost: opts.returnRawHost ?? false, dns: deps.dns, log: deps.log };
    this.mlfids = new MlfidCache(deps.now);
  }

  /**
   * Match on the linear-time engine (pike.ts) instead of the backtracking one: for lines the
   * backtracking engine was abandoned on. Only when linearSupported().
   */
  linear = false;

  /** Every regex of the filter has a linear-time form. */
  linearSupported(): boolean {
    return [this.prefRegex, ...this.failRegexes, ...this.ignoreRegexes].every((c) => c === null || c.regex.linear() !== null);
  }

  private search(c: CompiledRegex, buf: string): ReturnType<typeof searchIn> {
    return this.linear || c.linear ? searchLinearIn(c, buf) : searchIn(c, buf);
  }

  snapshot(): FilterState {
    return { buffer: this.window.kept, lastDate: this.clock.lastDate, lastTimeText: this.clock.lastTimeText, mlfids: this.mlfids.dump() };
  }

  restore(s: FilterState): void {
    this.window.kept = s.buffer;
    this.clock.lastDate = s.lastDate;
    this.clock.lastTimeText = s.lastTimeText;
    this.mlfids.load(s.mlfids);
  }

  /** Lines still buffered for multi-line matching (oldest first). */
  get lineBuffer(): readonly TupleLine[] {
    return this.window.kept;
  }

  /** Time of the last processed line (its own date, or the one fail2ban assumed); null if none. */
  get lastTime(): number | null {
    return this.lastLineTime;
  }

  /** The last processed line without its date text. */
  processedLine(): string {
    return this.lastLine[0] + this.lastLine[2];
  }

  /**
   * Processes one log line. With `time` (journal: the time is known), no date is searched and the
   * whole line is the message; `timeText` is the date text kept for the reported matches.
   */
  processLine(line: string, opts?: { time?: number; timeText?: string }): FilterFailure[] {
    this.prefMatched = false;
    this.lastLineTime = null;
    this.probe[PROBE_SLOT] = PROBE_DATE;
    const timed =
      opts?.time !== undefined ? this.clock.known(line, opts.time, opts.timeText ?? "") : this.clock.detect(line, this.checkFindTime && this.inOperation);
    const { tuple, noDate } = timed;
    let date = timed.date;
    if (this.checkFindTime && date !== null) {
      const now = this.now();
      if (this.inOperation) {
        const delta = Math.trunc(date - now);
        if (Math.abs(delta) > 60) {
          this.warnOnce("simByTime", now, () => [
            `Detected a log entry ${secondsToStr(Math.abs(delta))} ${delta < 0 ? "before" : "after"} the current time in operation mode. ` +
              `This looks like a ${-3300 <= delta && delta < 0 ? "latency" : "timezone"} problem. Treating such entries as if they just happened.`,
            `Please check a jail for a timing issue. Line with odd timestamp: ${line}`,
          ]);
          date = now;
          this.clock.lastDate = date;
        }
      } else if (date < now - this.findTime) {
        // reading history (lines written before we started): too old to count
        this.warnOnce("ignByTime", now, () => [
          `Ignoring all log entries older than ${this.findTime}s; these are probably messages generated while fail2ban was not running.`,
          `Please check a jail for a timing issue. Line with odd timestamp: ${line}`,
        ]);
        return [];
      }
    }
    this.lastLine = tuple;
    this.lastLineTime = date;
    return this.findFailure(tuple, date, noDate);
  }

  private findFailure(tuple: TupleLine, date: number | null, noDate: boolean): FilterFailure[] {
    const failures: FilterFailure[] = [];
    const window = this.window;
    window.push(tuple);
    // cheap early rejection, as fail2ban does when ignoreregexes are few
    if (this.ignoreRegexes.length && this.ignoreRegexes.length < this.failRegexes.length - 2) {
      if (this.ignoreLine(window.text(), null) !== null) return failures;
    }
    let preGroups: FailData | null = null;
    if (this.prefRegex) {
      const pre = this.matchPrefRegex(this.prefRegex);
      if (!pre) return failures;
      preGroups = pre.groups;
    }

    let mask: Uint8Array | null = null;
    let maskText: string | null = null;
    for (let i = 0; i < this.failRegexes.length; i++) {
      const fr = this.failRegexes[i]!;
      const text = window.text();
      if (text !== maskText) {
        maskText = text;
        mask = this.startMasks.get(text.charCodeAt(0));
      }
      if (mask![i] === 0) continue;
      this.probe[PROBE_SLOT] = PROBE_FAILREGEX + i;
      const m = this.search(fr, text);
      if (!m) continue;
      let fail = groupsOf(fr, m);
      const split = window.split(m.start, m.end, m.groups);
      if (this.ignoreRegexes.length && this.ignoreLine(text, split) !== null) {
        window.consumed();
        if (!this.checkAllRegex) break;
        continue;
      }
      if (noDate) {
        this.warnOnce("noTime", this.now(), () => [
          `Found a match but no valid date/time found for ${pyStrRepr(tuple[1])}.`,
          `Match without a timestamp: ${split.matched.map(fullLine).join("\n")}`,
          "Please try setting a custom date pattern (see man page jail.conf(5)).",
        ]);
        if (date === null && this.checkFindTime) continue;
      }
      if (!this.checkAllRegex || this.maxLines > 1) window.keep(split.unmatched);
      if (preGroups) fail = mergePrefGroups(preGroups, fail);
      const matched = split.matched.map(fullLine);
      const mlfid = fail["mlfid"];
      const hasMlfid = mlfid !== null && mlfid !== undefined;
      if (hasMlfid) {
        fail = this.mlfids.merge(String(mlfid), fail, matched);
        if (fail["nofail"] && !this.checkAllRegex) return failures;
      } else {
        fail["matches"] = joinLists(fail["matches"], matched, undefined);
      }
      const ids = resolveIds(fail, hasMlfid, this.ids);
      if (ids === null) {
        this.warn(`No group found in ${JSON.stringify(window.textForMessage())} using failregex ${i}`);
        continue;
      }
      let fids: (string | null)[];
      if (ids.pending) {
        fail["mlfpending"] = 1;
        if (!this.checkAllRegex && this.ignorePending) return failures;
        fids = [null];
      } else fids = ids.ids;
      // The merged session state lives on in the cache and later lines change it (a closing line
      // sets nofail, a new session drops matches): report a snapshot, since a failure may be
      // consumed after later lines ran (the filter worker returns a whole range at once, the
      // jail queues failures).
      if (hasMlfid) fail = { ...fail };
      for (const fid of fids) failures.push({ regexIndex: i, fid, time: date ?? Number.NaN, data: fail });
      if (!this.checkAllRegex) break;
    }
    return failures;
  }

  /**
   * The prefregex step: null when it does not match; else its groups other than <F-CONTENT> (null
   * when there are none), and the search narrowed to the <F-CONTENT> text when it has one.
   */
  private matchPrefRegex(pref: CompiledRegex): { groups: FailData | null } | null {
    this.probe[PROBE_SLOT] = PROBE_PREFREGEX;
    const m = this.search(pref, this.window.text());
    if (!m) return null;
    this.prefMatched = true;
    let groups: FailData | null = null;
    let content: unknown;
    if (pref.folds) {
      groups = groupsOf(pref, m);
      content = groups["content"];
      delete groups["content"];
      if (Object.keys(groups).length === 0) groups = null;
    } else {
      // the same dict without "content", built directly from the named groups
      content = m.groups["content"];
      const names = this.prefOtherGroups;
      if (names.length) {
        groups = {};
        for (const n of names) groups[n] = m.groups[n];
      }
    }
    if (content) this.window.narrowTo(content as string);
    return { groups };
  }

  /** Index of the (first) ignoreregex matching; with a failregex split, only its matched lines count. */
  private ignoreLine(text: string, split: LineSplit | null): number | null {
    if (split && this.maxLines > 1) text = tupleLinesBuf(split.matched);
    let found: number | null = null;
    for (let j = 0; j < this.ignoreRegexes.length; j++) {
      this.probe[PROBE_SLOT] = PROBE_FAILREGEX + this.failRegexes.length + j;
      if (!this.search(this.ignoreRegexes[j]!, text)) continue;
      found = j;
      this.onIgnoreRegex?.(j);
      if ((!this.checkAllRegex || this.maxLines > 1) && split) this.window.keep(split.unmatched);
      if (!this.checkAllRegex) break;
    }
    return found;
  }

  /**
   * fail2ban's _logWarnOnce: the warnings once a day, otherwise nothing (fail2ban logs them at its
   * level 7, below DEBUG). The messages are built only when logged. `now` is the caller's clock
   * reading (processLine already has one: no second clock call per line).
   */
  private warnOnce(key: string, now: number, msgs: () => string[]): void {
    if (now < (this.warnedUntil.get(key) ?? 0)) return;
    this.warnedUntil.set(key, now + DAY);
    for (const m of msgs()) this.warn(m);
  }
}

/**
 * fail2ban 1.1.1's merge (gh-4196): the prefregex's groups, then the failregex's groups that matched.
 * 1.0.2 let a failregex group that did not participate (None) hide the prefregex's value, so an
 * address captured by the prefix was lost when the failregex has an optional <ADDR> of its own.
 */
function mergePrefGroups(preGroups: FailData, fail: FailData): FailData {
  const merged: FailData = { ...preGroups };
  for (const k in fail) {
    const v = fail[k];
    if (v !== null && v !== undefined) merged[k] = v;
  }
  return merged;
}

/** Python's repr() of a str, as fail2ban's %r puts it into messages. */
function pyStrRepr(v: string): string {
  const q = v.includes("'") && !v.includes('"') ? '"' : "'";
  const body = v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

function parseUseDns(value: string, warn: (msg: string) => void): UseDns {
  const v = value.toLowerCase();
  if (v === "yes" || v === "warn" || v === "no" || v === "raw") return v;
  if (v === "true") return "yes";
  if (v === "false") return "no";
  warn(`Incorrect value ${JSON.stringify(value)} specified for usedns. Using safe 'no'`);
  return "no";
}

function compile(def: FilterDefinition, kind: string, pattern: string, multiline: boolean, make: () => Regex): CompiledRegex {
  try {
    return describeRegex(make(), multiline);
  } catch (e) {
    throw new RegexError(`${def.file}: ${kind}: ${shortReason(e)}: ${pattern}`);
  }
}

/** The regex layer's reason without the (long) resolved pattern it repeats. */
function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const detail = msg.startsWith("Unable to compile") && msg.includes("\n") ? msg.slice(msg.indexOf("\n") + 1) : msg;
  return detail.replace(/ \(near .*$/s, "").replace(/ in ".*$/s, "");
}
