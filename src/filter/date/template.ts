// A date template: a regex (kept in Python syntax, as fail2ban shows it) plus the conversion of
// its match to epoch seconds. Word/line boundaries are added exactly as fail2ban's
// DateTemplate.setRegex adds them, because they decide which text of a line is the date.
import { RegexError, translatePythonRegex } from "../pyre.ts";
import type { TimeZone } from "./tz.ts";

/** A datepattern or date template that cannot be used (the message says why). */
export class DatePatternError extends Error {}

/** Python's \w for str patterns: letters and digits of every script, and "_". */
const WORD = "[\\p{L}\\p{N}_]";
/** Not a word character on both sides of the position: fail2ban's (?=^|\b|\W) and (?=\b|\W|$)
 *  both reduce to this, and this form is cheaper to evaluate at every position. */
export const WORD_EDGE = `(?:(?<!${WORD})|(?!${WORD}))`;

export const LINE_BEGIN = 8;
export const LINE_END = 4;
export const WORD_BEGIN = 2;
export const WORD_END = 1;

/** Inputs of a date conversion besides the match itself. */
export interface DateContext {
  now: number;
  tz: TimeZone;
  defaultTzMinutes?: number;
}

// fail2ban's regexes over regex source, in JS syntax (none of them relies on Python specifics).
export const RE_GROUPED = /(?<!\(\?)(?<!\\)\((?!\?)/;
const RE_GROUP = /^((?:\(\?\w+\))?\^?(?:\(\?\w+\))?)(.*?)(\$?)$/s;
// fail2ban 1.1 fixed 1.0.2's `(?!<\\)` (a no-op) into the intended look-behind: `\(?i)` is no flag
const RE_GLOBALFLAGS = /((?:^|(?<!\\))\(\?[a-z]+\))/;
const RE_NO_WRD_BOUND_BEG = /^\(*(?:\(\?\w+\))?(?:\^|\(*\*\*|\((?:\?:)?\^)/;
const RE_NO_WRD_BOUND_END = /(?<!\\)(?:\$\)?|\\b|\\s|\*\*\)*)$/;
const RE_DEL_WRD_BOUNDS = /^\(*(?:\(\?\w+\))?\(*\*\*|(?<!\\)\*\*\)*$/g;
const RE_LINE_BOUND_BEG = /^(?:\(\?\w+\))?(?:\^|\((?:\?:)?\^(?!\|))/;
const RE_LINE_BOUND_END = /(?<![\\|])(?:\$\)?)$/;

export const RE_EXLINE_NO_BOUNDS = /^\{UNB\}/;
export const RE_EXLINE_BOUND_BEG = /^\{\^LN-BEG\}/;
const RE_EXSANC_BOUND_BEG = /^\((?:\?:)?\^\|\\b\|\\W\)/;
const RE_EXEANC_BOUND_BEG = /\(\?=\\b\|\\W\|\$\)$/;

const PY_WORD_BEGIN = "(?=^|\\b|\\W)";
const PY_WORD_END = "(?=\\b|\\W|$)";
const PY_LINE_BEGIN = "^(?:\\W{0,2})?";

export type WordBegin = boolean | "start";

export abstract class DateTemplate {
  name = "";
  /** Preference when fail2ban reorders templates (its anchored default copies get 100). */
  weight = 1;
  flags = 0;
  /** The regex in Python syntax, as fail2ban would log it. */
  regex = "";
  private compiled: RegExp | undefined;
  /** Group 1 ends where the match ends (only zero-width assertions follow it): its span can be
   *  derived from the match without the costly `d` (indices) flag. */
  private group1AtEnd = false;
  /** JS source overriding the translation of `regex` (for constructs JS lacks, e.g. conditionals). */
  protected jsSource: string | undefined;
  /** JS capture number of Python's group 1 (a capture emulating an atomic group may come first). */
  protected group1 = 1;
  /** Python group names and their JS capture numbers: the translated regex has unnamed captures
   *  (JSC then builds no groups object per match); null for a hand-written jsSource. */
  private groupCaptures: [string, number][] | null = null;

  /** fail2ban's DateTemplate.setRegex: adds boundaries, group 1, flags; strips ** markers. */
  setRegex(regex: string, wordBegin: WordBegin = true, wordEnd = true): void {
    regex = regex.trim();
    const gf = RE_GLOBALFLAGS.exec(regex);
    if (gf) regex = regex.replace(RE_GLOBALFLAGS, "");
    const boundBegin = wordBegin !== false && !RE_NO_WRD_BOUND_BEG.test(regex);
    const boundEnd = wordEnd && !RE_NO_WRD_BOUND_END.test(regex);
    if (!RE_GROUPED.test(regex)) regex = regex.replace(RE_GROUP, "$1($2)$3");
    this.flags = 0;
    if (boundBegin) {
      if (wordBegin !== "start") {
        this.flags |= WORD_BEGIN;
        regex = PY_WORD_BEGIN + regex;
      } else {
        this.flags |= LINE_BEGIN;
        regex = PY_LINE_BEGIN + regex;
        if (!this.name.startsWith("{^LN-BEG}")) this.name = "{^LN-BEG}" + this.name;
      }
    }
    if (boundEnd) {
      this.flags |= WORD_END;
      regex += PY_WORD_END;
    }
    if (!(this.flags & LINE_BEGIN) && RE_LINE_BOUND_BEG.test(regex)) this.flags |= LINE_BEGIN;
    if (!(this.flags & LINE_END) && RE_LINE_BOUND_END.test(regex)) this.flags |= LINE_END;
    regex = regex.replace(RE_DEL_WRD_BOUNDS, (m) => m.replaceAll("**", ""));
    if (gf) regex = gf[1] + regex;
    this.regex = regex;
    this.compiled = undefined;
  }

  /** The compiled JS regex (flags g for searching from a position, d for group spans). */
  get re(): RegExp {
    if (this.compiled) return this.compiled;
    let source: string, flags: string;
    if (this.jsSource !== undefined) {
      source = this.jsSource;
      flags = "v";
    } else {
      // the boundary lookarounds fail2ban adds are rewritten to one cheaper equivalent
      let py = this.regex;
      const gf = /^(\(\?[a-zA-Z]+\))/.exec(py);
      let prefix = "",
        suffix = "";
      if (gf) py = py.slice(gf[1]!.length);
      if (py.startsWith(PY_WORD_BEGIN)) {
        py = py.slice(PY_WORD_BEGIN.length);
        prefix = WORD_EDGE;
      }
      if (py.endsWith(PY_WORD_END) && !py.endsWith("\\" + PY_WORD_END)) {
        py = py.slice(0, -PY_WORD_END.length);
        suffix = WORD_EDGE;
      }
      let t;
      try {
        t = translatePythonRegex((gf ? gf[1] : "") + py);
      } catch (e) {
        if (e instanceof RegexError) throw new DatePatternError(e.message);
        throw e;
      }
      source = prefix + t.fastSource + suffix;
      flags = t.flags;
      this.group1 = t.groups[0]?.capture ?? 1;
      this.groupCaptures = t.groups.flatMap((g) => (g.name !== undefined ? [[g.name, g.capture] as [string, number]] : []));
    }
    const shape = analyzeShape(source);
    // the shape analysis reads the first capture: only trusted when it is group 1
    this.group1AtEnd = shape.group1AtEnd && this.group1 === 1;
    // A start-anchored regex can only match at 0: sticky stops JSC from retrying every position.
    const mode = shape.startAnchored ? "y" : "g";
    try {
      this.compiled = new RegExp(source, flags + mode + (shape.group1AtEnd ? "" : "d"));
    } catch (e) {
      throw new DatePatternError(`date template ${this.name}: ${(e as Error).message}`);
    }
    return this.compiled;
  }

  /** Python's pattern.search(line, pos, endpos). */
  search(line: string, pos = 0, endpos?: number): RegExpExecArray | null {
    const re = this.re;
    if (pos > line.length) return null;
    re.lastIndex = pos;
    return re.exec(endpos === undefined || endpos >= line.length ? line : line.slice(0, Math.max(endpos, 0)));
  }

  /** Named groups of a match by Python name (undefined when a group did not take part). */
  protected fields(m: RegExpExecArray): Record<string, string | undefined> {
    if (this.groupCaptures === null) return m.groups ?? {};
    const out: Record<string, string | undefined> = {};
    for (const [name, capture] of this.groupCaptures) out[name] = m[capture];
    return out;
  }

  /** [start, end) of group 1 (fail2ban's date text) in a match of this template. */
  group1Span(m: RegExpExecArray): [number, number] {
    if (this.group1AtEnd) {
      const end = m.index + m[0].length;
      return [end - (m[1]?.length ?? 0), end];
    }
    const span = m.indices?.[this.group1];
    return span ? [span[0], span[1]] : [m.index, m.index + m[0].length];
  }

  /** Epoch seconds of a match of this template; NaN when the text is not a valid date. */
  abstract getDate(m: RegExpExecArray, ctx: DateContext): number;

  /** fail2ban's unboundPattern: strips the boundary markers a pattern may carry. */
  static unboundPattern(pattern: string): string {
    return pattern.replace(RE_EXLINE_NO_BOUNDS, "").replace(RE_EXLINE_BOUND_BEG, "").replace(RE_EXSANC_BOUND_BEG, "").replace(RE_EXEANC_BOUND_BEG, "");
  }
}

const ZERO_WIDTH_TAILS = new Set(["", WORD_EDGE, "(?=\\n?(?![\\s\\S]))", "(?=\\n?(?![\\s\\S]))" + WORD_EDGE, "(?![\\s\\S])"]);

/** Structure of a JS regex source that matters for fast matching (see DateTemplate.re). */
function analyzeShape(js: string): { startAnchored: boolean; group1AtEnd: boolean } {
  let depth = 0,
    topAlt = false,
    g1Depth = -1,
    g1Close = -1;
  for (let i = 0; i < js.length; i++) {
    const c = js[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[") {
      for (i++; i < js.length && js[i] !== "]"; i++) if (js[i] === "\\") i++;
      continue;
    }
    if (c === "(") {
      const capturing = js[i + 1] !== "?" || (js[i + 2] === "<" && js[i + 3] !== "=" && js[i + 3] !== "!");
      if (capturing && g1Depth < 0) g1Depth = depth;
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === g1Depth && g1Close < 0) g1Close = i;
    } else if (c === "|" && depth === 0) {
      topAlt = true;
    }
  }
  return {
    startAnchored: js.startsWith("^") && !topAlt,
    group1AtEnd: g1Close >= 0 && ZERO_WIDTH_TAILS.has(js.slice(g1Close + 1)),
  };
}
