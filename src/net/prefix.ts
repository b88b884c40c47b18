// f2b's own prefix options (fail2ban has none): count and ban whole networks instead of single
// addresses (banprefix4/6), escalate many banned addresses of one network to a ban of that network
// (escalate4/6), and the shortest network ever banned (minprefix4/6). Parsing and limits only; the
// jail and the ban manager act on the result.
import type { Family, IPAddr } from "./address.ts";

/** N distinct banned units (addresses, or banprefix networks) inside one /plen within `window` seconds. */
export interface Escalation {
  count: number;
  plen: number;
  window: number;
}

export interface PrefixPolicy {
  /** Prefix failures are counted and banned under; the family's full length (32/128) = per address. */
  ban: Record<Family, number>;
  /** Nothing shorter is banned, by escalation or by hand. */
  min: Record<Family, number>;
  escalate: Partial<Record<Family, Escalation>>;
}

/** Shortest prefix banned unless minprefix4/6 lowers it: a shorter one blocks a large part of the internet. */
export const DEFAULT_MIN_PREFIX: Readonly<Record<Family, number>> = { 4: 8, 6: 32 };
/** The range banprefix4/6 may take: anything wider is what escalation is for. */
export const BANPREFIX_RANGE: Readonly<Record<Family, readonly [number, number]>> = { 4: [16, 32], 6: [32, 128] };

/** The policy with every option off: fail2ban's per-address behaviour. */
export function defaultPrefixPolicy(): PrefixPolicy {
  return { ban: { 4: 32, 6: 128 }, min: { ...DEFAULT_MIN_PREFIX }, escalate: {} };
}

/** A whole number in lo..hi, else an error naming the range. */
export function parsePrefixLength(text: string, lo: number, hi: number): number {
  const t = text.trim().replace(/^\//u, "");
  if (!/^\d{1,3}$/u.test(t) || Number(t) < lo || Number(t) > hi) throw new Error(`expected a prefix length from ${lo} to ${hi}`);
  return Number(t);
}

/**
 * `escalate4 = 3 / 24 / 1h`: count, prefix length, window (a time span, read by parseWindow).
 * The prefix must be shorter than the unit counted (banprefix) and no shorter than the minimum.
 */
export function parseEscalation(text: string, family: Family, policy: PrefixPolicy, parseWindow: (t: string) => number): Escalation {
  const parts = text.split("/").map((p) => p.trim());
  if (parts.length !== 3) throw new Error("expected COUNT / PREFIX / WINDOW, e.g. 3 / 24 / 1h");
  const [countText, plenText, windowText] = parts as [string, string, string];
  if (!/^\d+$/u.test(countText) || Number(countText) < 2) throw new Error("COUNT must be a whole number of at least 2");
  const unit = policy.ban[family];
  const plen = parsePrefixLength(plenText, policy.min[family], unit - 1);
  const window = parseWindow(windowText);
  if (!(window > 0)) throw new Error("WINDOW must be a positive time span");
  return { count: Number(countText), plen, window };
}

/** The network a failure of ip is counted and banned under (ip itself when banprefix is off). */
export function countingUnit(ip: IPAddr, policy: PrefixPolicy): IPAddr {
  return ip.truncate(Math.min(policy.ban[ip.family], ip.plen));
}

/** Why a network may not be banned under the minimum (minprefix4/6), or null when it may. */
export function belowMinimum(net: IPAddr, min: Record<Family, number>): string | null {
  const m = min[net.family];
  if (net.plen >= m) return null;
  return `prefix /${net.plen} is shorter than /${m}, the shortest allowed for IPv${net.family}`;
}

/** Whether two addresses or networks share any address (one holds the other). */
export function overlaps(a: IPAddr, b: IPAddr): boolean {
  return a.contains(b) || b.contains(a);
}
