// Python character sets ("[...]") and numeric escapes, following re/_parser.py: "]" first is literal,
// "-" at either end is literal, escapes of non-letters are literals, letters without meaning are errors.
import { categoryClassItem, classLiteral, pythonIClassItems, rangeHasPythonI, type Category } from "./pyre-charset.ts";
import type { Flags, Item, PyCursor } from "./pyre-cursor.ts";

const HEXD = "0123456789abcdefABCDEF";
const OCT = "01234567";
const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };

type Code = { lit: number } | { cat: Category };

/** Reads the digits after \x, \u, \U (the two-character escape was already consumed); returns the code point. */
export function parseHexEscape(p: PyCursor, c: string, here: number): number {
  if (c === "N") {
    if (p.peek() !== "{") throw p.err("missing {", p.pos);
    throw p.err("named Unicode escapes \\N{...} are not supported by f2b; use \\uXXXX", here, p.src.indexOf("}", here) + 1 - here);
  }
  const want = c === "x" ? 2 : c === "u" ? 4 : 8;
  let digits = "";
  while (digits.length < want && HEXD.includes(p.peek() ?? "x")) digits += p.src[p.pos++];
  const text = `\\${c}${digits}`;
  if (digits.length !== want) throw p.err(`incomplete escape ${text}`, here, text.length);
  const cp = parseInt(digits, 16);
  if (cp > 0x10ffff) throw p.err(`bad escape ${text}`, here, text.length);
  return cp;
}

function takeToken(p: PyCursor): string | undefined {
  if (p.pos >= p.src.length) return undefined;
  const first = String.fromCodePoint(p.src.codePointAt(p.pos)!);
  if (first !== "\\") {
    p.pos += first.length;
    return first;
  }
  if (p.pos + 1 >= p.src.length) throw p.err("bad escape (end of pattern)", p.pos);
  const tok = "\\" + String.fromCodePoint(p.src.codePointAt(p.pos + 1)!);
  p.pos += tok.length;
  return tok;
}

function classEscape(p: PyCursor, tok: string, here: number): Code {
  const c = tok.slice(1);
  if (c in SIMPLE) return { lit: SIMPLE[c]! };
  if ("dDsSwW".includes(c)) return { cat: c as Category };
  if (c === "x" || c === "u" || c === "U" || c === "N") return { lit: parseHexEscape(p, c, here) };
  if (OCT.includes(c)) {
    let v = c;
    while (v.length < 3 && OCT.includes(p.peek() ?? "x")) v += p.src[p.pos++];
    const n = parseInt(v, 8);
    if (n > 0o377) throw p.err(`octal escape value \\${v} outside of range 0-0o377`, here, v.length + 1);
    return { lit: n };
  }
  if (/^[A-Za-z0-9]$/.test(c)) throw p.err(`bad escape ${tok}`, here, tok.length);
  return { lit: c.codePointAt(0)! };
}

function render(code: Code, ascii: boolean): string {
  return "lit" in code ? classLiteral(code.lit) : categoryClassItem(code.cat, ascii);
}

/** (?ai): Python folds ASCII letters only, so add the other ASCII case and switch JS folding off. */
function asciiCaseRanges(lits: [number, number][]): string {
  const out: string[] = [];
  for (const [lo, hi] of lits) {
    for (const [a, z, shift] of [
      [0x41, 0x5a, 32],
      [0x61, 0x7a, -32],
    ] as const) {
      const l = Math.max(lo, a),
        h = Math.min(hi, z);
      if (l <= h) out.push(`${classLiteral(l + shift)}-${classLiteral(h + shift)}`);
    }
  }
  return out.join("");
}

/** Parses a set whose "[" is at `start` (already consumed). */
export function parseClass(p: PyCursor, start: number, flags: Flags): Item {
  const negate = p.match("^");
  const parts: string[] = [];
  const lits: [number, number][] = [];
  const add = (code: Code) => {
    parts.push(render(code, flags.a));
    if ("lit" in code) lits.push([code.lit, code.lit]);
  };
  for (;;) {
    const at = p.pos;
    const tok = takeToken(p);
    if (tok === undefined) throw p.err("unterminated character set", start, p.pos - start);
    if (tok === "]" && parts.length > 0) break;
    const code1: Code = tok.length > 1 && tok[0] === "\\" ? classEscape(p, tok, at) : { lit: tok.codePointAt(0)! };
    if (p.peek() === "-") {
      p.pos++;
      const at2 = p.pos;
      const that = takeToken(p);
      if (that === undefined) throw p.err("unterminated character set", start, p.pos - start);
      if (that === "]") {
        add(code1);
        add({ lit: 45 });
        break;
      }
      const code2: Code = that.length > 1 && that[0] === "\\" ? classEscape(p, that, at2) : { lit: that.codePointAt(0)! };
      if (!("lit" in code1) || !("lit" in code2) || code2.lit < code1.lit) {
        throw p.err(`bad character range ${tok}-${that}`, at, p.pos - at);
      }
      parts.push(`${classLiteral(code1.lit)}-${classLiteral(code2.lit)}`);
      lits.push([code1.lit, code2.lit]);
    } else {
      add(code1);
    }
  }
  if (flags.i && flags.a) {
    const js = `[${negate ? "^" : ""}${parts.join("")}${asciiCaseRanges(lits)}]`;
    return { js: `(?-i:${js})`, min: 1, max: 1, kind: "group" };
  }
  if (flags.i && lits.some(([lo, hi]) => rangeHasPythonI(lo, hi))) parts.push(pythonIClassItems());
  return { js: `[${negate ? "^" : ""}${parts.join("")}]`, min: 1, max: 1, kind: "char" };
}
