// Turning a matched failure's groups into failure ids, as fail2ban's findFailure does: an address
// group wins (canonicalised, optionally with <CIDR>), then a DNS name (resolved per usedns), then
// <F-ID>; a separate <F-ID> next to an address makes a "complex id" with the address kept as "ip".
import type { Log } from "../system/log.ts";
import type { Resolver } from "../system/resolver.ts";
import type { FailData } from "./filter-mlfid.ts";
import { CIDR_RAW, CIDR_UNSPEC, FAM_IPV4, FAM_IPV6, normalizeAddress, plainAddress } from "../net/failure-id.ts";

export type UseDns = "yes" | "warn" | "no" | "raw";

export interface IdContext {
  useDns: UseDns;
  returnRawHost: boolean;
  dns: Resolver;
  /** The filter's log (usedns = warn reports each lookup). */
  log: Log;
}

/** Result of id resolution: ids to report (null = pending, waiting for an id), or none at all. */
export type IdResult = { pending: true } | { pending: false; ids: string[] };

function cidrOf(fail: FailData, family: number): number {
  const c = fail["cidr"];
  if (c === null || c === undefined || c === "") return family;
  const n = Number.parseInt(String(c), 10);
  return Number.isNaN(n) ? family : n;
}

/**
 * Failure ids for `fail` (mutated: may gain "ip"); null when the match carries no id at all
 * (fail2ban logs "No group found" and skips that regex for the line).
 */
export function resolveIds(fail: FailData, hasMlfid: boolean, ctx: IdContext): IdResult | null {
  const defcidr = ctx.useDns === "raw" || ctx.returnRawHost ? CIDR_RAW : CIDR_UNSPEC;
  let cidr = defcidr;
  let raw = defcidr === CIDR_RAW;
  const fid = (fail["fid"] as string | null | undefined) ?? null;
  let ip: string | null;
  const ip4 = fail["ip4"] as string | null | undefined;
  const ip6 = fail["ip6"] as string | null | undefined;
  const dns = fail["dns"] as string | null | undefined;
  if (ip4 !== null && ip4 !== undefined) {
    ip = ip4;
    cidr = cidrOf(fail, FAM_IPV4);
    raw = true;
  } else if (ip6 !== null && ip6 !== undefined) {
    ip = ip6;
    cidr = cidrOf(fail, FAM_IPV6);
    raw = true;
  } else if (dns !== null && dns !== undefined) {
    ip = dns;
  } else {
    // the regex's own id groups are part of `fail`, so nothing else could provide one
    if (fid === null && !hasMlfid) return null;
    ip = fid;
    raw = true;
  }
  if (ip === null) return { pending: true };
  if (raw) {
    if (fid === null || fid === ip) return { pending: false, ids: [normalizeAddress(ip, cidr)] };
    fail["ip"] = normalizeAddress(ip, cidr);
    return { pending: false, ids: [normalizeAddress(fid, defcidr)] };
  }
  return { pending: false, ids: textToIps(ip, ctx) };
}

/** fail2ban DNSUtils.textToIp: a literal address, else (usedns yes/warn) the name's addresses. */
export function textToIps(text: string, ctx: IdContext): string[] {
  const plain = plainAddress(text);
  if (plain !== null) return [plain];
  if (ctx.useDns === "yes" || ctx.useDns === "warn") {
    const ips = [...new Set(ctx.dns.resolveSync(text).map((a) => normalizeAddress(a, CIDR_UNSPEC)))];
    if (ips.length && ctx.useDns === "warn") {
      ctx.log.warning(`Determined IP using DNS Lookup: ${text} = ${JSON.stringify(ips)}`);
    }
    return ips;
  }
  return [];
}
