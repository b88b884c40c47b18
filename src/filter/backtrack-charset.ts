// Character sets for the backtracking check: sorted, disjoint code point ranges. Only whether
// two sets share a character matters, so classes are approximated (\w outside ASCII: all of it).

/** Sorted disjoint inclusive ranges [lo, hi, lo, hi, ...]. */
export type CharSet = readonly number[];

const MAX = 0x10ffff;

export function range(lo: number, hi: number): CharSet {
  return [lo, hi];
}

export function union(...sets: CharSet[]): CharSet {
  const pairs: [number, number][] = [];
  for (const s of sets) for (let i = 0; i < s.length; i += 2) pairs.push([s[i]!, s[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    if (out.length && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function complement(s: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < s.length; i += 2) {
    if (s[i]! > next) out.push(next, s[i]! - 1);
    next = s[i + 1]! + 1;
  }
  if (next <= MAX) out.push(next, MAX);
  return out;
}

export function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1]! < b[j]!) i += 2;
    else if (b[j + 1]! < a[i]!) j += 2;
    else return true;
  }
  return false;
}

const cp = (c: string): number => c.codePointAt(0)!;
export const DIGIT = range(cp("0"), cp("9"));
export const SPACE = union(
  range(9, 13),
  range(0x1c, 0x20),
  range(0x85, 0x85),
  range(0xa0, 0xa0),
  range(0x1680, 0x1680),
  range(0x2000, 0x200a),
  range(0x2028, 0x2029),
  range(0x202f, 0x202f),
  range(0x205f, 0x205f),
  range(0x3000, 0x3000),
);
// outside ASCII: every character that is not a space (letters and digits are most of them)
export const WORD = union(DIGIT, range(cp("A"), cp("Z")), range(cp("a"), cp("z")), range(cp("_"), cp("_")), complement(union(range(0, 0xa9), SPACE)));
export const ANY = range(0, MAX);
export const NOT_NEWLINE = complement(range(10, 10));

/** \d \D \s \S \w \W as sets. */
export function category(c: string): CharSet | null {
  switch (c) {
    case "d":
      return DIGIT;
    case "D":
      return complement(DIGIT);
    case "s":
      return SPACE;
    case "S":
      return complement(SPACE);
    case "w":
      return WORD;
    case "W":
      return complement(WORD);
    default:
      return null;
  }
}

/** A letter and its other case (ASCII), for (?i). */
export function caseless(s: CharSet): CharSet {
  const extra: CharSet[] = [];
  for (let i = 0; i < s.length; i += 2) {
    const lo = Math.max(s[i]!, 0x41);
    const hi = Math.min(s[i + 1]!, 0x7a);
    for (let c = lo; c <= hi; c++) {
      if (c >= 0x41 && c <= 0x5a) extra.push(range(c + 32, c + 32));
      else if (c >= 0x61 && c <= 0x7a) extra.push(range(c - 32, c - 32));
    }
  }
  return extra.length ? union(s, ...extra) : s;
}
