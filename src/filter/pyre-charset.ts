// JavaScript (v-flag) spellings of Python `re` character categories and literals.
// Python's str patterns are Unicode-aware by default; (?a) switches \d \w \s \b to ASCII.
// Verified code point by code point against Python in tests/filter/pyre-unicode.test.ts.

/** Python \s (str pattern): Unicode whitespace per str.isspace(); JS \s differs (\x1c-\x1f, \x85, \ufeff). */
export const UNI_SPACE = "\\t\\n\\v\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
const ASCII_SPACE = "\\t\\n\\v\\f\\r\\x20";
/** Python \w: str.isalnum() or "_", which is exactly categories L* and N* plus "_". */
const UNI_WORD = "\\p{L}\\p{N}_";
const ASCII_WORD = "A-Za-z0-9_";

export type Category = "d" | "D" | "s" | "S" | "w" | "W";

/** Class-body text (to be placed inside [...]) for a category; negated ones become nested classes (v flag). */
export function categoryClassItem(cat: Category, ascii: boolean): string {
  switch (cat) {
    case "d":
      return ascii ? "0-9" : "\\p{Nd}";
    case "D":
      return ascii ? "[^0-9]" : "\\P{Nd}";
    case "s":
      return ascii ? ASCII_SPACE : UNI_SPACE;
    case "S":
      return `[^${ascii ? ASCII_SPACE : UNI_SPACE}]`;
    case "w":
      return ascii ? ASCII_WORD : UNI_WORD;
    case "W":
      return `[^${ascii ? ASCII_WORD : UNI_WORD}]`;
  }
}

/** A standalone atom for a category escape. */
export function categoryAtom(cat: Category, ascii: boolean): string {
  const item = categoryClassItem(cat, ascii);
  return item.startsWith("[") ? item : `[${item}]`;
}

/** Python \b / \B with Python's notion of a word character. Neither matches inside an empty string. */
export function boundaryAtom(negated: boolean, ascii: boolean): string {
  const w = `[${ascii ? ASCII_WORD : UNI_WORD}]`;
  if (!negated) return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
  return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[^])|(?=[^])))`;
}

const HEX = (cp: number): string => cp.toString(16).toUpperCase();

/** A literal code point outside a class: printable ASCII as is (syntax characters escaped), the rest as \u{..}. */
export function literalAtom(cp: number): string {
  if (cp >= 0x30 && cp <= 0x39) return String.fromCharCode(cp);
  if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return String.fromCharCode(cp);
  if (cp >= 0x20 && cp <= 0x7e) {
    const ch = String.fromCharCode(cp);
    return "^$\\.*+?()[]{}|/".includes(ch) ? `\\${ch}` : ch;
  }
  return `\\u{${HEX(cp)}}`;
}

/**
 * Python's IGNORECASE treats i, I, dotless ı and dotted İ as one class (same lowercase or same
 * uppercase); JavaScript's simple case folding leaves ı and İ apart. Everything else agrees
 * (checked code point by code point in tests/filter/pyre-unicode.test.ts).
 */
const PY_I_CLASS = [0x49, 0x69, 0x130, 0x131];
export function isPythonI(cp: number): boolean {
  return PY_I_CLASS.includes(cp);
}
export function pythonIClassItems(): string {
  return PY_I_CLASS.map(classLiteral).join("");
}
export function rangeHasPythonI(lo: number, hi: number): boolean {
  return PY_I_CLASS.some((c) => c >= lo && c <= hi);
}

/** A literal code point inside a v-flag class, where most punctuation is reserved: alphanumerics raw, rest escaped. */
export function classLiteral(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  return `\\u{${HEX(cp)}}`;
}
