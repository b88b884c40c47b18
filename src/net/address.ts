import { formatIPv4, formatIPv6, maskLength, parseIPv4, parseIPv6 } from "./inet.ts";

/**
 * IP addresses as fail2ban's IPAddr sees them: IPv4/IPv6 (inet_pton rules), optional CIDR
 * prefix or dotted/colon mask, IPv4-mapped IPv6 (::ffff:a.b.c.d) folded to IPv4, text
 * normalised like inet_ntop. Host bits below the prefix are masked off. No DNS here.
 */
export type Family = 4 | 6;

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export class IPAddr {
  constructor(
    readonly family: Family,
    readonly addr: bigint,
    readonly plen: number,
    /** Interface zone of a link-local IPv6 ("eth0" in fe80::1%eth0); not part of identity. */
    readonly zone?: string,
  ) {}

  get isSingle(): boolean {
    return this.plen === BITS[this.family];
  }

  /** Whether this network contains ip (fail2ban's IPAddr.contains / isInNet). */
  contains(ip: IPAddr): boolean {
    if (ip.family !== this.family) return false;
    const bits = BigInt(BITS[this.family]);
    const shift = bits - BigInt(this.plen);
    return ip.addr >> shift === this.addr >> shift && ip.plen >= this.plen;
  }

  equals(o: IPAddr): boolean {
    return o.family === this.family && o.addr === this.addr && o.plen === this.plen;
  }

  toString(): string {
    // fail2ban omits "/0" (its `if self._plen and ...` test) and the full-length prefix.
    return this.plen && this.plen < BITS[this.family] ? `${this.base}/${this.plen}` : this.base;
  }

  /** The address part alone, canonical ("2001:db8::" of 2001:db8::/32). */
  get base(): string {
    return this.family === 4 ? formatIPv4(Number(this.addr)) : formatIPv6(bigToWords(this.addr));
  }

  /** Firewall text: "net/len" for every network, /0 included (toString follows fail2ban and drops it). */
  get cidr(): string {
    return this.isSingle ? this.base : `${this.base}/${this.plen}`;
  }

  /** The network of the first plen bits that holds this address or network (itself when it is already as wide). */
  truncate(plen: number): IPAddr {
    const bits = BITS[this.family];
    if (!Number.isInteger(plen) || plen < 0 || plen > bits) throw new RangeError(`prefix /${plen} out of range for IPv${this.family}`);
    if (plen >= this.plen) return this;
    return new IPAddr(this.family, maskTo(this.addr, bits, plen), plen);
  }
}

/** The number of address bits of a family. */
export function familyBits(family: Family): number {
  return BITS[family];
}

function wordsToBig(w: readonly number[]): bigint {
  return w.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function bigToWords(a: bigint): number[] {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  return w;
}

/** addr with every bit below the first plen bits cleared. */
function maskTo(addr: bigint, bits: number, plen: number): bigint {
  return plen === 0 ? 0n : (addr >> BigInt(bits - plen)) << BigInt(bits - plen);
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an address or network; null when s is no valid IP (e.g. a host name). */
export function parseIP(input: string): IPAddr | null {
  let s = input.trim();
  if (s.length > 2 && s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  let plen: number | null = null;
  const slash = s.indexOf("/");
  if (slash !== -1) {
    const m = s.slice(slash + 1);
    s = s.slice(0, slash);
    if (/^\d{1,3}$/.test(m)) plen = Number(m);
    else if (m.includes(".") || m.includes(":")) plen = maskLength(m);
    if (plen === null) return null;
  }
  let zone: string | undefined;
  const pct = s.indexOf("%");
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (!/^[\w.-]+$/.test(zone)) return null;
  }
  const v4n = zone === undefined ? parseIPv4(s) : null;
  if (v4n !== null) {
    const p = plen ?? 32;
    if (p > 32) return null;
    return new IPAddr(4, maskTo(BigInt(v4n), 32, p), p);
  }
  const words = parseIPv6(s);
  if (words === null) return null;
  const v6 = wordsToBig(words);
  if (plen === null) {
    // fail2ban folds IPv4-mapped IPv6 to plain IPv4 (only without an explicit prefix).
    if (v6 >> 32n === 0xffffn && (v6 & ~0xffffffffn) === MAPPED_PREFIX) return new IPAddr(4, v6 & 0xffffffffn, 32);
    return new IPAddr(6, v6, 128, zone);
  }
  if (plen > 128) return null;
  return new IPAddr(6, maskTo(v6, 128, plen), plen, zone);
}

/** Normalised text for an address (what bans and the DB are keyed by); raw input if not an IP. */
export function normalizeIP(s: string): string {
  // Fast path for the common case (restoring 100k bans): a canonical dotted quad is already normal.
  if (parseIPv4(s) !== null) return s;
  return parseIP(s)?.toString() ?? s;
}
