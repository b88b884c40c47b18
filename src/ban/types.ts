import type { UnbanActor } from "../api/insight.ts";
import type { BanHistory, BanTicket } from "../jail/types.ts";

export type { BanTicket } from "../jail/types.ts";

/** A ban as persisted (fail2ban's bans/bips row). */
export interface StoredBan {
  jail: string;
  ip: string;
  timeOfBan: number;
  /** Seconds, -1 permanent. */
  bantime: number;
  banCount: number;
  matches: string[];
  failures: number;
  data: Record<string, unknown>;
}

/** A manual unban: when and who asked. */
export interface BanLifted {
  at: number;
  by: UnbanActor;
}

/** Undo handle for a written ban, used when the firewall refuses it. */
export interface BanReceipt {
  withdraw(): void;
}

/**
 * Persistence the ban manager needs (implemented by src/db over SQLite). Synchronous on purpose:
 * a ban is durable when addBan returns, before any firewall change.
 */
export interface BanStore extends BanHistory {
  addJail(jail: string): void;
  /** Writes new bans (ban + per-ip history row each) and prolonged bantimes in one transaction;
   *  one undo handle per new ban. */
  saveBans(added: BanTicket[], prolonged: BanTicket[]): BanReceipt[];
  /** Forgets one ip or several (one transaction), or the whole jail when ip is omitted (fail2ban
   *  delBan): nothing is restored or counted for bantime.increment afterwards. `lifted`: the bans
   *  in force were lifted by hand, at that time by that actor (kept in the ban history). */
  removeBan(jail: string, ip?: string | string[], lifted?: BanLifted): void;
  /** Bans of a jail still in force at `now` (fail2ban getCurrentBans), newest per ip. */
  currentBans(jail: string, now: number, opts: { forbantime?: number | null; correctBanTime?: number | null; maxmatches?: number }): StoredBan[];
}

/**
 * The actions layer behind the ban manager. Every call is one batch (one firewall transaction
 * for the native backends); a rejected promise means the firewall did not change.
 */
export interface BanEffector {
  /** New bans and bans whose kernel timeout must grow (prolonged): each ticket's end applies. */
  ban(ts: BanTicket[]): Promise<void>;
  unban(jail: string, ips: string[]): Promise<void>;
}

/** A current ban; end is Infinity for permanent bans. */
export interface BanInfo {
  ip: string;
  time: number;
  bantime: number;
  banCount: number;
  end: number;
  ticket: BanTicket;
}

export type BanResult = "banned" | "already" | "prolonged" | "expired" | "failed";
export type UnbanResult = "unbanned" | "not-banned" | "failed";

/** What the firewall should contain (for the periodic reconcile). timeout: seconds left, null = permanent. */
export interface ExpectedBan {
  ip: string;
  timeout: number | null;
  ticket: BanTicket;
}

/** A ban that reached the firewall, or a manual unban (not expiries): what src/cluster publishes. */
export type BanChange =
  | { kind: "ban"; jail: string; ticket: BanTicket }
  /** A current ban given a later end; `ticket` is the ban as it now stands, its origin that of the ticket that prolonged it. */
  | { kind: "prolong"; jail: string; ticket: BanTicket }
  | { kind: "unban"; jail: string; ip: string };
