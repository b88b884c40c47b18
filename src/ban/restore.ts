import { normalizeIP } from "../jail/ipaddr.ts";
import { parseTime } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import type { BanManagerConfig } from "./ban-manager.ts";
import type { BanEffector, BanStore } from "./types.ts";

/**
 * The stored bans a jail takes back at start, as fail2ban's restoreCurrentBans chooses them:
 * without bantime.increment only bans younger than the jail's bantime, capped to it; with it,
 * all still running bans, capped to bantime.maxtime when set. Permanent stays permanent otherwise.
 */
export function restorableTickets(cfg: BanManagerConfig, store: BanStore, now: number): BanTicket[] {
  const inc = cfg.increment?.increment;
  const maxtime = inc ? (maxTimeOf(cfg) ?? -1) : cfg.bantime;
  const rows = store.currentBans(cfg.jail, now, {
    forbantime: inc ? null : cfg.bantime,
    correctBanTime: maxtime === -1 ? null : maxtime,
    maxmatches: cfg.maxmatches ?? 5,
  });
  return rows.map((r) => ({
    jail: cfg.jail, ip: normalizeIP(r.ip), time: r.timeOfBan, failures: r.failures, matches: r.matches, banCount: r.banCount,
    bantime: r.bantime, fixedBantime: true, restored: true, ...(Object.keys(r.data).length ? { data: r.data } : {}),
  }));
}

function maxTimeOf(cfg: BanManagerConfig): number | null {
  const m = cfg.increment?.maxtime;
  if (m === undefined || m === "") return null;
  return typeof m === "number" ? m : parseTime(m);
}

/** Hands restored bans to the firewall as one batch. A refusal is logged; the bans stay stored
 *  and listed so the periodic reconcile re-applies them. */
export async function applyRestored(eff: BanEffector, tickets: BanTicket[], logError: (msg: string) => void): Promise<void> {
  if (!tickets.length) return;
  try { await eff.ban(tickets); } catch (err) {
    logError(`Failed to restore ${tickets.length} bans into the firewall: ${(err as Error).message}`);
  }
}
