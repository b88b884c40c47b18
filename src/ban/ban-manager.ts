import type { Clock } from "../system/clock.ts";
import { normalizeIP, parseIP } from "../net/address.ts";
import { secondsToStr } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import type { Log } from "../system/log.ts";
import type { EventRecorder, UnbanActor } from "../api/insight.ts";
import { BatchQueue } from "./ban-batch.ts";
import { applyBanBatch, type NewBan } from "./ban-apply.ts";
import { BanIndex } from "./ban-index.ts";
import { BanReport } from "./ban-report.ts";
import { type RemovalContext, removeFromFirewall } from "./ban-removal.ts";
import { type BanEntry, dueOf, endOf, entryOf, STATE_RULES } from "./ban-state.ts";
import { ExpirySchedule } from "./expiry-schedule.ts";
import { incrementFromHistory, makeBanTimeCalculator, type IncrementOptions } from "./increment.ts";
import { RestoreLog, restoreFromStore } from "./restore.ts";
import type { BanChange, BanEffector, BanInfo, BanResult, BanStore, ExpectedBan, UnbanResult } from "./types.ts";

export interface BanManagerConfig {
  jail: string;
  /** Seconds; -1 permanent. */
  bantime: number;
  increment?: IncrementOptions;
  /** Matches restored per ban (the jail's maxmatches). */
  maxmatches?: number;
}

export interface BanManagerDeps {
  clock: Clock;
  store: BanStore;
  effector: BanEffector;
  /** The server's "actions" logger (fail2ban logs bans as fail2ban.actions). */
  log: Log;
  /** ignoreip check applied to restored bans (fail2ban skips ignored ips on restore). */
  isIgnored?: (ip: string) => Promise<boolean>;
  /** The same check for all restored ips at once (IgnoreList.ignoredAmong); used instead of
   *  isIgnored by restore(), which then need not wait once per ip (100,000 bans). */
  ignoredAmong?: (ips: string[]) => Promise<{ has(ip: string): boolean }>;
  random?: () => number;
  /** The event log (bans, unbans, prolongs, restores, errors). Optional only so the ban manager's
   *  unit tests need none; the server always gives it (JailDeps.events is required). */
  events?: EventRecorder;
}

/**
 * Current bans of one jail. Each entry moves through the states of ban-state.ts ("applying" →
 * "active" → "removing"); what an operation does in each state is looked up there. New and
 * prolonged bans reach store and firewall in batches (ban-apply.ts), unbans leave through
 * ban-removal.ts, due times live in an ExpirySchedule, and restore.ts chooses what a start restores.
 */
export class BanManager {
  private readonly index = new BanIndex();
  private total = 0;
  private calc: (banTime: number, banCount: number) => number;
  private changed: ((c: BanChange) => void) | null = null;
  private readonly report: BanReport;
  private readonly schedule: ExpirySchedule;
  private readonly restoreLog: RestoreLog;
  private readonly batch: BatchQueue<NewBan, BanEntry>;
  private readonly removal: RemovalContext;

  constructor(
    private cfg: BanManagerConfig,
    private readonly deps: BanManagerDeps,
  ) {
    this.calc = makeBanTimeCalculator(cfg.increment ?? {}, deps.random);
    deps.store.addJail(cfg.jail);
    this.report = new BanReport(cfg.jail, deps);
    this.schedule = new ExpirySchedule(deps.clock, () => void this.expire());
    this.restoreLog = new RestoreLog((ip) => this.report.log("notice", `Restore Ban ${ip}`));
    const shared = { jail: cfg.jail, clock: deps.clock, store: deps.store, effector: deps.effector, index: this.index, report: this.report };
    const applied = (n: NewBan): void => {
      this.total++;
      this.scheduleEntry(n.entry);
      if (!n.restored) this.changed?.({ kind: "ban", jail: this.jail, ticket: n.entry.ticket });
    };
    this.batch = new BatchQueue((b) => applyBanBatch({ ...shared, applied }, b));
    this.removal = { ...shared, reschedule: (e) => this.scheduleEntry(e), restoreLogged: () => this.restoreLogged() };
  }

  get jail(): string {
    return this.cfg.jail;
  }

  /** Calls `fn` for every new ban once in the firewall and every manual unban (ban sharing). */
  onChange(fn: (c: BanChange) => void): void {
    this.changed = fn;
  }

  /** Applies new settings (`set JAIL bantime ...`); current bans keep their times. The jail's name stays. */
  configure(cfg: Partial<Omit<BanManagerConfig, "jail">>): void {
    this.cfg = { ...this.cfg, ...cfg };
    this.calc = makeBanTimeCalculator(this.cfg.increment ?? {}, this.deps.random);
  }

  /** fail2ban's evformula for (base bantime, previous ban count). */
  calcBanTime(banTime: number, banCount: number): number {
    return this.calc(banTime, banCount);
  }

