// Python escapes outside sets (re/_parser.py _escape): anchors, categories, control characters,
// \x \u \U, octal, and the "octal or group reference" rule for \1..\99.
import { boundaryAtom, categoryAtom, type Category } from "./pyre-charset.ts";
import { parseHexEscape } from "./pyre-class.ts";
import { asciiCaseless, literalItem, type Flags, type Item, type PyCursor } from "./pyre-cursor.ts";

const DIGITS = "0123456789";
const OCT = "01234567";
const ASCII_LETTERS = /^[A-Za-z]$/;

export function parseEscape(p: PyCursor, tok: string, here: number, flags: Flags): Item {
  const c = tok[1]!;
  const lit = (cp: number): Item => literalItem(cp, flags);
  switch (c) {
    case "A":
      return { js: "^", min: 0, max: 0, kind: "at" };
    case "Z":
      return { js: "$", min: 0, max: 0, kind: "at" };
    case "b":
    case "B": {
      const js = boundaryAtom(c === "B", flags.a);
      return flags.a && flags.i ? asciiCaseless(js, 0) : { js, min: 0, max: 0, kind: "at" };
    }
    case "d":
    case "D":
    case "s":
    case "S":
    case "w":
    case "W": {
      const js = categoryAtom(c as Category, flags.a);
      return flags.a && flags.i ? asciiCaseless(js, 1) : { js, min: 1, max: 1, kind: "char" };
    }
    case "a":
      return lit(7);
    case "f":
      return lit(12);
    case "n":
      return lit(10);
    case "r":
      return lit(13);
    case "t":
      return lit(9);
    case "v":
      return lit(11);
    case "\\":
      return lit(92);
    case "x":
    case "u":
    case "U":
    case "N":
      return lit(parseHexEscape(p, c, here));
    case "0": {
      let v = "0";
      while (v.length < 3 && OCT.includes(p.peek() ?? "x")) v += p.src[p.pos++];
      return lit(parseInt(v, 8));
    }
  }
  if (DIGITS.includes(c)) {
    let digits = c;
    if (DIGITS.includes(p.peek() ?? "x")) {
      digits += p.src[p.pos++];
      if (OCT.includes(digits[0]!) && OCT.includes(digits[1]!) && OCT.includes(p.peek() ?? "x")) {
        digits += p.src[p.pos++];
        const v = parseInt(digits, 8);
        if (v > 0o377) throw p.err(`octal escape value \\${digits} outside of range 0-0o377`, here, p.pos - here);
        return lit(v);
      }
    }
    const g = Number(digits);
    if (g >= p.nextGroup) throw p.err(`invalid group reference ${g}`, here + 1, digits.length);
    return p.backref(g, here);
  }
  if (ASCII_LETTERS.test(c)) throw p.err(`bad escape ${tok}`, here, tok.length);
  return lit(tok.codePointAt(1)!);
}
