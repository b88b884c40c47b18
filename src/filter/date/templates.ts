// The three kinds of date template fail2ban has (strptime-style pattern, epoch, TAI64N), the
// shared template cache, and fail2ban's default template list.
import { asciiDigits } from "./digits.ts";
import { CODE_NAMES, CODE_RE, fieldsToEpoch, TIME_RE, type Fields } from "./strptime.ts";
import {
  DatePatternError,
  DateTemplate,
  RE_EXLINE_BOUND_BEG,
  RE_EXLINE_NO_BOUNDS,
  RE_GROUPED,
  WORD_EDGE,
  type DateContext,
  type WordBegin,
} from "./template.ts";

const RE_ALPHA_PATTERN = /(?<!%)%[aAbBpc]/;
export const RE_EPOCH_PATTERN = /(?<!\\)\{L?EPOCH\}/i;

/** A date pattern with strptime-style %-codes inside a regex, e.g. "^%b %d %H:%M:%S". */
export class DatePatternRegex extends DateTemplate {
  readonly pattern: string;
  private readonly hasYear: boolean;

  constructor(pattern: string, wordBegin: WordBegin = true, wordEnd = true) {
    super();
    this.pattern = pattern;
    if (RE_EXLINE_NO_BOUNDS.test(pattern)) {
      pattern = pattern.replace(RE_EXLINE_NO_BOUNDS, "");
      wordBegin = wordEnd = false;
    }
    if (wordBegin !== false && RE_EXLINE_BOUND_BEG.test(pattern)) {
      pattern = pattern.replace(RE_EXLINE_BOUND_BEG, "");
      wordBegin = "start";
    }
    let name = "",
      regex = "",
      last = 0;
    const literal = (s: string): void => {
      if (s.includes("%")) {
        throw new DatePatternError(`Failed to set datepattern '${this.pattern}' (may be an invalid format or unescaped percent char)`);
      }
      name += s;
      regex += s;
    };
    for (const m of pattern.matchAll(CODE_RE)) {
      literal(pattern.slice(last, m.index));
      name += CODE_NAMES[m[1]!];
      regex += TIME_RE[m[1]!];
      last = m.index + m[0].length;
    }
    literal(pattern.slice(last));
    this.name = name;
    if (RE_ALPHA_PATTERN.test(pattern)) regex = "(?iu)" + regex;
    this.hasYear = /\(\?P<[yY]>/.test(regex);
    this.setRegex(regex, wordBegin, wordEnd);
    void this.re; // compile now: a broken pattern is a configuration error, not a per-line one
  }

  /** Whether matches carry a year (otherwise fail2ban infers it from "now"). */
  get carriesYear(): boolean {
    return this.hasYear;
  }

  getDate(m: RegExpExecArray, ctx: DateContext): number {
    return fieldsToEpoch(this.fields(m) as Fields, ctx.now, ctx.tz, ctx.defaultTzMinutes);
  }
}

const EPOCH_PY = "\\d{10,11}\\b(?:\\.\\d{3,6})?";
const LONG_EPOCH_PY = "\\d{10,11}(?:\\d{3}(?:\\.\\d{1,6}|\\d{3})?)?";
const WB = "(?:(?<=[\\p{L}\\p{N}_])(?![\\p{L}\\p{N}_])|(?<![\\p{L}\\p{N}_])(?=[\\p{L}\\p{N}_]))";
const EPOCH_JS = "\\p{Nd}{10,11}" + WB + "(?:\\.\\p{Nd}{3,6})?";
const LONG_EPOCH_JS = "\\p{Nd}{10,11}(?:\\p{Nd}{3}(?:\\.\\p{Nd}{1,6}|\\p{Nd}{3})?)?";

/** Unix time stamps: at line start (optionally in "[...]"), in SELinux "audit(...)", or by pattern. */
export class DateEpoch extends DateTemplate {
  private readonly longFrm: boolean;
  private readonly group: number;

