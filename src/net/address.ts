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

  get isSingle(): boolean { return this.plen === BITS[this.family]; }

  /** Whether this network contains ip (fail2ban's IPAddr.contains / isInNet). */
  contains(ip: IPAddr): boolean {
    if (ip.family !== this.family) return false;
    const bits = BigInt(BITS[this.family]);
    const shift = bits - BigInt(this.plen);
    return ip.addr >> shift === this.addr >> shift && ip.plen >= this.plen;
  }

  equals(o: IPAddr): boolean { return o.family === this.family && o.addr === this.addr && o.plen === this.plen; }

  toString(): string {
    const base = this.family === 4 ? v4ToText(this.addr) : v6ToText(this.addr);
    // fail2ban omits "/0" (its `if self._plen and ...` test) and the full-length prefix.
    return this.plen && this.plen < BITS[this.family] ? `${base}/${this.plen}` : base;
  }
}

function parseV4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    // inet_pton: 1-3 decimal digits, no leading zeros, at most 255.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const dbl = s.indexOf("::");
  if (dbl !== -1 && s.indexOf("::", dbl + 1) !== -1) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const g = items[i] as string;
      if (g.includes(".")) {
        if (i !== items.length - 1) return null;
        const v4 = parseV4(g);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = groupsOf(s);
    if (!g || g.length !== 8) return null;
    groups = g;
  } else {
    const head = groupsOf(s.slice(0, dbl));
    const tail = groupsOf(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  // A dotted quad may only end the address.
  if (s.includes(".") && !/\d+\.\d+\.\d+\.\d+$/.test(s)) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function v4ToText(a: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((a >> sh) & 0xffn)).join(".");
}

/** glibc inet_ntop: longest zero run of >= 2 groups becomes "::"; ::a.b.c.d / ::ffff:a.b.c.d forms. */
function v6ToText(a: bigint): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
      out += v4ToText(a & 0xffffffffn);
      return out;
    }
    out += (w[i] as number).toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}

function maskToPlen(mask: string): number | null {
  const m = parseIP(mask);
  if (!m || !m.isSingle) return null;
  const bits = BITS[m.family];
  for (let p = 0; p <= bits; p++) {
    const full = (1n << BigInt(bits)) - 1n;
    if (((full << BigInt(bits - p)) & full) === m.addr) return p;
  }
  return null;
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
    else if (m.includes(".") || m.includes(":")) plen = maskToPlen(m);
    if (plen === null) return null;
  }
  let zone: string | undefined;
  const pct = s.indexOf("%");
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (!/^[\w.-]+$/.test(zone)) return null;
  }
  const v4 = zone === undefined ? parseV4(s) : null;
  if (v4 !== null) {
    const p = plen ?? 32;
    if (p > 32) return null;
    return new IPAddr(4, p === 0 ? 0n : (v4 >> BigInt(32 - p)) << BigInt(32 - p), p);
  }
  const v6 = parseV6(s);
  if (v6 === null) return null;
  if (plen === null) {
    // fail2ban folds IPv4-mapped IPv6 to plain IPv4 (only without an explicit prefix).
    if (v6 >> 32n === 0xffffn && (v6 & ~0xffffffffn) === MAPPED_PREFIX) return new IPAddr(4, v6 & 0xffffffffn, 32);
    return new IPAddr(6, v6, 128, zone);
  }
  if (plen > 128) return null;
  return new IPAddr(6, plen === 0 ? 0n : (v6 >> BigInt(128 - plen)) << BigInt(128 - plen), plen, zone);
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CANONICAL_V4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** Normalised text for an address (what bans and the DB are keyed by); raw input if not an IP. */
export function normalizeIP(s: string): string {
  // Fast path for the common case (restoring 100k bans): a canonical dotted quad is already normal.
  if (CANONICAL_V4.test(s)) return s;
  return parseIP(s)?.toString() ?? s;
}
