// Address normalisation as fail2ban's IPAddr does it for failure ids: a text that parses as an
// IPv4/IPv6 address (libc inet_pton rules) is printed back in canonical form (inet_ntop rules),
// IPv4-mapped IPv6 becomes plain IPv4, an optional prefix length masks the address; anything else
// stays as the raw text.

/** fail2ban's cidr markers: raw text, unspecified family, or "this family, full length". */
export const CIDR_RAW = -2;
export const CIDR_UNSPEC = -1;
export const FAM_IPV4 = -4;
export const FAM_IPV6 = -12;

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

function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** glibc inet_ntop6: longest (first on tie) run of ≥ 2 zero words becomes "::". */
function formatIPv6(w: readonly number[]): string {
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

function maskLength(mask: string): number | null {
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

/**
 * The text fail2ban prints for IPAddr(text, cidr): canonical address (with "/plen" for a subnet)
 * when it parses, else the raw text.
 */
export function normalizeAddress(text: string, cidr: number): string {
  if (cidr === CIDR_RAW) return text;
  let ipstr = text;
  let plen = cidr;
  if (cidr === CIDR_UNSPEC) {
    if (ipstr.length > 2 && ipstr[0] === "[" && ipstr[ipstr.length - 1] === "]") ipstr = ipstr.slice(1, -1);
    const slash = ipstr.indexOf("/");
    if (slash >= 0) {
      const m = ipstr.slice(slash + 1);
      const n = m.includes(".") || m.includes(":") ? maskLength(m) : /^\s*[+-]?\d+\s*$/.test(m) ? Number(m) : null;
      if (n === null) return text; // fail2ban raises here; keep the raw id instead of failing the line
      ipstr = ipstr.slice(0, slash);
      plen = n;
    }
  }
  const tryV4 = cidr !== FAM_IPV6;
  const tryV6 = cidr !== FAM_IPV4;
  const v4 = tryV4 ? parseIPv4(ipstr) : null;
  // parseIPv4 accepts only canonical dotted quads, so a full-length address prints as written
  if (v4 !== null && (plen < 0 || plen >= 32)) return ipstr;
  if (v4 !== null) {
    let addr = v4;
    let len = 32;
    if (plen >= 0) {
      if (plen < 32) addr = plen === 0 ? 0 : (addr & ~(0xffffffff >>> plen)) >>> 0;
      len = plen;
    }
    return formatIPv4(addr) + (len && len < 32 ? `/${len}` : "");
  }
  const v6 = tryV6 ? parseIPv6(ipstr) : null;
  if (!v6) return ipstr; // fail2ban keeps the (unwrapped) raw text of an invalid address
  if (plen >= 0) {
    for (let i = 0; i < 8; i++) {
      const keep = Math.max(0, Math.min(16, plen - i * 16));
      v6[i] = keep === 0 ? 0 : v6[i]! & (0xffff << (16 - keep)) & 0xffff;
    }
    return formatIPv6(v6) + (plen && plen < 128 ? `/${plen}` : "");
  }
  if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff) {
    return formatIPv4(((v6[6]! << 16) | v6[7]!) >>> 0);
  }
  return formatIPv6(v6);
}

/** fail2ban's IPAddr.searchIP: the whole text is an IPv4 or (optionally bracketed) IPv6 address. */
const IP_4_6_RE =
  /^(?:((?:\d{1,3}\.){3}\d{1,3})|\[?((?:[0-9a-fA-F]{1,4}::?|:){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):))\]?)$/; // IP_6_RE of 1.1

/** A valid address literal in text (after fail2ban's loose pre-match), canonicalised, else null. */
export function plainAddress(text: string): string | null {
  const m = IP_4_6_RE.exec(text);
  if (!m) return null;
  const ip = m[1] ?? m[2]!;
  const norm = normalizeAddress(ip, CIDR_UNSPEC);
  return parseIPv4(ip) !== null || parseIPv6(ip) !== null ? norm : null;
}
