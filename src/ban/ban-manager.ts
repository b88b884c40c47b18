import type { Clock, Timer } from "../system/clock.ts";
import { normalizeIP } from "../jail/ipaddr.ts";
import { secondsToStr, time2str } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import { ExpiryQueue } from "./expiry-queue.ts";
import { applyRestored, restorableTickets } from "./restore.ts";
import { makeBanTimeCalculator, type IncrementOptions } from "./increment.ts";
import type { BanEffector, BanLog, BanStore } from "./types.ts";

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
  log?: BanLog;
  /** ignoreip check applied to restored bans (fail2ban skips ignored ips on restore). */
  isIgnored?: (ip: string) => Promise<boolean>;
  /** The same check for all restored ips at once (IgnoreList.ignoredAmong); used instead of
   *  isIgnored by restore(), which then need not wait once per ip (100,000 bans). */
  ignoredAmong?: (ips: string[]) => Promise<{ has(ip: string): boolean }>;
  random?: () => number;
}

export type BanResult = "banned" | "already" | "prolonged" | "expired" | "failed";
export type UnbanResult = "unbanned" | "not-banned" | "failed";

/** A current ban; end is Infinity for permanent bans. */
export interface BanInfo { ip: string; time: number; bantime: number; banCount: number; end: number; ticket: BanTicket }
/** What the firewall should contain (for the periodic reconcile). timeout: seconds left, null = permanent. */
export interface ExpectedBan { ip: string; timeout: number | null; ticket: BanTicket }

type State = "applying" | "active" | "removing";
interface Entry extends BanInfo { state: State; retryAt?: number; removal?: Promise<boolean> }

const UNBAN_RETRY = 30;
/** "Restore Ban" lines written in one go (~5-20 ms) before other work gets a turn. */
const RESTORE_LOG_CHUNK = 1000;

/**
 * Current bans of one jail. A ban is written to the store before the effector applies it and
 * withdrawn if the effector refuses; a manual unban's record stays until the effector confirms.
 */
export class BanManager {
  private bans = new Map<string, Entry>();
  private total = 0;
  private timer: Timer | null = null;
  private timerAt = Infinity;
  private readonly queue = new ExpiryQueue();
  private calc: (banTime: number, banCount: number) => number;
  private restoreLogging: Promise<void> | null = null;

  constructor(private cfg: BanManagerConfig, private readonly deps: BanManagerDeps) {
    this.calc = makeBanTimeCalculator(cfg.increment ?? {}, deps.random);
    deps.store.addJail(cfg.jail);
  }

  get jail(): string { return this.cfg.jail; }

  /** Applies new settings (reload); current bans keep their times. */
  configure(cfg: Partial<BanManagerConfig>): void {
    this.cfg = { ...this.cfg, ...cfg };
    this.calc = makeBanTimeCalculator(this.cfg.increment ?? {}, this.deps.random);
  }

  /** fail2ban's evformula for (base bantime, previous ban count). */
  calcBanTime(banTime: number, banCount: number): number { return this.calc(banTime, banCount); }

  private log(level: Parameters<BanLog>[0], msg: string): void { this.deps.log?.(level, `[${this.cfg.jail}] ${msg}`); }
  private endOf(time: number, bantime: number): number { return bantime === -1 ? Infinity : time + bantime; }

  async ban(input: BanTicket): Promise<BanResult> {
    const now = this.deps.clock.now();
    const ip = normalizeIP(input.ip);
    const base = input.fixedBantime ? input.bantime : this.cfg.bantime;
    const old = this.bans.get(ip);
    // A ticket arriving while this ip is being unbanned waits for that, then bans afresh.
    if (old?.state === "removing" && old.removal) {
      await old.removal;
      return this.ban(input);
    }
    if (old) return this.already(old, { ...input, ip }, base, now);
    const t: BanTicket = { ...input, ip, jail: this.cfg.jail, banCount: input.banCount + 1, bantime: base };
    // As fail2ban's addBanTicket: the expiry test uses the base bantime, before any increment.
    const expired = this.endOf(t.time, base) < now;
    if (!expired && !input.fixedBantime && !input.restored) {
      // As fail2ban: a history lookup that fails costs the increment, not the ban.
      try { this.applyIncrement(t); } catch (e) { this.log("error", `bantime.increment of ${ip} failed: ${(e as Error).message}`); }
    }
    const end = this.endOf(t.time, t.bantime);
    if (expired || end < now) {
      this.log("info", `Ignore ${ip}, expired bantime`);
      return "expired";
    }
    const entry: Entry = { ip, time: t.time, bantime: t.bantime, banCount: t.banCount, end, ticket: t, state: "applying" };
    this.bans.set(ip, entry);
    let receipt: { withdraw(): void } | null = null;
    try {
      if (!t.restored) receipt = this.deps.store.addBan(t);
    } catch (e) {
      this.bans.delete(ip);
      this.log("error", `Failed to store ban of ${ip}, not banned: ${(e as Error).message}`);
      return "failed";
    }
    try {
      await this.deps.effector.ban(t);
    } catch (e) {
      this.bans.delete(ip);
      try { receipt?.withdraw(); } catch (we) { this.log("error", `Failed to withdraw stored ban of ${ip}: ${(we as Error).message}`); }
      this.log("error", `Failed to execute ban jail '${this.cfg.jail}' ip ${ip}: ${(e as Error).message}`);
      return "failed";
    }
    entry.state = "active";
    this.total++;
    // A replayed failure (t.restored set by applyIncrement) is logged as a plain Ban, like fail2ban.
    this.log("notice", `${input.restored ? "Restore " : ""}Ban ${ip}`);
    this.schedule(entry);
    return "banned";
  }

