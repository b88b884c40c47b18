// The life of one current ban, as a table: which state an entry is in, what each operation does to
// it there, and the only moves between states. The ban manager asks this table instead of testing
// states itself, so a newcomer reads the rules here once (src/ban/README.md repeats the table).
import type { BanTicket } from "../jail/types.ts";
import type { BanInfo } from "./types.ts";

/**
 * - applying: decided, in the store, waiting for (or inside) the firewall batch (ban-batch.ts)
 * - active: in the firewall
 * - removing: an unban (manual, expiry, retire) is with the firewall
 */
export type BanState = "applying" | "active" | "removing";

/** What a new ticket for the same address does. */
export type OnTicket =
  /** "already banned"; a later end prolongs the entry (an applying one carries it in its own batch). */
  | "already-or-prolong"
  /** waits until the unban is done, then the ticket is taken afresh (usually a new ban). */
  | "wait-for-removal";
/** What a manual unban does: take it off the firewall, or answer "not-banned" and leave it be. */
export type OnUnban = "remove" | "not-banned";

export interface StateRules {
  ticket: OnTicket;
  /** Manual unban (`unban`, `unban --all`). */
  unban: OnUnban;
  /** Due in the expiry queue, or inside a network ban being escalated to (retireInside): taken off, or skipped. */
  expireOrRetire: "remove" | "skip";
  /** Taken over by the manager that replaces this one on reload. */
  adopted: boolean;
  /** Counted and listed as a current ban (list, size, expectedBans: the reconcile keeps it). */
  listed: boolean;
  /** isBanned: in the firewall with no unban under way. */
  banned: boolean;
  /** As a network ban, makes a new ticket for an address inside it "already banned". */
  covers: boolean;
}

export const STATE_RULES: Readonly<Record<BanState, StateRules>> = {
  applying: { ticket: "already-or-prolong", unban: "not-banned", expireOrRetire: "skip", adopted: false, listed: false, banned: false, covers: true },
  active: { ticket: "already-or-prolong", unban: "remove", expireOrRetire: "remove", adopted: true, listed: true, banned: true, covers: true },
  removing: { ticket: "wait-for-removal", unban: "not-banned", expireOrRetire: "skip", adopted: false, listed: true, banned: false, covers: false },
};

/** What happens to an entry: the firewall's answers and the start of an unban. */
export type BanStep = "applied" | "apply-refused" | "remove" | "removed" | "remove-refused";

/** The allowed moves; null: the entry leaves the current bans. Anything missing is a bug. */
const MOVES: Readonly<Record<BanState, Partial<Record<BanStep, BanState | null>>>> = {
  applying: { applied: "active", "apply-refused": null },
  active: { remove: "removing" },
  removing: { removed: null, "remove-refused": "active" },
};

/** The state after `step`, null when the entry leaves; throws on a move the table does not allow. */
export function nextState(from: BanState, step: BanStep): BanState | null {
  const to = MOVES[from][step];
  if (to === undefined) throw new Error(`ban state: "${step}" is not allowed in state "${from}"`);
  return to;
}

/** A current ban with its state. */
export interface BanEntry extends BanInfo {
  state: BanState;
  /** After a refused unban: not due again before this time. */
  retryAt?: number;
  /** The unban under way while "removing" (cleared once it settles): resolves true once the firewall let go. */
  removal?: Promise<boolean>;
}

/** End of a ban that starts at `time`: Infinity for a permanent one (bantime -1). */
export function endOf(time: number, bantime: number): number {
  return bantime === -1 ? Infinity : time + bantime;
}

/** A new entry for a ticket whose count and bantime are final. */
export function entryOf(t: BanTicket, state: BanState): BanEntry {
  return { ip: t.ip, time: t.time, bantime: t.bantime, banCount: t.banCount, end: endOf(t.time, t.bantime), ticket: t, state };
}

/** The time an entry is due to leave: its end, or later when a refused unban waits for its retry. */
export function dueOf(e: BanEntry): number {
  return Math.max(e.end, e.retryAt ?? -Infinity);
}