  async ban(input: BanTicket): Promise<BanResult> {
    const ip = normalizeIP(input.ip);
    let old = this.index.get(ip);
    // A ticket arriving while this ip is being unbanned waits for that, then is taken afresh.
    while (old && STATE_RULES[old.state].ticket === "wait-for-removal" && old.removal) {
      await old.removal;
      old = this.index.get(ip);
    }
    const now = this.deps.clock.now();
    const base = input.fixedBantime ? input.bantime : this.cfg.bantime;
    if (old) return this.already(old, { ...input, ip }, base, now);
    const cover = this.index.coveringBan(ip);
    if (cover) {
      this.report.log("info", `${ip} already banned by ${cover}`);
      return "already";
    }
    const t: BanTicket = { ...input, ip, jail: this.cfg.jail, banCount: input.banCount + 1, bantime: base };
    // As fail2ban's addBanTicket: the expiry test uses the base bantime, before any increment.
    const expired = endOf(t.time, base) < now;
    if (!expired && !input.fixedBantime && !input.restored) {
      // As fail2ban: a history lookup that fails costs the increment, not the ban.
      try {
        incrementFromHistory(t, { ...this.cfg, calc: this.calc }, this.deps.store, (m) => this.report.log("notice", m));
      } catch (e) {
        this.report.log("error", `bantime.increment of ${ip} failed: ${(e as Error).message}`);
      }
    }
    const end = endOf(t.time, t.bantime);
    if (expired || end < now) {
      this.report.log("info", `Ignore ${ip}, expired bantime`);
      return "expired";
    }
    const entry = entryOf(t, "applying");
    this.index.add(entry);
    // A replayed failure (t.restored set by the increment) is not stored again but logged as a plain Ban.
    return new Promise((done) => this.batch.add({ entry, restored: !!input.restored, done }));
  }

  /** Changes decided but not yet confirmed by the effector (the backlog the reader waits on). */
  get backlog(): number {
    return this.batch.pending;
  }
  /** Resolves once the backlog is at most `limit`. */
  backlogBelow(limit: number): Promise<void> {
    return this.batch.below(limit);
  }
  /** Resolves once every decided ban and prolongation reached the effector (or failed). */
  settled(): Promise<void> {
    return this.batch.idle();
  }

  /** fail2ban Actions.__checkBan for a banned ip: "already banned" (level by the time since the
   *  ban); a later end of ban prolongs it, and the kernel timeout follows in the next batch. */
  private already(old: BanEntry, t: BanTicket, base: number, now: number): BanResult {
    const dif = t.time - old.time;
    this.report.log(dif < 3 ? "debug" : dif < 60 ? "notice" : "warning", `${t.ip} already banned`);
    const end = endOf(t.time, base);
    if (end <= old.end) return "already";
    // An entry still on its way to the firewall is prolonged too: if its batch has not gone out it
    // carries the new bantime itself, else the prolongation follows in the next batch.
    // fail2ban BanManager.addBanTicket: keep the original start, stretch the bantime.
    let btm = base;
    if (btm !== -1 && t.time - old.time > 0) btm += t.time - old.time;
    old.bantime = btm;
    old.end = endOf(old.time, btm);
    old.ticket = { ...old.ticket, bantime: btm, fixedBantime: true };
    const length = btm === -1 ? "permanent" : secondsToStr(btm);
    this.report.log("debug", `Prolong ban ${t.ip} to ${length} (${Math.round(old.end - now)}s left)`);
    this.report.event("prolong", t.ip, `prolonged to ${length} (${t.failures} failures)`);
    this.scheduleEntry(old);
    this.batch.prolong(old);
    const { origin: _was, ...data } = old.ticket.data ?? {};
    const origin = t.data?.["origin"];
    this.changed?.({
      kind: "prolong",
      jail: this.cfg.jail,
      ticket: { ...old.ticket, failures: t.failures, data: origin === undefined ? data : { ...data, origin } },
    });
    return "prolonged";
  }

  /** A manual unban; `by` is kept in the ban history and the event log. */
  async unban(ipText: string, by: UnbanActor = "server"): Promise<UnbanResult> {
    const ip = normalizeIP(ipText);
    const e = this.index.get(ip);
    const lifted = { at: this.deps.clock.now(), by };
    if (!e) {
      // fail2ban deletes the ip's records even when it is not banned right now.
      this.deps.store.removeBan(this.cfg.jail, ip, lifted);
      return "not-banned";
    }
    if (STATE_RULES[e.state].unban === "not-banned") return "not-banned";
    if (!(await removeFromFirewall(this.removal, [e], lifted))) return "failed";
    this.deps.store.removeBan(this.cfg.jail, ip, lifted);
    this.changed?.({ kind: "unban", jail: this.cfg.jail, ip });
    return "unbanned";
  }

