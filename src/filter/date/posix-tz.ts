// POSIX TZ rule strings ("CET-01CEST-02,M3.5.0,M10.5.0", "<+03>-3", "EST5EDT"), parsed and
// evaluated the way glibc's tzset.c does, since JavaScript engines only know Olson names.
import { daysFromCivil, daysInMonth, isLeap, civilFromSeconds } from "./civil.ts";

/** A DST change rule: Jn (1..365, no leap day), n (0..365), or Mm.w.d; `secs` is the local time of day. */
export type ChangeRule =
  | { kind: "J1"; day: number; secs: number }
  | { kind: "J0"; day: number; secs: number }
  | { kind: "M"; month: number; week: number; wday: number; secs: number };

export interface PosixTz {
  stdName: string;
  stdOffset: number; // seconds east of UTC
  dst?: { name: string; offset: number; start: ChangeRule; end: ChangeRule };
}

export interface ZoneState {
  offset: number;
  isdst: boolean;
  abbr: string;
}

/** glibc's fallback rule set when a DST name is given without rules (posixrules absent). */
const DEFAULT_START: ChangeRule = { kind: "M", month: 3, week: 2, wday: 0, secs: 7200 };
const DEFAULT_END: ChangeRule = { kind: "M", month: 11, week: 1, wday: 0, secs: 7200 };

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s[this.pos] ?? "";
  }
  done(): boolean {
    return this.pos >= this.s.length;
  }
}

function parseName(c: Cursor): string | undefined {
  if (c.peek() === "<") {
    const close = c.s.indexOf(">", c.pos);
    if (close < 0) return undefined;
    const name = c.s.slice(c.pos + 1, close);
    if (name.length < 3 || !/^[A-Za-z0-9+-]+$/.test(name)) return undefined;
    c.pos = close + 1;
    return name;
  }
  const m = /^[A-Za-z]+/.exec(c.s.slice(c.pos));
  if (!m || m[0].length < 3) return undefined;
  c.pos += m[0].length;
  return m[0];
}

/** [+-]hh[:mm[:ss]] as seconds; `undefined` when no digits are present. */
function parseHms(c: Cursor, maxHour: number): number | undefined {
  let sign = 1;
  if (c.peek() === "+" || c.peek() === "-") {
    sign = c.peek() === "-" ? -1 : 1;
    c.pos++;
  }
  const m = /^(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/.exec(c.s.slice(c.pos));
  if (!m) return undefined;
  c.pos += m[0].length;
  const h = Math.min(Number(m[1]), maxHour);
  const mi = Math.min(Number(m[2] ?? 0), 59);
  const s = Math.min(Number(m[3] ?? 0), 59);
  return sign * (h * 3600 + mi * 60 + s);
}

function parseRule(c: Cursor, fallback: ChangeRule): ChangeRule | undefined {
  if (c.peek() === ",") c.pos++;
  let rule: ChangeRule;
  const rest = c.s.slice(c.pos);
  let m: RegExpExecArray | null;
  if ((m = /^J(\d{1,3})/.exec(rest))) {
    const day = Number(m[1]);
    if (day < 1 || day > 365) return undefined;
    rule = { kind: "J1", day, secs: 7200 };
  } else if ((m = /^(\d{1,3})/.exec(rest))) {
    const day = Number(m[1]);
    if (day > 365) return undefined;
    rule = { kind: "J0", day, secs: 7200 };
  } else if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) {
    const month = Number(m[1]),
      week = Number(m[2]),
      wday = Number(m[3]);
    if (month < 1 || month > 12 || week < 1 || week > 5 || wday > 6) return undefined;
    rule = { kind: "M", month, week, wday, secs: 7200 };
  } else if (rest === "") {
    return fallback;
  } else {
    return undefined;
  }
  c.pos += m[0].length;
  if (c.peek() === "/") {
    c.pos++;
    const secs = parseHms(c, 167); // glibc accepts the RFC 8536 extension (-167..167 hours)
    if (secs === undefined) return undefined;
    rule.secs = secs;
  }
  return rule;
}

