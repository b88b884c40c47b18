import { formatIPv4, formatIPv6, maskLength, parseIPv4, parseIPv6 } from "./inet.ts";

// Address normalisation as fail2ban's IPAddr does it for failure ids: a text that parses as an
// IPv4/IPv6 address (libc inet_pton rules) is printed back in canonical form (inet_ntop rules),
// IPv4-mapped IPv6 becomes plain IPv4, an optional prefix length masks the address; anything else
// stays as the raw text.

/** fail2ban's cidr markers: raw text, unspecified family, or "this family, full length". */
export const CIDR_RAW = -2;
export const CIDR_UNSPEC = -1;
export const FAM_IPV4 = -4;
export const FAM_IPV6 = -12;
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
const IP_4_6_RE = /^(?:((?:\d{1,3}\.){3}\d{1,3})|\[?((?:[0-9a-fA-F]{1,4}::?|:){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):))\]?)$/; // IP_6_RE of 1.1

/** A valid address literal in text (after fail2ban's loose pre-match), canonicalised, else null. */
export function plainAddress(text: string): string | null {
  const m = IP_4_6_RE.exec(text);
  if (!m) return null;
  const ip = m[1] ?? m[2]!;
  const norm = normalizeAddress(ip, CIDR_UNSPEC);
  return parseIPv4(ip) !== null || parseIPv6(ip) !== null ? norm : null;
}
