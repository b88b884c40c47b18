/**
 * The one place that reads and writes address text, with glibc's inet_pton / inet_ntop rules:
 * dotted IPv4 (exactly four decimal octets, no leading zeros), IPv6 with "::" and an optional
 * dotted tail; printing picks the longest zero run for "::" and the ::a.b.c.d / ::ffff:a.b.c.d forms.
 * Plain numbers (no BigInt) so the filter's hot path stays cheap.
 */

/** Parses dotted IPv4 like glibc inet_pton: exactly 4 decimal octets ≤ 255, no leading zeros. */
export function parseIPv4(s: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // virtual trailing "."
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return null; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return null;
      digits++;
    } else if (c === 46) {
      if (digits === 0) return null;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else return null;
  }
  return parts === 4 ? value >>> 0 : null;
}

/** Parses IPv6 like glibc inet_pton into 8 16-bit words (embedded IPv4 tail allowed). */
export function parseIPv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const gap = s.indexOf("::");
  if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) return null;
  const head = gap >= 0 ? s.slice(0, gap) : s;
  const tail = gap >= 0 ? s.slice(gap + 2) : "";
  const a = parseGroups(head, gap < 0 || tail === "");
  const b = gap >= 0 ? parseGroups(tail, true) : [];
  if (!a || !b) return null;
  if (gap < 0) return a.length === 8 ? a : null;
  if (a.length + b.length > 7) return null;
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}

/** Colon-separated hex groups; the last one may be a dotted IPv4 when it ends the address. */
function parseGroups(part: string, mayEndWithV4: boolean): number[] | null {
  if (part === "") return [];
  const groups = part.split(":");
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (i === groups.length - 1 && mayEndWithV4 && g.includes(".")) {
      const v4 = parseIPv4(g);
      if (v4 === null) return null;
      words.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (g.length === 0 || g.length > 4) return null;
    let w = 0;
    for (let j = 0; j < g.length; j++) {
      const h = hexValue(g.charCodeAt(j));
      if (h < 0) return null;
      w = w * 16 + h;
    }
    words.push(w);
  }
  return words.length <= 8 ? words : null;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** glibc inet_ntop6: longest (first on tie) run of ≥ 2 zero words becomes "::". */
export function formatIPv6(w: readonly number[]): string {
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += formatIPv4(((w[6]! << 16) | w[7]!) >>> 0);
      return out;
    }
    out += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

export function maskLength(mask: string): number | null {
  const v4 = parseIPv4(mask);
  const bits: number[] = [];
  if (v4 !== null) for (let b = 31; b >= 0; b--) bits.push((v4 >>> b) & 1);
  else {
    const v6 = parseIPv6(mask);
    if (!v6) return null;
    for (const w of v6) for (let b = 15; b >= 0; b--) bits.push((w >>> b) & 1);
  }
  const n = bits.indexOf(0);
  const len = n < 0 ? bits.length : n;
  return bits.slice(len).includes(1) ? null : len;
}
