import type { Clock, Timer } from "../system/clock.ts";
import { normalizeIP, parseIP } from "../net/address.ts";
import { secondsToStr, time2str } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import { BatchQueue, type Batch } from "./ban-batch.ts";
import { ExpiryQueue } from "./expiry-queue.ts";
import { applyRestored, restorableTickets, RestoreLog } from "./restore.ts";
import { makeBanTimeCalculator, type IncrementOptions } from "./increment.ts";
import type { Log } from "../system/log.ts";
import type { EventRecorder, UnbanActor } from "../api/insight.ts";
import type { BanEffector, BanLifted, BanReceipt, BanStore } from "./types.ts";

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

export type BanResult = "banned" | "already" | "prolonged" | "expired" | "failed";
export type UnbanResult = "unbanned" | "not-banned" | "failed";

/** A current ban; end is Infinity for permanent bans. */
export interface BanInfo {
  ip: string;
  time: number;
  bantime: number;
  banCount: number;
  end: number;
  ticket: BanTicket;
}
/** What the firewall should contain (for the periodic reconcile). timeout: seconds left, null = permanent. */
export interface ExpectedBan {
  ip: string;
  timeout: number | null;
  ticket: BanTicket;
}

/** A ban that reached the firewall, or a manual unban (not expiries): what src/cluster publishes. */
export type BanChange = { kind: "ban"; jail: string; ticket: BanTicket } | { kind: "unban"; jail: string; ip: string };

type State = "applying" | "active" | "removing";
interface Entry extends BanInfo {
  state: State;
  retryAt?: number;
  removal?: Promise<boolean>;
}
/** A new ban waiting for its batch; `restored`: logged as "Restore Ban". */
interface NewBan {
  entry: Entry;
  restored: boolean;
  done(r: BanResult): void;
}

const UNBAN_RETRY = 30;

/**
 * Current bans of one jail. A ban is written to the store before the effector applies it and
 * withdrawn if the effector refuses; a manual unban's record stays until the effector confirms.
 * Bans and prolonged bans decided in one turn of the event loop reach store and effector as one
 * batch (ban-batch.ts); expired bans leave the firewall as one batch too.
 */
/** "6/64" for a network ban's key, null for an address (or a raw id). */
function netLen(ip: string): string | null {
  if (!ip.includes("/")) return null;
  const n = parseIP(ip);
  return n ? `${n.family}/${n.plen}` : null;
}

export class BanManager {
  private bans = new Map<string, Entry>();
  /** How many network bans in `bans` have each family/prefix length ("6/64"), so an address inside
   *  one is found by one lookup per length in use (thousands of /64s stay cheap). */
  private netLens = new Map<string, number>();
  private total = 0;
  private timer: Timer | null = null;
  private timerAt = Infinity;
  private readonly queue = new ExpiryQueue();
  private calc: (banTime: number, banCount: number) => number;
  private readonly restoreLog = new RestoreLog((ip) => this.log("notice", `Restore Ban ${ip}`));
  private readonly batch = new BatchQueue<NewBan, Entry>((b) => this.applyBatch(b));
  private changed: ((c: BanChange) => void) | null = null;

  constructor(
    private cfg: BanManagerConfig,
    private readonly deps: BanManagerDeps,
  ) {
    this.calc = makeBanTimeCalculator(cfg.increment ?? {}, deps.random);
    deps.store.addJail(cfg.jail);
  }

  get jail(): string {
    return this.cfg.jail;
  }

  /** Calls `fn` for every new ban once in the firewall and every manual unban (ban sharing). */
  onChange(fn: (c: BanChange) => void): void {
    this.changed = fn;
  }

  /** Applies new settings (reload); current bans keep their times. */
  configure(cfg: Partial<BanManagerConfig>): void {
    this.cfg = { ...this.cfg, ...cfg };
    this.calc = makeBanTimeCalculator(this.cfg.increment ?? {}, this.deps.random);
  }

  /** fail2ban's evformula for (base bantime, previous ban count). */
  calcBanTime(banTime: number, banCount: number): number {
    return this.calc(banTime, banCount);
  }

