import { normalizeIP, parseIP } from "../net/address.ts";
import { parseTime } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import type { IncrementOptions } from "./increment.ts";
import type { BanEffector, BanStore } from "./types.ts";

/** The jail's settings restore reads (a part of the ban manager's config; no import back to it). */
export interface RestoreConfig {
  jail: string;
  bantime: number;
  increment?: IncrementOptions;
  maxmatches?: number;
}

/**
 * The stored bans a jail takes back at start, as fail2ban's restoreCurrentBans chooses them:
 * without bantime.increment only bans younger than the jail's bantime, capped to it; with it,
 * all still running bans, capped to bantime.maxtime when set. Permanent stays permanent otherwise.
 */
export function restorableTickets(cfg: RestoreConfig, store: BanStore, now: number): BanTicket[] {
  const inc = cfg.increment?.increment;
  const maxtime = inc ? (maxTimeOf(cfg) ?? -1) : cfg.bantime;
  const rows = store.currentBans(cfg.jail, now, {
    forbantime: inc ? null : cfg.bantime,
    correctBanTime: maxtime === -1 ? null : maxtime,
    maxmatches: cfg.maxmatches ?? 5,
  });
  const tickets = rows.map(
    (r): BanTicket => ({
      jail: cfg.jail,
      ip: normalizeIP(r.ip),
      time: r.timeOfBan,
      failures: r.failures,
      matches: r.matches,
      banCount: r.banCount,
      bantime: r.bantime,
      fixedBantime: true,
      restored: true,
      ...(Object.keys(r.data).length ? { data: r.data } : {}),
    }),
  );
  return withoutCovered(tickets);
}

/** Drops bans inside a network ban restored with them: subnet escalation retired them, the
 *  network covers them (their rows stay as history). */
function withoutCovered(tickets: BanTicket[]): BanTicket[] {
  const nets = tickets.flatMap((t) => (t.ip.includes("/") ? (parseIP(t.ip) ?? []) : []));
  if (nets.length === 0) return tickets;
  return tickets.filter((t) => {
    const a = parseIP(t.ip);
    return !a || !nets.some((n) => n.plen < a.plen && n.contains(a));
  });
}

function maxTimeOf(cfg: RestoreConfig): number | null {
  const m = cfg.increment?.maxtime;
  if (m === undefined || m === "") return null;
  return typeof m === "number" ? m : parseTime(m);
}

/** Hands restored bans to the firewall as one batch. A refusal is logged; the bans stay stored
 *  and listed so the periodic reconcile re-applies them. */
export async function applyRestored(eff: BanEffector, tickets: BanTicket[], logError: (msg: string) => void): Promise<void> {
  if (!tickets.length) return;
  try {
    await eff.ban(tickets);
  } catch (err) {
    logError(`Failed to restore ${tickets.length} bans into the firewall: ${(err as Error).message}`);
  }
}

/** "Restore Ban" lines written in one go (~5-20 ms) before other work gets a turn. */
const RESTORE_LOG_CHUNK = 1000;

/**
 * fail2ban's "Restore Ban <ip>" line per restored ban (tools read them). 100,000 lines take
 * 0.5-2 s to write, so past the first chunk they follow in chunks with a pause for other work in
 * between: the server comes up meanwhile (fail2ban, too, logs them from its actions thread after
 * the jail started). An unban waits for them (done()), so a "Restore Ban" never follows its "Unban".
 */
export class RestoreLog {
  private pending: Promise<void> | null = null;

  constructor(private readonly line: (ip: string) => void) {}

  add(ips: string[]): void {
    const logChunk = (from: number): void => {
      for (const ip of ips.slice(from, from + RESTORE_LOG_CHUNK)) this.line(ip);
    };
    if (!this.pending) logChunk(0);
    if (ips.length <= RESTORE_LOG_CHUNK && !this.pending) return;
    const prev = this.pending;
    const done: Promise<void> = (async () => {
      await prev;
      for (let i = prev ? 0 : RESTORE_LOG_CHUNK; i < ips.length; i += RESTORE_LOG_CHUNK) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        logChunk(i);
      }
    })().finally(() => {
      if (this.pending === done) this.pending = null;
    });
    this.pending = done;
  }

  /** Resolves once every line added so far is logged. */
  async done(): Promise<void> {
    while (this.pending) await this.pending;
  }
}