  /** fail2ban observer.incrBanTime: raise count and bantime from the ip's ban history. */
  private applyIncrement(t: BanTicket): void {
    const inc = this.cfg.increment;
    if (!inc?.increment || !(t.bantime > 0)) return;
    const last = this.deps.store.lastBan(t.ip, inc.overalljails ? null : this.cfg.jail);
    if (!last) return;
    if (last.banCount >= t.banCount) t.banCount = last.banCount + 1;
    const org = t.bantime;
    if (last.banCount > 0) t.bantime = this.calc(org, last.banCount);
    if (t.time > last.timeOfBan) {
      if (t.bantime !== org) {
        const [bt, till] = t.bantime === -1 ? ["permanent", "infinite"] : [secondsToStr(t.bantime), time2str(t.time + t.bantime)];
        this.log("notice", `Increase Ban ${t.ip} (${t.banCount} # ${bt} -> ${till})`);
      }
    } else {
      // Same failures read again (e.g. log re-read after restart): already in the store.
      t.restored = true;
    }
  }

  private async already(old: Entry, t: BanTicket, base: number, now: number): Promise<BanResult> {
    const end = this.endOf(t.time, base);
    if (old.state !== "active" || end <= old.end) {
      const dif = t.time - old.time;
      this.log(dif < 3 ? "debug" : dif < 60 ? "notice" : "warning", `${t.ip} already banned`);
      return "already";
    }
    // fail2ban BanManager prolong: keep the original start, stretch the bantime.
    let btm = base;
    if (btm !== -1 && t.time - old.time > 0) btm += t.time - old.time;
    const prev = { bantime: old.bantime, end: old.end };
    old.bantime = btm;
    old.end = this.endOf(old.time, btm);
    old.ticket = { ...old.ticket, bantime: btm, fixedBantime: true };
    try {
      this.deps.store.addBan(old.ticket);
      await this.deps.effector.ban(old.ticket);
    } catch (e) {
      this.log("error", `Failed to prolong ban of ${t.ip}: ${(e as Error).message}`);
      Object.assign(old, prev);
      old.ticket = { ...old.ticket, bantime: prev.bantime };
      return "already";
    }
    this.log("info", `Prolong ban ${t.ip} to ${btm === -1 ? "permanent" : secondsToStr(btm)} (${Math.round(old.end - now)}s left)`);
    this.schedule(old);
    return "prolonged";
  }

  async unban(ipText: string): Promise<UnbanResult> {
    const ip = normalizeIP(ipText);
    const e = this.bans.get(ip);
    if (!e || e.state !== "active") {
      // fail2ban deletes the ip's records even when it is not banned right now.
      if (!e) this.deps.store.removeBan(this.cfg.jail, ip);
      return "not-banned";
    }
    if (!(await this.removeFromFirewall(e))) return "failed";
    this.deps.store.removeBan(this.cfg.jail, ip);
    return "unbanned";
  }

  /** Unbans every ip (fail2ban unban --all); returns how many were unbanned. */
  async unbanAll(): Promise<number> {
    let n = 0;
    for (const ip of [...this.bans.keys()]) if ((await this.unban(ip)) === "unbanned") n++;
    return n;
  }

  private removeFromFirewall(e: Entry): Promise<boolean> {
    e.removal = this.doRemove(e).finally(() => { delete e.removal; });
    return e.removal;
  }

  private async doRemove(e: Entry): Promise<boolean> {
    e.state = "removing";
    try {
      await this.deps.effector.unban(this.cfg.jail, e.ip);
    } catch (err) {
      e.state = "active";
      e.retryAt = this.deps.clock.now() + UNBAN_RETRY;
      this.log("error", `Failed to execute unban jail '${this.cfg.jail}' ip ${e.ip}: ${(err as Error).message}`);
      this.schedule(e);
      return false;
    }
    await this.restoreLogged();
    this.bans.delete(e.ip);
    this.log("notice", `Unban ${e.ip}`);
    return true;
  }

  private dueOf(e: Entry): number { return Math.max(e.end, e.retryAt ?? -Infinity); }

  /** Queues the entry's due time and keeps one clock timer armed for the earliest. */
  private schedule(e: Entry): void {
    this.queue.push(this.dueOf(e), e.ip);
    this.armTimer();
  }