  private log(level: "debug" | "info" | "notice" | "warning" | "error", msg: string): void {
    this.deps.log[level](`[${this.cfg.jail}] ${msg}`);
    if (level === "error") this.deps.events?.record({ kind: "error", jail: this.cfg.jail, message: msg });
  }
  private event(kind: "ban" | "restore" | "prolong" | "unban", ip: string | null, message: string, lifted?: BanLifted | "expired"): void {
    const ended =
      lifted === undefined
        ? undefined
        : lifted === "expired"
          ? { at: this.deps.clock.now(), how: "expired" as const }
          : { ...lifted, how: "unbanned" as const };
    this.deps.events?.record({ kind, jail: this.cfg.jail, ip, message, ...(ended ? { ended } : {}) });
  }
  private endOf(time: number, bantime: number): number {
    return bantime === -1 ? Infinity : time + bantime;
  }

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
    const cover = this.coveringBan(ip);
    if (cover) {
      this.log("info", `${ip} already banned by ${cover}`);
      return "already";
    }
    const t: BanTicket = { ...input, ip, jail: this.cfg.jail, banCount: input.banCount + 1, bantime: base };
    // As fail2ban's addBanTicket: the expiry test uses the base bantime, before any increment.
    const expired = this.endOf(t.time, base) < now;
    if (!expired && !input.fixedBantime && !input.restored) {
      // As fail2ban: a history lookup that fails costs the increment, not the ban.
      try {
        this.applyIncrement(t);
      } catch (e) {
        this.log("error", `bantime.increment of ${ip} failed: ${(e as Error).message}`);
      }
    }
    const end = this.endOf(t.time, t.bantime);
    if (expired || end < now) {
      this.log("info", `Ignore ${ip}, expired bantime`);
      return "expired";
    }
    const entry: Entry = { ip, time: t.time, bantime: t.bantime, banCount: t.banCount, end, ticket: t, state: "applying" };
    this.track(entry);
    // A replayed failure (t.restored set by applyIncrement) is not stored again but logged as a plain Ban.
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

