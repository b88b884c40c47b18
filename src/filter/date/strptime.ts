// fail2ban's strptime: the regex (Python syntax) of every %-code it knows, the display names it
// gives templates, and the conversion of matched fields to an epoch (year/day inference included).
import { civilFromSeconds, daysFromCivil, daysInMonth, wallSeconds } from "./civil.ts";
import type { TimeZone } from "./tz.ts";
import { asciiDigits, pyNumber } from "./digits.ts";
import { zoneAbbrOffset } from "./zone-abbr.ts";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_FULL = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAYS_FULL = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** Alternation as CPython's TimeRE builds it: longest names first (stable for equal lengths). */
function alternation(words: string[]): string {
  return [...words].sort((a, b) => b.length - a.length).join("|");
}

/** fail2ban's precise-year pattern: the centuries from 2000 (its alternate "now" floor, 2001,
 *  minus one) up to three years past the current one, grouped like its _getYearCentRE. */
export function yearCenturyRegex(nowYear: number): string {
  const cent = (y: number): string => String(y).slice(0, 3);
  const set = new Set<string>([cent(nowYear - 1), cent(nowYear + 3)]);
  for (let i = -1; i < nowYear - 2001 + 1; i += 3) set.add(cent(2001 + i));
  const grp = (exprs: string[]): string => {
    if (exprs.length > 1) {
      let c: string | null = null;
      for (const e of exprs) {
        if (c === null || e.slice(0, -1) === c) c = e.slice(0, -1);
        else {
          c = null;
          break;
        }
      }
      if (!c) {
        for (const e of exprs) {
          if (c === null || e[0] === c) c = e[0]!;
          else {
            c = null;
            break;
          }
        }
      }
      if (c) return c + grp(exprs.map((e) => e.slice(c!.length)));
      return exprs[0]!.length > 1 ? `(?:${exprs.join("|")})` : `[${exprs.join("")}]`;
    }
    return exprs.join("");
  };
  return grp([...set].sort());
}

const TZ_ABBR = "[A-Z](?:[A-Z]{2,4})?";
const D = "\\d";

/** Python-syntax regex of every code, keyed like fail2ban's timeRE. */
export const TIME_RE: Readonly<Record<string, string>> = {
  "%": "%",
  A: `(?P<A>${alternation(DAYS_FULL)})`,
  B: `(?P<B>${alternation(MONTHS_FULL)})`,
  ExH: `(?P<H>[0-1]${D}|2[0-3])`,
  ExM: `(?P<M>[0-5]${D})`,
  ExS: `(?P<S>[0-5]${D}|6[0-1])`,
  ExY: `(?P<Y>${yearCenturyRegex(new Date().getFullYear())}${D})`,
  ExZ: `(?P<Z>${TZ_ABBR})`,
  Exd: `(?P<d>[1-2]${D}|0[1-9]|3[0-1])`,
  Exk: ` ?(?P<H>[0-1]?${D}|2[0-3])`,
  Exl: ` ?(?P<I>1[0-2]|${D})`,
  Exm: "(?P<m>0[1-9]|1[0-2])",
  Exy: `(?P<y>${D}{2})`,
  Exz: `(?P<z>(?:${TZ_ABBR})?[+-][01]${D}(?::?${D}{2})?|${TZ_ABBR})`,
  G: `(?P<G>${D}${D}${D}${D})`,
  H: `(?P<H>[0-1]?${D}|2[0-3])`,
  I: `(?P<I>1[0-2]|0[1-9]|[1-9])`,
  M: `(?P<M>[0-5]?${D})`,
  S: `(?P<S>[0-5]?${D}|6[0-1])`,
  U: `(?P<U>5[0-3]|[0-4]${D}|${D})`,
  V: `(?P<V>5[0-3]|0[1-9]|[1-4]${D}|${D})`,
  W: `(?P<W>5[0-3]|[0-4]${D}|${D})`,
  X: `(?P<H>2[0-3]|[0-1]${D}|${D}):(?P<M>[0-5]${D}|${D}):(?P<S>6[0-1]|[0-5]${D}|${D})`,
  Y: `(?P<Y>${D}{4})`,
  Z: "(?P<Z>Z|[A-Z]{3,5})",
  a: `(?P<a>${DAYS.join("|")})`,
  b: `(?P<b>${MONTHS.join("|")})`,
  c:
    `(?P<a>${DAYS.join("|")})\\s+(?P<b>${MONTHS.join("|")})\\s+(?P<d>3[0-1]|[1-2]${D}|0[1-9]|[1-9]| [1-9])` +
    `\\s+(?P<H>2[0-3]|[0-1]${D}|${D}):(?P<M>[0-5]${D}|${D}):(?P<S>6[0-1]|[0-5]${D}|${D})\\s+(?P<Y>${D}${D}${D}${D})`,
  d: `(?P<d>[1-2]${D}|[0 ]?[1-9]|3[0-1])`,
  f: "(?P<f>[0-9]{1,6})",
  j: `(?P<j>36[0-6]|3[0-5]${D}|[1-2]${D}${D}|0[1-9]${D}|00[1-9]|[1-9]${D}|0[1-9]|[1-9])`,
  k: ` ?(?P<H>[0-2]?${D})`,
  l: ` ?(?P<I>1?${D})`,
  m: "(?P<m>0?[1-9]|1[0-2])",
  p: "(?P<p>am|pm)",
  u: "(?P<u>[1-7])",
  w: "(?P<w>[0-6])",
  x: `(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>3[0-1]|[1-2]${D}|0[1-9]|[1-9]| [1-9])/(?P<y>${D}${D})`,
  y: `(?P<y>${D}${D})`,
  z: `(?P<z>Z|UTC|GMT|[+-][01]${D}(?::?${D}{2})?)`,
};

