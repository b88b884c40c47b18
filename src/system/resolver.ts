// Host name → addresses, one resolver with one cache for the whole daemon (fail2ban's
// DNSUtils.dnsToIp: 1000 names, 5 minutes, unresolvable names cached too). Both faces ask NSS
// through getent(1), so /etc/hosts, nsswitch and DNS answer exactly as they do for fail2ban's
// getaddrinfo; the async face is for the ignore list, the blocking one for the filter's
// `usedns`, which (as in fail2ban) needs the answer before the line is done.
import { spawnSync } from "node:child_process";
import { parseIP } from "../net/address.ts";
import type { Clock } from "./clock.ts";
import type { CommandRunner } from "./command.ts";
import type { Log } from "./log.ts";
import { TtlCache } from "./ttl-cache.ts";

export interface Resolver {
  /** The name's IPv4 and IPv6 addresses as the system prints them; [] when it does not resolve. */
  resolve(name: string): Promise<readonly string[]>;
  /** The same answer from the same cache, blocking the thread on a miss (up to 10 s). */
  resolveSync(name: string): readonly string[];
}

const CACHE_NAMES = 1000;
const CACHE_SEC = 5 * 60;
const TIMEOUT_MS = 10_000;
/** getent's exit code for "no such key": a name that does not resolve, not a failure. */
const NOT_FOUND = 2;

export interface ResolverDeps {
  clock: Clock;
  runner: CommandRunner;
  log: Log;
}

/** The system resolver: getent ahosts, one cache, concurrent lookups of a name share one process. */
export function systemResolver(deps: ResolverDeps): Resolver {
  const cache = new TtlCache<string, readonly string[]>(CACHE_NAMES, CACHE_SEC, () => deps.clock.now());
  const pending = new Map<string, Promise<readonly string[]>>();
  // "--" so a name beginning with "-" cannot be read as an option; no shell is involved
  const argv = (name: string): string[] => ["getent", "ahosts", "--", name];
  const answer = (name: string, code: number | null, stdout: string, stderr: string): readonly string[] => {
    const ips = code === 0 ? parseAhosts(stdout) : [];
    if (code !== 0) {
      const why = code === NOT_FOUND ? "no such name" : `getent exited with ${code}: ${stderr.trim()}`;
      deps.log.warning(`Unable to find a corresponding IP address for ${name}: ${why}`);
    }
    cache.set(name, ips);
    return ips;
  };
  return {
    resolve(name) {
      const hit = cache.get(name);
      if (hit) return Promise.resolve(hit);
      let p = pending.get(name);
      if (!p) {
        p = deps.runner
          .run(argv(name), { timeoutMs: TIMEOUT_MS })
          .then((r) => answer(name, r.code, r.stdout, r.stderr))
          .catch((e: unknown) => answer(name, null, "", (e as Error).message))
          .finally(() => pending.delete(name));
        pending.set(name, p);
      }
      return p;
    },
    resolveSync(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const r = spawnSync(argv(name)[0]!, argv(name).slice(1), { encoding: "utf8", timeout: TIMEOUT_MS });
      return answer(name, r.status, r.stdout ?? "", r.error?.message ?? r.stderr ?? "");
    },
  };
}

/** First column of `getent ahosts`, each address once, in the order given. */
function parseAhosts(stdout: string): string[] {
  const out = new Set<string>();
  for (const line of stdout.split("\n")) {
    const addr = line.split(/\s+/, 1)[0] ?? "";
    if (parseIP(addr) !== null) out.add(addr);
  }
  return [...out];
}

/** A resolver answering from a fixed table (unit tests, offline tools); never the daemon's. */
export function tableResolver(table: Record<string, readonly string[]>): Resolver {
  const look = (name: string): readonly string[] => table[name] ?? [];
  return { resolve: async (name) => look(name), resolveSync: look };
}
