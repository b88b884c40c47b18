// Test fixture: one f2b "host" at the src/cluster level — a real ban manager over a real SQLite
// database, a real ignore list and a firewall stand-in that keeps a set (tests/ban SetEffector),
// joined to a real Redis through the Cluster exactly as the server joins it.
import { belowMinimum, DEFAULT_MIN_PREFIX } from "../../src/net/prefix.ts";
import { parseIP } from "../../src/net/address.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BanManager } from "../../src/ban/ban-manager.ts";
import { Cluster } from "../../src/cluster/cluster.ts";
import type { ClusterConfig } from "../../src/cluster/config.ts";
import { bunRedis } from "../../src/cluster/redis-link.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { IgnoreList } from "../../src/jail/ignore.ts";
import { systemClock } from "../../src/system/clock.ts";
import { createCommandRunner } from "../../src/system/command.ts";
import { logFrom } from "../../src/system/log.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { levelName } from "../../src/server/log-format.ts";
import { SetEffector } from "../ban/helpers.ts";

export const KEY = Buffer.from("test-cluster-key-0123456789abcdef");

export function clusterCfg(hostid: string, url: string, o: Partial<ClusterConfig> = {}): ClusterConfig {
  return { url, hostid, share: null, prefix: "f2btest", key: KEY, jail: "cluster", maxlen: 100_000, maxage: 86400, peerlimit: 20_000, ...o };
}

export interface Host {
  name: string;
  bm: BanManager;
  eff: SetEffector;
  cluster: Cluster;
  db: F2bDatabase;
  dbFile: string;
  logs: string[];
  stop(): Promise<void>;
}

export interface HostOptions {
  ignoreip?: string[];
  /** The jail's minprefix4/6 (default /8 and /32). */
  minprefix?: { 4: number; 6: number };
  cfg?: Partial<ClusterConfig>;
  dbFile?: string;
  jail?: string;
  /** The ignore check fails this many times first (as a resolver or ignorecommand might). */
  ignoreFailures?: number;
}

export function startHost(name: string, url: string, o: HostOptions = {}): Host {
  const dbFile = o.dbFile ?? join(mkdtempSync(join(tmpdir(), `f2b-cl-${name}-`)), "f2b.sqlite3");
  const db = F2bDatabase.open(dbFile);
  const store = new SqliteBanStore(db);
  const eff = new SetEffector();
  const logs: string[] = [];
  const log = logFrom((l, m) => logs.push(`${levelName(l)} ${m}`));
  const jailName = o.jail ?? "sshd";
  const ignore = new IgnoreList(
    { jail: jailName, ignoreip: o.ignoreip ?? [], ignoreself: false },
    {
      clock: systemClock,
      resolver: tableResolver({}),
      localAddresses: { addresses: async () => [] },
      runner: createCommandRunner(),
      log,
    },
  );
  const bm = new BanManager({ jail: jailName, bantime: 600 }, { clock: systemClock, store, effector: eff, log });
  let failures = o.ignoreFailures ?? 0;
  const ignoredAmong = (ips: string[]): ReturnType<IgnoreList["ignoredAmong"]> => {
    if (failures > 0) {
      failures--;
      return Promise.reject(new Error("ignorecommand timed out"));
    }
    return ignore.ignoredAmong(ips);
  };
  const refusal = async (ip: string): Promise<string | null> => {
    const net = parseIP(ip);
    return net ? belowMinimum(net, o.minprefix ?? DEFAULT_MIN_PREFIX) : null;
  };
  const cluster = new Cluster(clusterCfg(name, url, o.cfg), {
    connect: bunRedis,
    clock: systemClock,
    log,
    db: db.db,
    jail: (n) => (n === jailName ? { name: n, ban: (t) => bm.ban(t), unban: (ip) => bm.unban(ip), ignoredAmong, refusal } : undefined),
  });
  bm.onChange((c) => cluster.onLocalChange(c));
  cluster.start();
  return {
    name,
    bm,
    eff,
    cluster,
    db,
    dbFile,
    logs,
    stop: async () => {
      await cluster.stop();
      bm.stop();
      db.close();
    },
  };
}

/** A ban decided on this host, as the jail decides one (failures counted, jail's bantime). */
export const localBan = (h: Host, ip: string, failures = 5): Promise<unknown> =>
  h.bm.ban({ jail: h.bm.jail, ip, time: Date.now() / 1000, failures, matches: [], banCount: 0, bantime: 600 });