const BASE_NAMES: Record<string, string> = {
  a: "DAY",
  A: "DAYNAME",
  b: "MON",
  B: "MONTH",
  d: "Day",
  H: "24hour",
  I: "12hour",
  j: "Yearday",
  m: "Month",
  M: "Minute",
  p: "AMPM",
  S: "Second",
  U: "Yearweek",
  w: "Weekday",
  W: "Yearweek",
  y: "Year2",
  Y: "Year",
  "%": "%",
  z: "Zone offset",
  f: "Microseconds",
  Z: "Zone name",
};

/** Display name of each code in template names ("%ExY" -> "ExYear", "%k" -> "%k"). */
export const CODE_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.keys(TIME_RE).map((k) => {
    if (BASE_NAMES[k]) return [k, BASE_NAMES[k]];
    if (k.startsWith("Ex") && BASE_NAMES[k.slice(2)]) return [k, "Ex" + BASE_NAMES[k.slice(2)]];
    return [k, "%" + k];
  }),
);

/** Matches one %-code of a date pattern (multi-letter Ex codes before single letters). */
export const CODE_RE = /%(%|ExZ|Exz|Exd|Exm|ExH|Exk|Exl|ExM|ExS|ExY|Exy|[dfHIGjmMSUwuVyYzAaBbpZ%WcxXkl])/g;

/** Offset in minutes for a zone text as fail2ban's zone2offset reads it; undefined = rejected. */
export function zoneOffsetMinutes(z: string): number | undefined {
  if (z === "Z" || z === "UTC" || z === "GMT") return 0;
  const m = /^([A-Z](?:[A-Z]{2,4})?)?([+-][01]\p{Nd}(?::?\p{Nd}{2})?)?(?:\n)?$/u.exec(z);
  if (!m) return undefined;
  const base = m[1] === undefined ? 0 : zoneAbbrOffset(m[1]);
  if (base === undefined) return undefined;
  const o = m[2] && asciiDigits(m[2]);
  if (!o) return base;
  const sign = o[0] === "-" ? -1 : 1;
  if (o.length <= 3) return base + sign * Number(o.slice(1)) * 60;
  const mm = o[3] === ":" ? o.slice(4, 6) : o.slice(3, 5);
  return base + sign * (Number(o.slice(1, 3)) * 60 + Number(mm));
}

/** Matched named groups, in pattern order (later groups override earlier ones, as in fail2ban). */
export type Fields = Record<string, string | undefined>;

/**
 * fail2ban's reGroupDictStrptime: epoch seconds for the matched fields, or NaN when fail2ban
 * would reject them (invalid calendar date, unknown zone...). Fractions of seconds are dropped.
 */