  private armTimer(): void {
    const at = this.queue.peek();
    if (at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = at;
    if (Number.isFinite(at)) {
      this.timer = this.deps.clock.setTimer(at, () => { this.timer = null; this.timerAt = Infinity; void this.expire(); });
    }
  }

  /** Unbans what has run out; a refused unban is retried later, the ban is kept meanwhile. */
  async expire(): Promise<number> {
    const now = this.deps.clock.now();
    const due: Entry[] = [];
    const seen = new Set<string>();
    for (const { key } of this.queue.popDue(now)) {
      const e = this.bans.get(key);
      // Stale queue entries (prolonged, unbanned, already handled) are skipped.
      if (!e || e.state !== "active" || seen.has(key) || this.dueOf(e) > now) continue;
      seen.add(key);
      due.push(e);
    }
    this.armTimer();
    let n = 0;
    for (const e of due) if (await this.removeFromFirewall(e)) n++;
    return n;
  }

  /**
   * Takes over the current bans and counters of the manager this one replaces (reload), without
   * touching store or firewall; the old manager's timer is cancelled. Use instead of restore().
   */
  adoptFrom(prev: BanManager): void {
    prev.stop();
    for (const [ip, e] of prev.bans) {
      if (e.state !== "active" || this.bans.has(ip)) continue;
      this.bans.set(ip, e);
      this.queue.push(this.dueOf(e), ip);
    }
    this.total += prev.total;
    this.armTimer();
  }

  /** Re-applies still valid bans from the store after a start (fail2ban restoreCurrentBans). */
  async restore(): Promise<number> {
    const restored: Entry[] = [];
    const tickets = restorableTickets(this.cfg, this.deps.store, this.deps.clock.now()).filter((t) => !this.bans.has(t.ip));
    const { ignoredAmong, isIgnored } = this.deps;
    const ignored = ignoredAmong ? await ignoredAmong(tickets.map((t) => t.ip)) : null;
    for (const t of tickets) {
      if (this.bans.has(t.ip)) continue;
      if (ignored ? ignored.has(t.ip) : isIgnored && (await isIgnored(t.ip))) { this.log("info", `Ignore ${t.ip} by restore (ignoreip)`); continue; }
      const e: Entry = { ip: t.ip, time: t.time, bantime: t.bantime, banCount: t.banCount, end: this.endOf(t.time, t.bantime), ticket: t, state: "active" };
      this.bans.set(t.ip, e);
      restored.push(e);
    }
    await applyRestored(this.deps.effector, restored.map((e) => e.ticket), (m) => this.log("error", m));
    this.total += restored.length;
    for (const e of restored) this.queue.push(e.end, e.ip);
    this.armTimer();
    this.logRestored(restored.map((e) => e.ip));
    return restored.length;
  }

  /**
   * fail2ban's "Restore Ban <ip>" line per restored ban (tools read them). 100,000 lines take
   * 0.5-2 s to write, so past the first chunk they follow in chunks with a pause for other work in
   * between: the server comes up meanwhile (fail2ban, too, logs them from its actions thread after
   * the jail started). An unban waits for them, so a "Restore Ban" never follows its "Unban".
   */
  private logRestored(ips: string[]): void {
    const logChunk = (from: number): void => {
      for (const ip of ips.slice(from, from + RESTORE_LOG_CHUNK)) this.log("notice", `Restore Ban ${ip}`);
    };
    if (!this.restoreLogging) logChunk(0);
    if (ips.length <= RESTORE_LOG_CHUNK && !this.restoreLogging) return;
    const prev = this.restoreLogging;
    const done: Promise<void> = (async () => {
      await prev;
      for (let i = prev ? 0 : RESTORE_LOG_CHUNK; i < ips.length; i += RESTORE_LOG_CHUNK) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        logChunk(i);
      }
    })().finally(() => { if (this.restoreLogging === done) this.restoreLogging = null; });
    this.restoreLogging = done;
  }

  /** Resolves once every "Restore Ban" line of restore() is logged. */
  async restoreLogged(): Promise<void> { while (this.restoreLogging) await this.restoreLogging; }

  /** Cancels timers; bans stay in the store and the firewall (lead decides about stop policy). */
  stop(): void { this.timer?.cancel(); this.timer = null; this.timerAt = Infinity; this.queue.clear(); }

  isBanned(ip: string): boolean { return this.bans.get(normalizeIP(ip))?.state === "active"; }
  /** Current bans ordered by end of ban (fail2ban getBanList ordered). */
  list(): BanInfo[] {
    return [...this.bans.values()].filter((e) => e.state !== "applying")
      .map(({ ip, time, bantime, banCount, end, ticket }) => ({ ip, time, bantime, banCount, end, ticket }))
      .sort((a, b) => a.end - b.end);
  }
  /** "Currently banned". */
  size(): number {
    let n = 0;
    for (const e of this.bans.values()) if (e.state !== "applying") n++;
    return n;
  }
  /** "Total banned" (since start, restored included as fail2ban counts them). */
  totalBanned(): number { return this.total; }

  /** Reconcile hook: every ban that should be in the firewall right now, with the seconds left. */
  expectedBans(): ExpectedBan[] {
    const now = this.deps.clock.now();
    return this.list().filter((b) => b.end > now)
      .map((b) => ({ ip: b.ip, timeout: Number.isFinite(b.end) ? Math.max(1, Math.ceil(b.end - now)) : null, ticket: b.ticket }));
  }
}
