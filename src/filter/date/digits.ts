// Python's \d matches every Unicode decimal digit (category Nd) and int()/float() read them, so
// fail2ban accepts dates written in e.g. Arabic-Indic digits. These helpers give JS the same.

const ND = /\p{Nd}/u;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const valueCache = new Map<number, number>();

/** Value 0-9 of a decimal digit code point: Unicode assigns Nd in contiguous runs of whole
 *  0..9 sets, so the offset from the start of the run, modulo 10, is the value. */
function digitValue(cp: number): number {
  let v = valueCache.get(cp);
  if (v === undefined) {
    let start = cp;
    while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
    v = (cp - start) % 10;
    valueCache.set(cp, v);
  }
  return v;
}

/** `s` with every non-ASCII decimal digit replaced by its ASCII digit. */
export function asciiDigits(s: string): string {
  if (ASCII_ONLY.test(s)) return s;
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp > 0x7f && ND.test(ch) ? String(digitValue(cp)) : ch;
  }
  return out;
}

/** Python's int()/float() of a matched numeric field. */
export function pyNumber(s: string): number {
  return Number(asciiDigits(s));
}