  /** Unbans every ip (fail2ban unban --all) in one firewall change; returns how many were unbanned. */
  async unbanAll(by: UnbanActor = "server"): Promise<number> {
    const active = [...this.index.entries()].filter((e) => STATE_RULES[e.state].unban === "remove");
    const lifted = { at: this.deps.clock.now(), by };
    if (!active.length || !(await removeFromFirewall(this.removal, active, lifted))) return 0;
    this.deps.store.removeBan(
      this.cfg.jail,
      active.map((e) => e.ip),
      lifted,
    );
    for (const e of active) this.changed?.({ kind: "unban", jail: this.cfg.jail, ip: e.ip });
    return active.length;
  }

  /** The banned network (not the address itself) that holds ip, or null. */
  coveringBan(ip: string): string | null {
    return this.index.coveringBan(ip);
  }

  /**
   * Takes the bans inside net (not net itself) off the firewall and out of the current bans; their
   * database rows stay as history (subnet escalation: the network ban now covers them).
   */
  async retireInside(net: string): Promise<number> {
    const n = parseIP(net);
    if (!n) return 0;
    const inside = [...this.index.entries()].filter((e) => {
      const a = STATE_RULES[e.state].expireOrRetire === "remove" && e.ip !== net ? parseIP(e.ip) : null;
      return a !== null && n.contains(a);
    });
    if (!inside.length) return 0;
    this.report.log("info", `${inside.length} ban(s) inside ${net} leave the firewall, the network ban covers them: ${inside.map((e) => e.ip).join(", ")}`);
    return (await removeFromFirewall(this.removal, inside)) ? inside.length : 0;
  }

  private scheduleEntry(e: BanEntry): void {
    this.schedule.add(dueOf(e), e.ip);
  }

  /** Unbans what has run out; a refused unban is retried later, the ban is kept meanwhile. */
  async expire(): Promise<number> {
    const now = this.deps.clock.now();
    const due = new Set<BanEntry>();
    for (const key of this.schedule.takeDue(now)) {
      const e = this.index.get(key);
      // Stale queue entries (prolonged, unbanned, already handled) are skipped.
      if (e && STATE_RULES[e.state].expireOrRetire === "remove" && dueOf(e) <= now) due.add(e);
    }
    if (!due.size) return 0;
    return (await removeFromFirewall(this.removal, [...due])) ? due.size : 0;
  }

  /**
   * Takes over the current bans and counters of the manager this one replaces (reload), without
   * touching store or firewall; the old manager's timer is cancelled. Use instead of restore().
   */
  adoptFrom(prev: BanManager): void {
    prev.stop();
    const taken: BanEntry[] = [];
    for (const e of prev.index.entries()) {
      if (!STATE_RULES[e.state].adopted || this.index.has(e.ip)) continue;
      this.index.add(e);
      taken.push(e);
    }
    this.total += prev.total;
    this.schedule.addAll(taken.map((e) => ({ at: dueOf(e), key: e.ip })));
  }

  /** Re-applies still valid bans from the store after a start (fail2ban restoreCurrentBans). */
  async restore(): Promise<number> {
    const restored = await restoreFromStore(this.cfg, this.deps, this.index, this.report);
    this.total += restored.length;
    this.schedule.addAll(restored.map((e) => ({ at: e.end, key: e.ip })));
    this.restoreLog.add(restored.map((e) => e.ip));
    // One event per start, not one per ban: a restart may restore 100,000 of them.
    if (restored.length) this.report.event("restore", null, `restored ${restored.length} ban(s) from the database`);
    return restored.length;
  }

  /** Resolves once every "Restore Ban" line of restore() is logged. */
  restoreLogged(): Promise<void> {
    return this.restoreLog.done();
  }

  /** Cancels timers; bans stay in the store and the firewall (whether the firewall keeps them is the server's stopJail decision). */
  stop(): void {
    this.schedule.clear();
  }

  isBanned(ip: string): boolean {
    const e = this.index.get(normalizeIP(ip));
    return e !== undefined && STATE_RULES[e.state].banned;
  }
  /** Current bans ordered by end of ban (fail2ban getBanList ordered). */
  list(): BanInfo[] {
    return this.index.listed();
  }
  /** "Currently banned". */
  size(): number {
    return this.index.listedCount();
  }
  /** "Total banned" (since start, restored included as fail2ban counts them). */
  totalBanned(): number {
    return this.total;
  }

  /** Reconcile hook: every ban that should be in the firewall right now, with the seconds left. */
  expectedBans(): ExpectedBan[] {
    const now = this.deps.clock.now();
    return this.list()
      .filter((b) => b.end > now)
      .map((b) => ({ ip: b.ip, timeout: Number.isFinite(b.end) ? Math.max(1, Math.ceil(b.end - now)) : null, ticket: b.ticket }));
  }
}
