import { normalizeIP, parseIP } from "../net/address.ts";
import { parseTime } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import type { IncrementOptions } from "./increment.ts";
import type { Clock } from "../system/clock.ts";
import type { BanIndex } from "./ban-index.ts";
import type { BanReport } from "./ban-report.ts";
import { type BanEntry, entryOf } from "./ban-state.ts";
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

/** The ignore check of restore (deps of the ban manager): ignoredAmong asks once for all ips, isIgnored once per ip. */
export interface RestoreIgnore {
  isIgnored?: (ip: string) => Promise<boolean>;
  ignoredAmong?: (ips: string[]) => Promise<{ has(ip: string): boolean }>;
}

/**
 * fail2ban restoreCurrentBans: adds the restorable stored bans the jail does not hold yet to its
 * index as "active" and hands them to the firewall as one batch. Ignored ips are skipped and logged
 * ("Ignore <ip> by restore (ignoreip)"). The index is asked again right before each add, as a ticket
 * may have banned the ip while the ignore check ran. A refusal of the firewall is logged; the bans
 * stay stored and listed so the periodic reconcile re-applies them. Returns the entries added.
 */
export async function restoreFromStore(
  cfg: RestoreConfig,
  deps: RestoreIgnore & { store: BanStore; clock: Clock; effector: BanEffector },
  index: BanIndex,
  report: BanReport,
): Promise<BanEntry[]> {
  const fresh = restorableTickets(cfg, deps.store, deps.clock.now()).filter((t) => !index.has(t.ip));
  const ignored = deps.ignoredAmong ? await deps.ignoredAmong(fresh.map((t) => t.ip)) : null;
  const restored: BanEntry[] = [];
  for (const t of fresh) {
    if (index.has(t.ip)) continue;
    if (ignored ? ignored.has(t.ip) : deps.isIgnored && (await deps.isIgnored(t.ip))) {
      report.log("info", `Ignore ${t.ip} by restore (ignoreip)`);
      continue;
    }
    const e = entryOf(t, "active");
    index.add(e);
    restored.push(e);
  }
  if (!restored.length) return restored;
  try {
    await deps.effector.ban(restored.map((e) => e.ticket));
  } catch (err) {
    report.log("error", `Failed to restore ${restored.length} bans into the firewall: ${(err as Error).message}`);
  }
  return restored;
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