  constructor(opts: { lineBeginOnly?: boolean; pattern?: string; longFrm?: boolean }) {
    super();
    this.longFrm = opts.longFrm ?? false;
    this.group = 1;
    const epochPy = this.longFrm ? LONG_EPOCH_PY : EPOCH_PY;
    const epochJs = this.longFrm ? LONG_EPOCH_JS : EPOCH_JS;
    this.name = opts.pattern ?? (this.longFrm ? "LongEpoch" : "Epoch");
    if (opts.pattern) {
      this.group = 2;
      // fail2ban 1.1: a pattern with its own group cuts out that group, else the whole match
      const regex = opts.pattern.replace(new RegExp(RE_EPOCH_PATTERN.source, "gi"), `(${epochPy})`);
      this.setRegex(RE_GROUPED.test(opts.pattern) ? regex : `(${regex})`);
    } else if (!opts.lineBeginOnly) {
      // fail2ban's version ends in "(?:(?(selinux)...)|(?(square)...))": both branches of that
      // alternation succeed whenever their group did not match, so it never constrains the match.
      this.setRegex(`((?:^|(?P<square>(?<=^\\[))|(?P<selinux>(?<=\\baudit\\()))${epochPy})` + `(?:(?(selinux)(?=:\\d+\\)))|(?(square)(?=\\])))`, false);
      this.jsSource = `((?:^|(?<=^\\[)|(?<=${WB}audit\\())${epochJs})${WORD_EDGE}`;
    } else {
      // likewise "(?(square)...)" after an optional group: backtracking drops the group instead
      this.setRegex(`((?P<square>(?<=^\\[))?${epochPy})(?(square)(?=\\]))`, "start", true);
      this.jsSource = `^(?:[^\\p{L}\\p{N}_]{0,2})?(${epochJs})${WORD_EDGE}`;
    }
    void this.re;
  }

  getDate(m: RegExpExecArray): number {
    const raw = m[this.group];
    if (raw === undefined) return NaN;
    const v = asciiDigits(raw);
    if (this.longFrm && v.length >= 13) {
      return v.length >= 16 && !v.includes(".") ? Number(v) / 1000000 : Number(v) / 1000;
    }
    return Number(v);
  }
}

/** TAI64N labels ("@4000000037c219bf2ef02e94", daemontools' multilog). */
export class DateTai64n extends DateTemplate {
  constructor(wordBegin: WordBegin = false) {
    super();
    this.name = "TAI64N";
    this.setRegex("@[0-9a-f]{24}", wordBegin);
    void this.re;
  }

  getDate(m: RegExpExecArray): number {
    // like fail2ban: hex digits 2..16 of the label (the 2^62 bias digit dropped)
    return parseInt(m[this.group1]!.slice(2, 17), 16);
  }
}

/** fail2ban's DD_patternCache: one template object per pattern key, shared by all detectors. */
const patternCache = new Map<string, DateTemplate>();

export function cachedTemplate(key: string): DateTemplate | undefined {
  return patternCache.get(key);
}

export function cacheTemplate(key: string, t: DateTemplate): void {
  patternCache.set(key, t);
}

/** fail2ban's _getPatternTemplate: the template for a pattern string (EPOCH, TAI64N, %-pattern). */
export function patternTemplate(pattern: string, key?: string): DateTemplate {
  if (key === undefined) key = pattern.includes("%") ? pattern : pattern.toUpperCase();
  let t = patternCache.get(key);
  if (!t) {
    if (key.includes("EPOCH")) {
      if (RE_EPOCH_PATTERN.test(pattern)) t = new DateEpoch({ pattern, longFrm: key.includes("LEPOCH") });
      else if (key === "EPOCH" || key === "{^LN-BEG}EPOCH" || key === "^EPOCH") t = new DateEpoch({ lineBeginOnly: key !== "EPOCH" });
      else if (key === "LEPOCH" || key === "{^LN-BEG}LEPOCH" || key === "^LEPOCH") {
        t = new DateEpoch({ lineBeginOnly: key !== "LEPOCH", longFrm: true });
      }
    }
    if (!t) {
      if (key === "TAI64N" || key === "{^LN-BEG}TAI64N" || key === "^TAI64N") t = new DateTai64n(key !== "TAI64N" ? "start" : false);
      else t = new DatePatternRegex(pattern);
    }
  }
  patternCache.set(key, t);
  return t;
}

/** fail2ban's _getAnchoredTemplate: a copy of `t` with its pattern wrapped (default: line-start anchored). */
export function anchoredTemplate(t: DateTemplate, wrap: (s: string) => string = (s) => "{^LN-BEG}" + s): DateTemplate {
  const name = wrap(t.name);
  let t2 = patternCache.get(name);
  if (!t2) {
    const isPattern = t instanceof DatePatternRegex;
    const regex = wrap(isPattern ? t.pattern : t.regex);
    if (isPattern) t2 = patternCache.get(regex);
    if (!t2) t2 = patternTemplate(isPattern ? regex : name);
  }
  return t2;
}
