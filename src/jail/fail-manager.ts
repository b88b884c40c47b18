import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";
import { pyRound } from "./expr.ts";
import { normalizeIP } from "../net/address.ts";
import { time2str } from "./time.ts";
import type { BanHistory, BanTicket, FailureEvent } from "./types.ts";

export interface FailManagerOptions {
  maxretry: number;
  findtime: number;
  /** Matched lines kept per id (fail2ban maxmatches; 0 keeps none). */
  maxmatches: number;
  /** Jail bantime stamped on tickets (the ban manager recomputes it). Default 600. */
  bantime?: number;
  /** Ignore failures older than findtime and clamp future ones to now (fail2ban's checkFindTime). Default true. */
  checkFindTime?: boolean;
}

export interface FailManagerDeps {
  /** Given when bantime.increment is on: known bad ips count several attempts per failure (fail2ban's observer). */
  history?: BanHistory;
  /** fail2ban.filter: "Found ..., bad" lines and dropped old failures. */
  log: Log;
}

interface Entry {
  id: string;
  time: number;
  firstTime: number;
  retry: number;
  failures: number;
  matches: string[];
  banCount: number;
  data: Record<string, unknown>;
  /** Distinct `<F-USER>` values of the counted failures (data keeps the first failure's, as fail2ban). */
  users: Set<string>;
}

/** An id counted but not banned yet (status pages, `f2b failing`). */
export interface PendingFailure {
  id: string;
  /** Attempts counted within findtime. */
  retry: number;
  firstTime: number;
  time: number;
  matches: string[];
  data: Readonly<Record<string, unknown>>;
  users: string[];
}

const CLEANUP_EVERY = 5;

/**
 * Counts failures per id inside findtime the way fail2ban's FailManager/FailTicket do:
 * a long-lived id's count is rescaled to its rate over the last findtime, not reset.
 */
export class FailManager {
  private list = new Map<string, Entry>();
  private failTotal = 0;
  private nextCleanup = 0;

  constructor(
    private opts: FailManagerOptions,
    private readonly clock: Clock,
    private readonly deps: FailManagerDeps,
  ) {}

  setOptions(opts: Partial<FailManagerOptions>): void {
    this.opts = { ...this.opts, ...opts };
  }
  get maxretry(): number {
    return this.opts.maxretry;
  }

  /** Records one failure (count attempts); returns a ticket when the id reaches maxretry. */
  addFailure(ev: FailureEvent, count = 1): BanTicket | null {
    const now = this.clock.now();
    let time = ev.time;
    if (this.opts.checkFindTime !== false) {
      if (time < now - this.opts.findtime) {
        this.deps.log.debug(`[${ev.jail}] Ignore failure of ${ev.id}: time ${time} older than findtime`);
        return null;
      }
      if (time > now) time = now;
    }
    if (now >= this.nextCleanup) {
      this.nextCleanup = now + CLEANUP_EVERY;
      this.cleanup(now);
    }
    const rawAttempt = Number(ev.data?.["failures"] ?? 0);
    const attempt = Number.isFinite(rawAttempt) ? rawAttempt : 0;
    // fail2ban keys failures by IPAddr: "::ffff:1.2.3.4" and "1.2.3.4" are one offender.
    const id = normalizeIP(ev.id);
    let e = this.list.get(id);
    // An id silent for findtime starts over, as after fail2ban's periodic cleanup.
    if (e && e.time <= time - this.opts.findtime) {
      this.list.delete(id);
      e = undefined;
    }
    if (e) {
      this.adjust(e, time);
      e.retry += count;
      e.failures += attempt <= 0 ? attempt + 1 : attempt;
      e.matches.push(...ev.matches);
    } else {
      e = {
        id,
        time,
        firstTime: time,
        retry: attempt,
        failures: attempt,
        matches: [...ev.matches],
        banCount: 0,
        data: { ...(ev.data ?? {}) },
        users: new Set(),
      };
      if (count > attempt) {
        e.retry = count;
        if (!e.failures) e.failures = 1;
      }
      this.list.set(id, e);
    }
    const user = ev.data?.["user"];
    if (typeof user === "string" && user !== "") e.users.add(user);
    if (e.matches.length > this.opts.maxmatches) e.matches = this.opts.maxmatches > 0 ? e.matches.slice(-this.opts.maxmatches) : [];
    this.failTotal++;
    if (e.retry >= this.opts.maxretry) return this.toBan(ev.jail, e);
    return this.observeKnownBad(ev.jail, e, time);
  }

  /** fail2ban observer.failureFound: an ip banned before counts 2, 3, 5, 9... attempts per failure. */
  private observeKnownBad(jail: string, e: Entry, time: number): BanTicket | null {
    const last = this.deps.history?.lastBan(e.id, jail);
    if (!last || last.banCount < 1) return null;
    const banCount = Math.max(last.banCount, e.banCount);
    const retryCount = Math.min(2 ** Math.min(banCount, 20) / 2 + 1, this.opts.maxretry);
    if (time <= last.timeOfBan || retryCount <= 1) return null;
    this.deps.log.info(`[${jail}] Found ${e.id}, bad - ${time2str(time)}, ${banCount} # -> ${retryCount}${retryCount >= this.opts.maxretry ? ", Ban" : ""}`);
    e.retry += retryCount - 1;
    e.failures += 1;
    e.banCount = banCount;
    this.failTotal++;
    return e.retry >= this.opts.maxretry ? this.toBan(jail, e) : null;
  }

  private adjust(e: Entry, time: number): void {
    if (time <= e.time) return;
    const window = this.opts.findtime;
    if (e.firstTime < time - window) {
      e.retry = pyRound((e.retry / (time - e.firstTime)) * window);
      e.firstTime = time - window;
    }
    e.time = time;
  }

  private toBan(jail: string, e: Entry): BanTicket {
    this.list.delete(e.id);
    const { failures: _f, matches: _m, ...data } = e.data;
    return {
      jail,
      ip: e.id,
      time: e.time,
      failures: e.failures,
      matches: e.matches,
      banCount: e.banCount,
      bantime: this.opts.bantime ?? 600,
      ...(Object.keys(data).length ? { data } : {}),
      ...(e.users.size ? { users: [...e.users] } : {}),
    };
  }

  /** Drops ids whose last failure is findtime or more in the past. */
  cleanup(now = this.clock.now()): void {
    const limit = now - this.opts.findtime;
    for (const [id, e] of this.list) if (e.time <= limit) this.list.delete(id);
  }

  delFailure(id: string): void {
    this.list.delete(normalizeIP(id));
  }
  /** Ids with pending failures ("Currently failed"). */
  size(): number {
    return this.list.size;
  }
  /** All failures ever counted ("Total failed"). */
  getFailTotal(): number {
    return this.failTotal;
  }
  setFailTotal(n: number): void {
    this.failTotal = n;
  }
  /** The ids with pending failures: attempts, first and last failure time, matched lines, captured data. */
  pending(): PendingFailure[] {
    return [...this.list.values()].map((e) => ({
      id: e.id,
      retry: e.retry,
      firstTime: e.firstTime,
      time: e.time,
      matches: [...e.matches],
      data: e.data,
      users: [...e.users],
    }));
  }
  /** Pending attempts per id (for status/tests). */
  retries(): Map<string, number> {
    return new Map([...this.list].map(([id, e]) => [id, e.retry]));
  }
}