/** Parses a POSIX TZ string; `undefined` when glibc would reject it. */
export function parsePosixTz(spec: string): PosixTz | undefined {
  const tz = parsePosixTzLenient(spec);
  return tz.valid ? tz.tz : undefined;
}

/** What glibc's tzset makes of any TZ value that is not a zone file: a rejected value leaves UTC
 *  under whatever standard-time name was read before the error. */
export function parsePosixTzLenient(spec: string): { tz: PosixTz; valid: boolean } {
  const c = new Cursor(spec);
  const stdName = parseName(c);
  if (stdName === undefined) return { tz: { stdName: "", stdOffset: 0 }, valid: false };
  const p = c.peek();
  const stdWest = p === "+" || p === "-" || (p >= "0" && p <= "9") ? parseHms(c, 24) : undefined;
  if (stdWest === undefined) return { tz: { stdName, stdOffset: 0 }, valid: false };
  return { tz: parseDst(c, stdName, stdWest), valid: true };
}

function parseDst(c: Cursor, stdName: string, stdWest: number): PosixTz {
  const tz: PosixTz = { stdName, stdOffset: stdWest === 0 ? 0 : -stdWest };
  if (c.done()) return tz;
  const dstName = parseName(c);
  if (dstName === undefined) return tz;
  const q = c.peek();
  const dstWest = q === "+" || q === "-" || (q >= "0" && q <= "9") ? parseHms(c, 24) : undefined;
  const dstOffset = dstWest === undefined ? tz.stdOffset + 3600 : -dstWest;
  const start = parseRule(c, DEFAULT_START);
  const end = start && parseRule(c, DEFAULT_END);
  if (!start || !end) return tz; // glibc keeps the parsed names/offsets but no usable DST rule
  tz.dst = { name: dstName, offset: dstOffset, start, end };
  return tz;
}

/** UTC second at which `rule` fires in `year`, for a zone whose offset before the change is `offset`.
 *  Like glibc's compute_change, years up to 1970 count their days from 1970-01-01. */
function changeTime(rule: ChangeRule, year: number, offset: number): number {
  let day = year > 1970 ? daysFromCivil(year, 1, 1) : 0;
  if (rule.kind === "J1") day += rule.day - 1 + (isLeap(year) && rule.day >= 60 ? 1 : 0);
  else if (rule.kind === "J0") day += rule.day;
  else {
    const first = daysFromCivil(year, rule.month, 1);
    const firstWday = (((first + 4) % 7) + 7) % 7;
    let d = ((rule.wday - firstWday + 7) % 7) + (rule.week - 1) * 7;
    const dim = daysInMonth(year, rule.month);
    while (d >= dim) d -= 7;
    day += first - daysFromCivil(year, 1, 1) + d;
  }
  return day * 86400 + rule.secs - offset;
}

/** Zone state at UTC second `t`, as glibc's __tz_compute decides it (year taken from UTC), plus the
 *  half-open interval of UTC seconds over which that answer stays the same. */
export function posixStateAt(tz: PosixTz, t: number): { state: ZoneState; from: number; until: number } {
  const dst = tz.dst;
  const std: ZoneState = { offset: tz.stdOffset, isdst: false, abbr: tz.stdName };
  if (!dst) return { state: std, from: -Infinity, until: Infinity };
  const year = civilFromSeconds(t).year;
  const yearStart = daysFromCivil(year, 1, 1) * 86400;
  const yearEnd = daysFromCivil(year + 1, 1, 1) * 86400;
  const start = changeTime(dst.start, year, tz.stdOffset);
  const end = changeTime(dst.end, year, dst.offset);
  const isdst = start > end ? t < end || t >= start : t >= start && t < end;
  let from = yearStart,
    until = yearEnd;
  for (const b of [start, end]) {
    if (b <= t && b > from) from = b;
    if (b > t && b < until) until = b;
  }
  const state = isdst ? { offset: dst.offset, isdst: true, abbr: dst.name } : std;
  return { state, from, until };
}