  /** One store transaction, then one effector call, for everything decided since the last batch. */
  private async applyBatch({ added, prolonged }: Batch<NewBan, Entry>): Promise<void> {
    const live = prolonged.filter((e) => e.state === "active");
    const fail = (n: NewBan, receipt: BanReceipt | null, msg: string): void => {
      if (this.bans.get(n.entry.ip) === n.entry) this.untrack(n.entry.ip);
      try {
        receipt?.withdraw();
      } catch (we) {
        this.log("error", `Failed to withdraw stored ban of ${n.entry.ip}: ${(we as Error).message}`);
      }
      this.log("error", msg);
      n.done("failed");
    };
    const toStore = added.filter((n) => !n.entry.ticket.restored);
    let receipts: BanReceipt[];
    try {
      receipts = this.deps.store.saveBans(
        toStore.map((n) => n.entry.ticket),
        live.map((e) => e.ticket),
      );
    } catch (e) {
      for (const n of added) fail(n, null, `Failed to store ban of ${n.entry.ip}, not banned: ${(e as Error).message}`);
      for (const p of live) this.log("error", `Failed to store prolonged ban of ${p.ip}: ${(e as Error).message}`);
      return;
    }
    const receiptOf = new Map(toStore.map((n, i) => [n, receipts[i] ?? null]));
    try {
      await this.deps.effector.ban([...added.map((n) => n.entry.ticket), ...live.map((e) => e.ticket)]);
    } catch (e) {
      const why = (e as Error).message;
      for (const n of added) fail(n, receiptOf.get(n) ?? null, `Failed to execute ban jail '${this.cfg.jail}' ip ${n.entry.ip}: ${why}`);
      // The longer ban stays known here and in the store; reconcile re-adds it if the kernel drops it early.
      for (const p of live) this.log("error", `Failed to prolong ban of ${p.ip}: ${why}`);
      return;
    }
    for (const n of added) {
      n.entry.state = "active";
      this.total++;
      this.log("notice", `${n.restored ? "Restore " : ""}Ban ${n.entry.ip}`);
      this.event(n.restored ? "restore" : "ban", n.entry.ip, banMessage(n.entry.ticket));
      this.schedule(n.entry);
      if (!n.restored) this.changed?.({ kind: "ban", jail: this.cfg.jail, ticket: n.entry.ticket });
      n.done("banned");
    }
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

  /** fail2ban Actions.__checkBan for a banned ip: "already banned" (level by the time since the
   *  ban); a later end of ban prolongs it, and the kernel timeout follows in the next batch. */
  private already(old: Entry, t: BanTicket, base: number, now: number): BanResult {
    const dif = t.time - old.time;
    this.log(dif < 3 ? "debug" : dif < 60 ? "notice" : "warning", `${t.ip} already banned`);
    const end = this.endOf(t.time, base);
    if (end <= old.end) return "already";
    // An entry still on its way to the firewall is prolonged too: if its batch has not gone out it
    // carries the new bantime itself, else the prolongation follows in the next batch.
    // fail2ban BanManager.addBanTicket: keep the original start, stretch the bantime.
    let btm = base;
    if (btm !== -1 && t.time - old.time > 0) btm += t.time - old.time;
    old.bantime = btm;
    old.end = this.endOf(old.time, btm);
    old.ticket = { ...old.ticket, bantime: btm, fixedBantime: true };
    this.log("debug", `Prolong ban ${t.ip} to ${btm === -1 ? "permanent" : secondsToStr(btm)} (${Math.round(old.end - now)}s left)`);
    this.event("prolong", t.ip, `prolonged to ${btm === -1 ? "permanent" : secondsToStr(btm)} (${t.failures} failures)`);
    this.schedule(old);
    this.batch.prolong(old);
    return "prolonged";
  }

  /** A manual unban; `by` is kept in the ban history and the event log. */
  async unban(ipText: string, by: UnbanActor = "server"): Promise<UnbanResult> {
    const ip = normalizeIP(ipText);
    const e = this.bans.get(ip);
    const lifted = { at: this.deps.clock.now(), by };
    if (!e || e.state !== "active") {
      // fail2ban deletes the ip's records even when it is not banned right now.
      if (!e) this.deps.store.removeBan(this.cfg.jail, ip, lifted);
      return "not-banned";
    }
    if (!(await this.removeFromFirewall([e], lifted))) return "failed";
    this.deps.store.removeBan(this.cfg.jail, ip, lifted);
    this.changed?.({ kind: "unban", jail: this.cfg.jail, ip });
    return "unbanned";
  }

  /** Unbans every ip (fail2ban unban --all) in one firewall change; returns how many were unbanned. */
  async unbanAll(by: UnbanActor = "server"): Promise<number> {
    const active = [...this.bans.values()].filter((e) => e.state === "active");
    const lifted = { at: this.deps.clock.now(), by };
    if (!active.length || !(await this.removeFromFirewall(active, lifted))) return 0;
    this.deps.store.removeBan(
      this.cfg.jail,
      active.map((e) => e.ip),
      lifted,
    );
    for (const e of active) this.changed?.({ kind: "unban", jail: this.cfg.jail, ip: e.ip });
    return active.length;
  }

  /** lifted: a manual unban; absent: the bans expired. */
  private removeFromFirewall(es: Entry[], lifted?: BanLifted): Promise<boolean> {
    const removal = this.doRemove(es, lifted).finally(() => {
      for (const e of es) if (e.removal === removal) delete e.removal;
    });
    for (const e of es) e.removal = removal;
    return removal;
  }

  private async doRemove(es: Entry[], lifted?: BanLifted): Promise<boolean> {
    for (const e of es) e.state = "removing";
    try {
      await this.deps.effector.unban(
        this.cfg.jail,
        es.map((e) => e.ip),
      );
    } catch (err) {
      const retryAt = this.deps.clock.now() + UNBAN_RETRY;
      const what = es.length === 1 ? `ip ${es[0]!.ip}` : `${es.length} ips`;
      this.log("error", `Failed to execute unban jail '${this.cfg.jail}' ${what}: ${(err as Error).message}`);
      for (const e of es) {
        e.state = "active";
        e.retryAt = retryAt;
        this.schedule(e);
      }
      return false;
    }
    await this.restoreLogged();
    for (const e of es) {
      this.untrack(e.ip);
      this.log("notice", `Unban ${e.ip}`);
      this.event("unban", e.ip, lifted ? `unbanned by ${lifted.by}` : "expired", lifted ?? "expired");
    }
    return true;
  }

  private track(e: Entry): void {
    this.bans.set(e.ip, e);
    const len = netLen(e.ip);
    if (len) this.netLens.set(len, (this.netLens.get(len) ?? 0) + 1);
  }

  private untrack(ip: string): void {
    if (!this.bans.delete(ip)) return;
    const len = netLen(ip);
    const n = len ? (this.netLens.get(len) ?? 0) - 1 : 0;
    if (len && n > 0) this.netLens.set(len, n);
    else if (len) this.netLens.delete(len);
  }

  /** The banned network (not the address itself) that holds ip, or null. */
  coveringBan(ip: string): string | null {
    if (this.netLens.size === 0) return null;
    const a = parseIP(ip);
    if (!a) return null;
    for (const len of this.netLens.keys()) {
      const [family, plen] = len.split("/").map(Number) as [number, number];
      if (family !== a.family || plen >= a.plen) continue;
      const key = a.truncate(plen).toString();
      const n = this.bans.get(key);
      if (n && n.state !== "removing") return key;
    }
    return null;
  }

  /**
   * Takes the bans inside net (not net itself) off the firewall and out of the current bans; their
   * database rows stay as history (subnet escalation: the network ban now covers them).
   */
  async retireInside(net: string): Promise<number> {
    const n = parseIP(net);
    if (!n) return 0;
    const inside = [...this.bans.values()].filter((e) => {
      const a = e.state === "active" && e.ip !== net ? parseIP(e.ip) : null;
      return a !== null && n.contains(a);
    });
    if (!inside.length) return 0;
    this.log("info", `${inside.length} ban(s) inside ${net} leave the firewall, the network ban covers them: ${inside.map((e) => e.ip).join(", ")}`);
    return (await this.removeFromFirewall(inside)) ? inside.length : 0;
  }

  private dueOf(e: Entry): number {
    return Math.max(e.end, e.retryAt ?? -Infinity);
  }

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
      this.timer = this.deps.clock.setTimer(at, () => {
        this.timer = null;
        this.timerAt = Infinity;
        void this.expire();
      });
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
    if (!due.length) return 0;
    return (await this.removeFromFirewall(due)) ? due.length : 0;
  }

