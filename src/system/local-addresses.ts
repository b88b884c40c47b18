// This host's own addresses, for `ignoreself`. fail2ban (DNSUtils.getSelfIPs) resolves the names
// "localhost", the short host name and the fully-qualified one; f2b also adds 127.0.0.1, ::1 and
// every interface address, so a host whose name resolves to 127.0.0.1 only (Debian's default
// /etc/hosts) still never bans its own public address. Cached 5 minutes like fail2ban's answer.
import { hostname, networkInterfaces } from "node:os";
import type { Clock } from "./clock.ts";
import type { Log } from "./log.ts";
import type { Resolver } from "./resolver.ts";

export interface LocalAddresses {
  /** The addresses as written by the system (not canonicalised); the same array while cached. */
  addresses(): Promise<readonly string[]>;
}

const CACHE_SEC = 5 * 60;

export interface LocalAddressesDeps {
  clock: Clock;
  resolver: Resolver;
  log: Log;
}

export function systemLocalAddresses(deps: LocalAddressesDeps): LocalAddresses {
  let cached: { until: number; ips: readonly string[] } | null = null;
  let pending: Promise<readonly string[]> | null = null;
  const collect = async (): Promise<readonly string[]> => {
    const out = new Set<string>(["127.0.0.1", "::1"]);
    try {
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
    } catch (e) {
      deps.log.warning(`Retrieving own interface addresses failed: ${(e as Error).message}`);
    }
    const names = new Set(["localhost"]);
    try {
      const own = hostname();
      if (own) names.add(own);
    } catch (e) {
      deps.log.warning(`Retrieving own hostnames failed: ${(e as Error).message}`);
    }
    for (const name of names) for (const ip of await deps.resolver.resolve(name)) out.add(ip);
    return [...out];
  };
  return {
    async addresses() {
      const now = deps.clock.now();
      if (cached && cached.until > now) return cached.ips;
      pending ??= collect().finally(() => (pending = null));
      const ips = await pending;
      cached = { until: now + CACHE_SEC, ips };
      return ips;
    },
  };
}
