// Host name → addresses for `usedns = yes|warn`. The filter needs an answer synchronously (as
// fail2ban does), so the system resolver asks getent(1) and caches answers like fail2ban
// (1000 names, 5 minutes), negative answers included.
import { spawnSync } from "node:child_process";
import { TtlCache } from "./filter-cache.ts";
import { normalizeAddress, CIDR_UNSPEC, parseIPv4, parseIPv6 } from "./filter-ip.ts";

export interface DnsResolver {
  /** Canonical IPv4/IPv6 addresses of a host name; [] when it does not resolve. */
  resolve(name: string): string[];
}

/** Resolver backed by the system's NSS (`getent ahosts NAME`), with fail2ban's cache. */
export function systemDnsResolver(now: () => number = () => Date.now() / 1000): DnsResolver {
  const cache = new TtlCache<string, string[]>(1000, 5 * 60, now);
  return {
    resolve(name: string): string[] {
      const hit = cache.get(name);
      if (hit) return hit;
      const ips = lookupWithGetent(name);
      cache.set(name, ips);
      return ips;
    },
  };
}

function lookupWithGetent(name: string): string[] {
  // "--" so a name beginning with "-" cannot be read as an option; no shell is involved
  const res = spawnSync("getent", ["ahosts", "--", name], { encoding: "utf8", timeout: 10_000 });
  if (res.status !== 0 || !res.stdout) return [];
  const out = new Set<string>();
  for (const line of res.stdout.split("\n")) {
    const addr = line.split(/\s+/, 1)[0] ?? "";
    if (parseIPv4(addr) !== null || parseIPv6(addr) !== null) out.add(normalizeAddress(addr, CIDR_UNSPEC));
  }
  return [...out];
}

/** Resolver answering from a fixed table (tests, offline tools). */
export function staticDnsResolver(table: Record<string, string[]>): DnsResolver {
  return { resolve: (name) => table[name] ?? [] };
}