  /**
   * Takes over the current bans and counters of the manager this one replaces (reload), without
   * touching store or firewall; the old manager's timer is cancelled. Use instead of restore().
   */
  adoptFrom(prev: BanManager): void {
    prev.stop();
    for (const [ip, e] of prev.bans) {
      if (e.state !== "active" || this.bans.has(ip)) continue;
      this.track(e);
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
      if (ignored ? ignored.has(t.ip) : isIgnored && (await isIgnored(t.ip))) {
        this.log("info", `Ignore ${t.ip} by restore (ignoreip)`);
        continue;
      }
      const e: Entry = { ip: t.ip, time: t.time, bantime: t.bantime, banCount: t.banCount, end: this.endOf(t.time, t.bantime), ticket: t, state: "active" };
      this.track(e);
      restored.push(e);
    }
    await applyRestored(
      this.deps.effector,
      restored.map((e) => e.ticket),
      (m) => this.log("error", m),
    );
    this.total += restored.length;
    for (const e of restored) this.queue.push(e.end, e.ip);
    this.armTimer();
    this.restoreLog.add(restored.map((e) => e.ip));
    // One event per start, not one per ban: a restart may restore 100,000 of them.
    if (restored.length) this.event("restore", null, `restored ${restored.length} ban(s) from the database`);
    return restored.length;
  }

  /** Resolves once every "Restore Ban" line of restore() is logged. */
  restoreLogged(): Promise<void> {
    return this.restoreLog.done();
  }

  /** Cancels timers; bans stay in the store and the firewall (whether the firewall keeps them is the server's stopJail decision). */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
    this.queue.clear();
  }

  isBanned(ip: string): boolean {
    return this.bans.get(normalizeIP(ip))?.state === "active";
  }
  /** Current bans ordered by end of ban (fail2ban getBanList ordered). */
  list(): BanInfo[] {
    return [...this.bans.values()]
      .filter((e) => e.state !== "applying")
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

function banMessage(t: BanTicket): string {
  const length = t.bantime === -1 ? "permanently" : `for ${secondsToStr(t.bantime)}`;
  return `banned ${length} (${t.failures} failure${t.failures === 1 ? "" : "s"}${t.banCount > 1 ? `, ban #${t.banCount}` : ""})`;
}
