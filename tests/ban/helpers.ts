import { mkdtempSync } from "node:fs";
import { logFrom } from "../../src/system/log.ts";
import { levelName } from "../../src/server/log-format.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BanManager, type BanManagerConfig } from "../../src/ban/ban-manager.ts";
import type { BanEffector, BanStore } from "../../src/ban/types.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { FakeClock } from "../../src/system/clock.ts";
import type { BanTicket } from "../../src/jail/types.ts";

export const T0 = 1_700_000_000;

/** Stand-in for the firewall: keeps a set like a kernel set would, can be told to refuse. */
export class SetEffector implements BanEffector {
  readonly set = new Map<string, BanTicket>();
  refuseBan = false;
  refuseUnban = false;
  onBan?: (t: BanTicket) => void;
  calls: string[] = [];
  /** Tickets of each ban call: one entry per batch. */
  batches: BanTicket[][] = [];
  async ban(ts: BanTicket[]): Promise<void> {
    this.batches.push(ts);
    for (const t of ts) this.calls.push(`ban ${t.ip}`);
    for (const t of ts) this.onBan?.(t);
    if (this.refuseBan) throw new Error("nft: Operation not permitted");
    for (const t of ts) this.set.set(t.ip, t);
  }
  async unban(_jail: string, ips: string[]): Promise<void> {
    for (const ip of ips) this.calls.push(`unban ${ip}`);
    if (this.refuseUnban) throw new Error("nft: busy");
    for (const ip of ips) this.set.delete(ip);
  }
}

export interface Rig {
  clock: FakeClock;
  db: F2bDatabase;
  store: SqliteBanStore;
  eff: SetEffector;
  bm: BanManager;
  logs: string[];
  file: string;
}

export function rig(cfg: Partial<BanManagerConfig> = {}, file = join(mkdtempSync(join(tmpdir(), "f2b-ban-")), "f2b.sqlite3"), clock = new FakeClock(T0)): Rig {
  const db = F2bDatabase.open(file);
  const store = new SqliteBanStore(db);
  const eff = new SetEffector();
  const logs: string[] = [];
  const bm = new BanManager(
    { jail: "sshd", bantime: 600, ...cfg },
    {
      clock,
      store: store as BanStore,
      effector: eff,
      log: logFrom((l, m) => logs.push(`${levelName(l)} ${m}`)),
    },
  );
  return { clock, db, store, eff, bm, logs, file };
}

export const ticket = (ip: string, time: number, o: Partial<BanTicket> = {}): BanTicket => ({
  jail: "sshd",
  ip,
  time,
  failures: 3,
  matches: ["a", "b", "c"],
  banCount: 0,
  bantime: 600,
  ...o,
});

/** Lets promise callbacks scheduled by timers run. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
