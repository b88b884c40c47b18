// fail2ban measures positions in a line in code points (Python str); JS strings count UTF-16
// units. The detector's heuristics compare positions across lines, so they use code points;
// these helpers convert only as far as needed (identity until the first surrogate pair).

function isPairAt(s: string, u: number): boolean {
  const c = s.charCodeAt(u);
  if (c < 0xd800 || c > 0xdbff) return false;
  const d = s.charCodeAt(u + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** A surrogate pair, by code units (no "u" flag); "g" so test() leaves lastIndex after it. */
const PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Code point index of UTF-16 offset `u` (which must not split a pair). */
export function cpIndex(s: string, u: number): number {
  if (u < 2) return u;
  PAIR.lastIndex = 0;
  // usual case: no pair starts before u - 1, so code points and code units agree (native scan)
  if (!PAIR.test(s) || PAIR.lastIndex - 2 >= u - 1) return u;
  let cp = u;
  for (let i = 0; i < u - 1; i++)
    if (isPairAt(s, i)) {
      cp--;
      i++;
    }
  return cp;
}

/** UTF-16 offset of code point index `cp` (past the end: s.length + the excess, like Python). */
export function u16Index(s: string, cp: number): number {
  let u = 0;
  for (let k = 0; k < cp; k++) {
    if (u >= s.length) return s.length + (cp - k);
    u += isPairAt(s, u) ? 2 : 1;
  }
  return u;
}

/** The code point starting at UTF-16 offset `u` ("" at or past the end). */
export function cpAt(s: string, u: number): string {
  if (u < 0 || u >= s.length) return "";
  return s.slice(u, isPairAt(s, u) ? u + 2 : u + 1);
}

/** The code point ending at UTF-16 offset `u` ("" at or before the start). */
export function cpBefore(s: string, u: number): string {
  if (u <= 0 || u > s.length) return "";
  return s.slice(u >= 2 && isPairAt(s, u - 2) ? u - 2 : u - 1, u);
}