export function fieldsToEpoch(f: Fields, now: number, tz: TimeZone, defaultTzMinutes?: number): number {
  const nw = nowWall(now, tz);
  let year: number | undefined, month: number | undefined, day: number | undefined;
  let tzoffset: number | undefined, weekday: number | undefined, julian: number | undefined;
  let week: number | undefined,
    weekStartsMonday = false;
  let hour = 0,
    minute = 0,
    second = 0;
  for (const key in f) {
    const val = f[key];
    if (val === undefined) continue;
    switch (key) {
      case "y":
        year = pyNumber(val);
        if (year <= 2000) year += 2000;
        break;
      case "Y":
        year = pyNumber(val);
        break;
      case "m":
        month = pyNumber(val);
        break;
      case "B":
        month = MONTHS_FULL.indexOf(val.toLowerCase()) + 1;
        if (month === 0) return NaN;
        break;
      case "b":
        month = MONTHS.indexOf(val.toLowerCase()) + 1;
        if (month === 0) return NaN;
        break;
      case "d":
        day = pyNumber(val);
        break;
      case "H":
        hour = pyNumber(val);
        break;
      case "I": {
        hour = pyNumber(val);
        const ampm = (f.p ?? "").toLowerCase();
        if (ampm === "" || ampm === "am") {
          if (hour === 12) hour = 0;
        } else if (ampm === "pm") {
          if (hour !== 12) hour += 12;
        }
        break;
      }
      case "M":
        minute = pyNumber(val);
        break;
      case "S":
        second = pyNumber(val);
        break;
      case "A":
        weekday = DAYS_FULL.indexOf(val.toLowerCase());
        if (weekday < 0) return NaN;
        break;
      case "a":
        weekday = DAYS.indexOf(val.toLowerCase());
        if (weekday < 0) return NaN;
        break;
      case "w":
        weekday = pyNumber(val) - 1;
        if (weekday < 0) weekday = 6;
        break;
      case "j":
        julian = pyNumber(val);
        break;
      case "U":
      case "W":
        week = pyNumber(val);
        weekStartsMonday = key === "W";
        break;
      case "z":
      case "Z":
        tzoffset = zoneOffsetMinutes(val);
        if (tzoffset === undefined) return NaN;
        break;
    }
  }
  let assumeYear = false;
  if (year === undefined) {
    year = nw.year;
    assumeYear = true;
  }
  if (month === undefined || day === undefined) {
    if (julian === undefined && week !== undefined && weekday !== undefined) {
      julian = julianFromWeek(year, week, weekday, weekStartsMonday);
    }
    if (julian !== undefined) {
      const c = civilFromSeconds((daysFromCivil(year, 1, 1) + julian - 1) * 86400);
      if (c.year < 1) return NaN;
      year = c.year;
      month = c.month;
      day = c.day;
    }
  }
  let assumeToday = false;
  if (month === undefined && day === undefined) {
    month = nw.month;
    day = nw.day;
    assumeToday = true;
  }
  // fail2ban builds a datetime here: any field out of range makes the date invalid
  if (
    month === undefined ||
    day === undefined ||
    year < 1 ||
    year > 9999 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return NaN;
  const parsed = wallSeconds(year, month, day, hour, minute, second);
  let wall = parsed;
  if (tzoffset === undefined && defaultTzMinutes !== undefined) tzoffset = defaultTzMinutes;
  if (tzoffset !== undefined) wall -= tzoffset * 60;
  if (assumeToday && wall > nw.wall) wall -= 86400;
  if (assumeYear && wall > nw.wall + 86400) {
    // datetime.replace(year - 1, month, day): keeps the (zone-shifted) time of day
    if (day > daysInMonth(year - 1, month)) return NaN;
    wall = wallSeconds(year - 1, month, day, 0, 0, 0) + (((wall % 86400) + 86400) % 86400);
  }
  if (tzoffset !== undefined) return wall;
  if (wall === parsed) return tz.toEpoch(year, month, day, hour, minute, second);
  const c = civilFromSeconds(wall);
  return tz.toEpoch(c.year, c.month, c.day, c.hour, c.minute, c.second);
}

interface NowWall {
  t: number;
  tz: TimeZone | undefined;
  year: number;
  month: number;
  day: number;
  wall: number;
}
const lastNow: NowWall = { t: NaN, tz: undefined, year: 0, month: 0, day: 0, wall: 0 };

/** "now" as fail2ban's naive local datetime (MyTime.now()), memoized: it rarely changes per line. */
function nowWall(now: number, tz: TimeZone): NowWall {
  if (lastNow.t === now && lastNow.tz === tz) return lastNow;
  const f = tz.localFields(now);
  lastNow.t = now;
  lastNow.tz = tz;
  lastNow.year = f.year;
  lastNow.month = f.month;
  lastNow.day = f.day;
  lastNow.wall = wallSeconds(f.year, f.month, f.day, f.hour, f.minute, f.second) + (now - Math.floor(now));
  return lastNow;
}

/** CPython's _calc_julian_from_U_or_W (weekday: Monday = 0). */
function julianFromWeek(year: number, week: number, weekday: number, mondayFirst: boolean): number {
  let first = (((daysFromCivil(year, 1, 1) + 3) % 7) + 7) % 7; // Monday = 0
  if (!mondayFirst) {
    first = (first + 1) % 7;
    weekday = (weekday + 1) % 7;
  }
  if (week === 0) return 1 + weekday - first;
  return 1 + ((7 - first) % 7) + 7 * (week - 1) + weekday;
}
