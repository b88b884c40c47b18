// One ban or unban as it travels through the stream, its canonical encoding and its signature.
// The encoding is a JSON array in a fixed order (no key order or whitespace left to chance), so
// every host computes the HMAC over the very same bytes; the version leads, so a later format
// is refused rather than misread.
import { createHmac, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export interface ClusterMessage {
  kind: "ban" | "unban";
  /** hostid of the host that decided it. */
  origin: string;
  /** Per origin, strictly increasing (replays and duplicates are dropped). */
  seq: number;
  jail: string;
  /** The ban record's address or network, canonical text (opaque here, checked on receipt). */
  address: string;
  /** Epoch seconds the ban counts from. */
  time: number;
  /** Epoch seconds it ends; -1 permanent (0 for unbans). */
  end: number;
  failures: number;
}

const VERSION = 1;
const DOMAIN = "f2b-cluster\n";

export function encode(m: ClusterMessage): string {
  return JSON.stringify([VERSION, m.kind, m.origin, m.seq, m.jail, m.address, m.time, m.end, m.failures]);
}

export function sign(payload: string, key: Buffer): string {
  return createHmac("sha256", key).update(DOMAIN).update(payload).digest("hex");
}

export type DecodeResult = { ok: true; msg: ClusterMessage } | { ok: false; why: "unsigned" | "bad-signature" | "malformed" };

/** Checks the signature first, then the shape; nothing of an unverified payload is looked at. */
export function verify(payload: string | undefined, sig: string | undefined, key: Buffer): DecodeResult {
  if (payload === undefined || !sig) return { ok: false, why: "unsigned" };
  const want = Buffer.from(sign(payload, key), "hex");
  const got = Buffer.from(/^[0-9a-f]{64}$/u.test(sig) ? sig : "", "hex");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, why: "bad-signature" };
  const msg = decode(payload);
  return msg ? { ok: true, msg } : { ok: false, why: "malformed" };
}

function decode(payload: string): ClusterMessage | null {
  let a: unknown;
  try {
    a = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a.length !== 9 || a[0] !== VERSION) return null;
  const [, kind, origin, seq, jail, address, time, end, failures] = a as unknown[];
  const num = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  if ((kind !== "ban" && kind !== "unban") || typeof origin !== "string" || typeof jail !== "string" || typeof address !== "string") return null;
  if (!num(seq) || !num(time) || !num(end) || !num(failures)) return null;
  return { kind, origin, seq, jail, address, time, end, failures };
}

/** Smallest network a peer may make this host ban (issue 15 brings per-host minimums). */
export const MIN_PREFIX = { v4: 8, v6: 32 } as const;

/** Why a received address is refused, or null: not an address or network, or a network wider
 *  than MIN_PREFIX (a peer must never make this host ban a /0). */
export function addressRefusal(address: string, min: { v4: number; v6: number } = MIN_PREFIX): string | null {
  const slash = address.indexOf("/");
  const ip = slash < 0 ? address : address.slice(0, slash);
  const fam = isIP(ip);
  if (fam === 0) return "not an address";
  if (slash < 0) return null;
  const bitsText = address.slice(slash + 1);
  const bits = /^\d{1,3}$/u.test(bitsText) ? Number(bitsText) : NaN;
  const max = fam === 4 ? 32 : 128;
  if (!(bits >= 0 && bits <= max)) return "bad prefix length";
  const least = fam === 4 ? min.v4 : min.v6;
  return bits < least ? `network wider than /${least}` : null;
}
