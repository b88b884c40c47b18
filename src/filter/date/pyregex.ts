// Python `re` syntax -> JavaScript RegExp source, for date patterns. Date templates are built in
// Python syntax exactly as fail2ban builds them (so names and regexes read the same), then
// translated once here. Unicode semantics follow Python 3 str patterns: \w, \W and \b use letters
// and digits of every script, \d every decimal digit (see digits.ts), \s what str.isspace() says.

export class DatePatternError extends Error {}

const WORD = "[\\p{L}\\p{N}_]";
const NON_WORD = "[^\\p{L}\\p{N}_]";
const WORD_IN_CLASS = "\\p{L}\\p{N}_";
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
const NON_BOUNDARY = `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;
/** Neither side of the position is a word character on both sides: fail2ban's (?=^|\b|\W) and
 *  (?=\b|\W|$) both reduce to this, and this form is cheaper to evaluate at every position. */
export const WORD_EDGE = `(?:(?<!${WORD})|(?!${WORD}))`;

/** Python's \s (str.isspace): JS's \s lacks \x1c-\x1f and \x85, and adds \ufeff. */
const SPACE_IN_CLASS = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Under IGNORECASE Python's "i" also matches U+0130 (its lowercase is "i") and U+0131 (listed
 *  as equivalent); JS case folding maps neither to "i". */
const PY_I_FOLDS = "iI\\u0130\\u0131";
const SYNTAX = new Set("^$\\.*+?()[]{}|/");
const SIMPLE_ESCAPES = new Set("ntrfv");

export interface JsRegex { source: string; flags: string }

/** Translates a Python regex; throws DatePatternError naming the construct JS cannot express. */
export function translatePyRegex(py: string): JsRegex {
  const flagSet = new Set<string>();
  // Python applies inline global flags wherever they appear (deprecated but accepted in 3.11).
  let src = py.replace(/\(\?([aiLmsux]+)\)/g, (_m, f: string) => {
    for (const ch of f) flagSet.add(ch);
    return "";
  });
  if (flagSet.has("x")) src = stripVerbose(src);
  const dotAll = flagSet.has("s");
  const ignoreCase = flagSet.has("i");
  const multi = flagSet.has("m");
  let out = "";
  let i = 0;
  const n = src.length;
  const names = new Set<string>();
  while (i < n) {
    const ch = src[i]!;
    if (ch === "\\") {
      out += escapeOutside(src, i);
      i += escapeLength(src, i);
    } else if (ch === "[") {
      const r = translateClass(src, i, ignoreCase);
      out += r.text;
      i = r.end;
    } else if (ch === "(") {
      const r = translateGroupOpen(src, i, names);
      out += r.text;
      i = r.end;
    } else if (ch === "{") {
      const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(src.slice(i, i + 24));
      if (m && (m[1] !== "" || m[2] !== undefined)) {
        out += `{${m[1] === "" ? "0" : m[1]}${m[2] ?? ""}${m[3] ?? ""}}`;
        i += m[0].length;
      } else { out += "\\{"; i++; }
    } else if (ch === "}" || ch === "]") {
      out += "\\" + ch; i++;
    } else if (ch === ".") {
      out += dotAll ? "[\\s\\S]" : "[^\\n]"; i++;
    } else if (ch === "$") {
      out += multi ? "(?=\\n|(?![\\s\\S]))" : "(?=\\n?(?![\\s\\S]))"; i++;
    } else if (ch === "^") {
      out += multi ? "(?<![^\\n])" : "^"; i++;
    } else if (ignoreCase && (ch === "i" || ch === "I")) {
      out += `[${PY_I_FOLDS}]`; i++;
    } else {
      out += ch; i++;
    }
  }
  const flags = "u" + (flagSet.has("i") ? "i" : "");
  try {
    new RegExp(out, flags);
  } catch (e) {
    throw new DatePatternError(`cannot translate regex ${JSON.stringify(py)}: ${(e as Error).message}`);
  }
  return { source: out, flags };
}

function stripVerbose(src: string): string {
  let out = "", inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") { out += ch + (src[i + 1] ?? ""); i++; continue; }
    if (inClass) { if (ch === "]") inClass = false; out += ch; continue; }
    if (ch === "[") { inClass = true; out += ch; continue; }
    if (ch === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (/\s/.test(ch)) continue;
    out += ch;
  }
  return out;
}

function escapeLength(src: string, i: number): number {
  const c = src[i + 1];
  if (c === undefined) throw new DatePatternError(`regex ends with a lone backslash: ${JSON.stringify(src)}`);
  if (c === "x") return 4;
  if (c === "u") return 6;
  if (c === "U") return 10;
  if (c >= "1" && c <= "9") return 1 + /^\d{1,2}/.exec(src.slice(i + 1))![0].length;
  if (c === "0") return 1 + /^0[0-7]{0,2}/.exec(src.slice(i + 1))![0].length;
  return 2;
}

function codePointEscape(src: string, i: number): string | undefined {
  const c = src[i + 1]!;
  const hex = c === "x" ? src.slice(i + 2, i + 4) : c === "u" ? src.slice(i + 2, i + 6) : c === "U" ? src.slice(i + 2, i + 10) : undefined;
  if (hex === undefined) {
    if (c === "0") return `\\u{${parseInt(src.slice(i + 1, i + escapeLength(src, i)), 8).toString(16)}}`;
    return undefined;
  }
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new DatePatternError(`bad escape \\${c}${hex} in ${JSON.stringify(src)}`);
  return `\\u{${parseInt(hex, 16).toString(16)}}`;
}

function escapeOutside(src: string, i: number): string {
  const c = src[i + 1]!;
  const cp = codePointEscape(src, i);
  if (cp) return cp;
  if (c >= "1" && c <= "9") return "\\" + src.slice(i + 1, i + escapeLength(src, i));
  if (SIMPLE_ESCAPES.has(c)) return "\\" + c;
  switch (c) {
    case "w": return WORD;
    case "W": return NON_WORD;
    case "d": return "\\p{Nd}";
    case "D": return "\\P{Nd}";
    case "s": return `[${SPACE_IN_CLASS}]`;
    case "S": return `[^${SPACE_IN_CLASS}]`;
    case "b": return BOUNDARY;
    case "B": return NON_BOUNDARY;
    case "A": return "^";
    case "Z": return "(?![\\s\\S])";
  }
  if (/[A-Za-z]/.test(c)) throw new DatePatternError(`bad escape \\${c} in ${JSON.stringify(src)}`);
  return SYNTAX.has(c) ? "\\" + c : c;
}

function translateClass(src: string, start: number, ignoreCase: boolean): { text: string; end: number } {
  let i = start + 1;
  let text = "[";
  if (src[i] === "^") { text += "^"; i++; }
  if (src[i] === "]") { text += "\\]"; i++; }
  for (; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "]") {
      let cls = text + "]";
      if (ignoreCase) {
        const set = cls.startsWith("[^") ? "[" + cls.slice(2) : cls;
        const re = new RegExp(set, "ui");
        if (re.test("i")) cls = cls.slice(0, -1) + PY_I_FOLDS + "]";
      }
      return { text: cls, end: i + 1 };
    }
    if (ch === "\\") {
      const c = src[i + 1];
      if (c === undefined) break;
      const cp = codePointEscape(src, i);
      if (cp) text += cp;
      else if (c === "w") text += WORD_IN_CLASS;
      else if (c === "s") text += SPACE_IN_CLASS;
      else if (c === "d") text += "\\p{Nd}";
      else if (c === "D") text += "\\P{Nd}";
      else if (c === "S") text += "\\S"; // approximation: a negated set cannot nest in a class
      else if (c === "b") text += "\\x08";
      else if (SIMPLE_ESCAPES.has(c) || c === "W") text += "\\" + c; // \W: approximation (ASCII) inside a set
      else if (/[A-Za-z0-9]/.test(c)) throw new DatePatternError(`bad escape \\${c} in ${JSON.stringify(src)}`);
      else text += SYNTAX.has(c) || c === "-" ? "\\" + c : c;
      i += escapeLength(src, i) - 1;
    } else if (ch === "[") {
      text += "\\[";
    } else {
      text += ch;
    }
  }
  throw new DatePatternError(`unterminated character set in ${JSON.stringify(src)}`);
}

function translateGroupOpen(src: string, i: number, names: Set<string>): { text: string; end: number } {
  if (src[i + 1] !== "?") return { text: "(", end: i + 1 };
  const rest = src.slice(i, i + 80);
  let m: RegExpExecArray | null;
  if ((m = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
    if (names.has(m[1]!)) throw new DatePatternError(`redefinition of group name ${JSON.stringify(m[1])} in ${JSON.stringify(src)}`);
    names.add(m[1]!);
    return { text: `(?<${m[1]}>`, end: i + m[0].length };
  }
  if ((m = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) return { text: `\\k<${m[1]}>`, end: i + m[0].length };
  if ((m = /^\(\?(?::|=|!|<=|<!)/.exec(rest))) return { text: m[0], end: i + m[0].length };
  if (rest.startsWith("(?#")) {
    const close = src.indexOf(")", i);
    if (close < 0) throw new DatePatternError(`unterminated comment in ${JSON.stringify(src)}`);
    return { text: "", end: close + 1 };
  }
  throw new DatePatternError(`unsupported group syntax ${JSON.stringify(rest.slice(0, 8))} in ${JSON.stringify(src)}`);
}
