// One running jail: log lines → filter → ignore check → fail counting → ban manager → actions.
// Filtering runs on the jail's filter worker (src/filter-worker), in order; only failures enter
// the (ordered) asynchronous queue, and counting them never waits for the firewall: the ban
// manager applies its bans in batches. Lines in the filter stage and queued failures are bounded:
// past a limit the source stops reading until they have drained (nothing dropped).
import { Histogram } from "../api/metrics.ts";
import { BanManager } from "../ban/ban-manager.ts";
import { PrefixBans } from "../ban/prefix-bans.ts";
import type { BanEffector, BanStore } from "../ban/types.ts";
import type { EventRecorder } from "../api/insight.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import { Filter, type FilterFailure } from "../filter/filter.ts";
import { describeAbandoned } from "../filter-worker/abandoned.ts";
import { FilterStage, type LineResult } from "../filter-worker/filter-stage.ts";
import type { Clock } from "../system/clock.ts";
import { FailManager } from "../jail/fail-manager.ts";
import { IgnoreList } from "../jail/ignore.ts";
import { time2str } from "../jail/time.ts";
import type { LogLine, LogSource } from "../source/types.ts";
import type { SystemDeps } from "../system/deps.ts";
import { prefixedLog, type Log } from "../system/log.ts";
import { filterOptions, ignoreOptions, type JailSettings } from "./settings.ts";
import type { SourceDescription } from "./source-status.ts";

export interface JailLogs {
  jail: Log;
  filter: Log;
  actions: Log;
}

export interface JailDeps {
  clock: Clock;
  store: BanStore;
  effector: BanEffector;
  /** The event log: the ban manager's bans, unbans, prolongs, restores and errors. */
  events: EventRecorder;
  logs: JailLogs;
  tz?: TimeZone;
  /** Resolver (usedns, ignoreip names), own addresses (ignoreself), command runner (ignorecommand). */
  system: SystemDeps;
  /** Queue limits; default MAX_QUEUED_FAILURES, MAX_BAN_BACKLOG and MAX_LINES_IN_FILTER (tests use small ones). */
  limits?: Limits;
  /** fail2ban.conf's linebudget (ms), for jails that do not set their own. */
  lineBudgetMs: number;
  /** The jail's filter as the start-up check compiled it (so a start compiles it once); else built here. */
  compiledFilter?: Filter;
  /** Builds the jail's log source; given the line handler (a returned promise: read no more until it settles). */
  makeSource(onLines: (lines: LogLine[]) => void | Promise<void>): LogSource & { describe?(): SourceDescription };
}

/** Failures waiting for their ignore check and count; at this many the source pauses. */
export const MAX_QUEUED_FAILURES = 10_000;
/** Bans waiting for the firewall; at this many counting waits (and so, in turn, the source). */
export const MAX_BAN_BACKLOG = 10_000;
/** Lines read but not yet back from the filter stage; at this many the source pauses. */
export const MAX_LINES_IN_FILTER = 20_000;
/** Failures handled before other work (ban batches, the API) gets a turn. */
const FAILURES_PER_TURN = 1000;

interface Limits {
  queuedFailures: number;
  banBacklog: number;
  linesInFilter: number;
}

interface QueuedFailure {
  id: string;
  f: FilterFailure;
  text: string;
  readAt: number;
}

export interface JailCounters {
  linesRead: number;
  linesMatched: number;
  /** Lines given up on: over the line budget (issue 11); each one logged as a WARNING. */
  linesAbandoned: number;
}

export class JailRuntime {
  readonly filter: Filter;
  readonly failManager: FailManager;
  readonly ignore: IgnoreList;
  readonly bans: BanManager;
  /** banprefix4/6, escalate4/6, minprefix4/6 (src/ban/prefix-bans.ts). */
  readonly prefixes: PrefixBans;
  /** Escalations started by bans and not yet done, awaited by idle(). */
  private readonly escalating = new Set<Promise<void>>();
  readonly counters: JailCounters = { linesRead: 0, linesMatched: 0, linesAbandoned: 0 };
  /** Seconds from reading the line that completed a ban to the firewall confirming it. */
  readonly banLatency: Histogram;
  private source: (LogSource & { describe?(): SourceDescription }) | null = null;
  private queued: Array<QueuedFailure | undefined> = [];
  private head = 0;
  /** The loop counting queued failures, while it runs. */
  private counting: Promise<void> | null = null;
  /** Set while the source waits for the queue to drain. */
  private paused: { promise: Promise<void>; resume(): void } | null = null;
  private readonly limits: Limits;
  /** Matches the jail's lines off the main thread; `this.filter` stays for settings and checks. */
  private readonly filterStage: FilterStage;
  /** The filter stage's results, handed on in order. */
  private filtering: Promise<void> = Promise.resolve();
  /** Lines sent to the filter stage whose results have not been handed on yet. */
  private linesInFilter = 0;

  constructor(
    readonly settings: JailSettings,
    private readonly deps: JailDeps,
    previous?: JailRuntime,
  ) {
    const s = settings;
    this.limits = deps.limits ?? { queuedFailures: MAX_QUEUED_FAILURES, banBacklog: MAX_BAN_BACKLOG, linesInFilter: MAX_LINES_IN_FILTER };
    const now = (): number => deps.clock.now();
    // This Filter describes the jail's regexes (warnings, status, abandoned lines); the filter stage matches.
    this.filter =
      deps.compiledFilter ??
      new Filter(s.filter, { now, tz: deps.tz, dns: deps.system.resolver, log: prefixedLog(deps.logs.filter, `[${s.name}] `) }, filterOptions(s));
    const compiled = [this.filter.prefRegex, ...this.filter.failRegexes, ...this.filter.ignoreRegexes];
    for (const c of compiled) {
      for (const w of c?.regex.warnings ?? []) deps.logs.filter.warning(`[${s.name}] ${s.filter.name}: ${w}: ${c!.regex.pattern}`);
    }
    this.filterStage = new FilterStage({
      def: s.filter,
      opts: filterOptions(s),
      tz: process.env.TZ,
      budgetMs: s.linebudget ?? deps.lineBudgetMs,
      now,
      dns: deps.system.resolver,
      log: prefixedLog(deps.logs.filter, `[${s.name}] `),
      onAbandoned: (a) => {
        this.counters.linesAbandoned++;
        deps.logs.filter.warning(`[${s.name}] ${describeAbandoned(a, this.filter)}`);
      },
    });
    const failOpts = { maxretry: s.maxretry, findtime: s.findtime, maxmatches: s.maxmatches, bantime: s.bantime };
    // A reload keeps the failures counted so far (fail2ban keeps its jail objects on reload).
    this.failManager =
      previous?.failManager ??
      new FailManager(failOpts, deps.clock, {
        history: s.increment.increment ? deps.store : undefined,
        log: deps.logs.filter,
      });
    this.failManager.setOptions(failOpts);
    if (previous) Object.assign(this.counters, previous.counters);
    this.banLatency = previous?.banLatency ?? new Histogram();
    this.ignore = new IgnoreList(ignoreOptions(s), { ...deps.system, clock: deps.clock, log: deps.logs.filter });
    this.bans = new BanManager(
      { jail: s.name, bantime: s.bantime, increment: s.increment, maxmatches: s.maxmatches },
      {
        clock: deps.clock,
        store: deps.store,
        effector: deps.effector,
        events: deps.events,
        log: deps.logs.actions,
        isIgnored: (ip) => this.ignore.isIgnored(ip),
        ignoredAmong: (ips) => this.ignore.ignoredAmong(ips),
      },
    );
    this.prefixes = new PrefixBans(s.prefix, {
      jail: s.name,
      bans: this.bans,
      log: deps.logs.actions,
      ignoredInside: (net) => this.ignore.ignoredInside(net),
    });
    if (previous) this.prefixes.adoptFrom(previous.prefixes);
  }

  get name(): string {
    return this.settings.name;
  }

  /** `set JAIL bantime|findtime|maxretry|maxmatches|bantime.*` at run time: the settings object
   *  and the stages that copied from it change together (a reload returns to the config). */
  updateSettings(patch: Partial<Pick<JailSettings, "bantime" | "findtime" | "maxretry" | "maxmatches" | "increment">>): void {
    const s = Object.assign(this.settings, patch);
    this.filter.findTime = s.findtime;
    this.failManager.setOptions({ maxretry: s.maxretry, findtime: s.findtime, maxmatches: s.maxmatches, bantime: s.bantime });
    this.bans.configure({ bantime: s.bantime, increment: s.increment, maxmatches: s.maxmatches });
  }

  /**
   * Takes over the bans of the jail it replaces on reload when the firewall already holds them
   * (same actions); otherwise restores them from the database into its actions. Then reads logs.
   */
  async start(adopt?: JailRuntime): Promise<void> {
    if (adopt) this.bans.adoptFrom(adopt.bans);
    else await this.bans.restore();
    for (const b of this.bans.list()) this.prefixes.remember(b.ip, b.time);
    this.source = this.deps.makeSource((lines) => this.onLines(lines));
    await this.source.start();
    this.deps.logs.jail.info(`Jail '${this.name}' started`);
  }

  /** Stops reading; bans stay in the database (and are restored by the next start). */
  async stop(): Promise<void> {
    await this.source?.stop();
    await this.idle();
    this.filterStage.stop();
    this.bans.stop();
    this.deps.logs.jail.info(`Jail '${this.name}' stopped`);
  }

  sourceState(): ReturnType<LogSource["state"]> | null {
    return this.source?.state() ?? null;
  }

  /** What the jail reads and what keeps it from reading (status). */
  sourceDescription(): SourceDescription | null {
    return this.source?.describe?.() ?? null;
  }

  /** Waits until every line read so far is filtered, its failures counted and its bans applied. */
  async idle(): Promise<void> {
    for (;;) {
      const filtering = this.filtering;
      await filtering;
      while (this.counting) await this.counting;
      if (filtering === this.filtering) break;
    }
    await this.bans.settled();
    await Promise.all(this.escalating);
    await this.bans.settled();
  }

  /** Failures read but not yet counted. */
  get queuedFailures(): number {
    return this.queued.length - this.head;
  }

  // ---- filter stage hand-over (issue 11): lines go to the worker, results come back in order ----
  onLines(lines: LogLine[]): void | Promise<void> {
    const readAt = performance.now();
    this.counters.linesRead += lines.length;
    this.linesInFilter += lines.length;
    const results = this.filterStage.process(lines);
    const step = this.filtering
      .then(async () => {
        let filtered: LineResult[];
        try {
          filtered = await results;
        } finally {
          this.linesInFilter -= lines.length; // also when the stage failed: the source must not wait on it
        }
        return this.onFiltered(lines, filtered, readAt);
      })
      .catch((e: unknown) => this.deps.logs.filter.error(`[${this.name}] filtering failed: ${(e as Error).message}`));
    this.filtering = step;
    // Bounded: the source reads on once the filter stage has caught up (and the failure queue below its limit).
    if (this.paused || this.linesInFilter >= this.limits.linesInFilter) return step;
  }

  /** Queues a batch's failures; a promise while the failure queue is full (the hand-over waits). */
  private onFiltered(lines: LogLine[], results: LineResult[], readAt: number): void | Promise<void> {
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!;
      const r = results[n]!;
      if (r.error !== undefined) {
        this.deps.logs.filter.error(`[${this.name}] cannot process line from ${line.source}: ${r.error}`);
        continue;
      }
      const fails = r.failures;
      // ---- end of the hand-over; below, the per-failure code as before ----
      if (fails.length === 0) continue;
      this.counters.linesMatched++;
      for (const f of fails) {
        if (f.fid === null || f.data["nofail"]) continue;
        this.queued.push({ id: f.fid, f, text: line.text, readAt });
      }
    }
    if (this.queuedFailures === 0) return;
    this.counting ??= this.countQueued();
    if (this.queuedFailures < this.limits.queuedFailures) return;
    if (!this.paused) {
      let resume!: () => void;
      const promise = new Promise<void>((r) => {
        resume = r;
      });
      this.paused = { promise, resume };
    }
    return this.paused.promise;
  }

  /** Counts the queued failures in order; bans go to the ban manager without waiting for them. */
  private async countQueued(): Promise<void> {
    let turn = 0;
    try {
      while (this.head < this.queued.length) {
        const q = this.queued[this.head]!;
        this.queued[this.head++] = undefined;
        if (this.head >= 4096 && this.head * 2 >= this.queued.length) {
          this.queued = this.queued.slice(this.head);
          this.head = 0;
        }
        try {
          await this.onFailure(q);
        } catch (e) {
          this.deps.logs.jail.error(`[${this.name}] failure handling of ${q.id} failed: ${(e as Error).message}`);
        }
        const { banBacklog, queuedFailures } = this.limits;
        if (this.bans.backlog >= banBacklog) await this.bans.backlogBelow(banBacklog / 2);
        if (++turn % FAILURES_PER_TURN === 0) await new Promise<void>((r) => setImmediate(r));
        if (this.paused && this.queuedFailures <= queuedFailures / 2) this.resumeSource();
      }
    } finally {
      // Runs right as the loop ends (no await between): failures queued later start a new loop.
      this.counting = null;
      this.queued = [];
      this.head = 0;
      this.resumeSource();
    }
  }

  private resumeSource(): void {
    const p = this.paused;
    this.paused = null;
    p?.resume();
  }

  private async onFailure({ id, f, text, readAt }: QueuedFailure): Promise<void> {
    const reason = await this.ignore.check({ id, data: f.data });
    if (reason) {
      this.deps.logs.filter.info(`[${this.name}] Ignore ${id} by ${reason}`);
      return;
    }
    const time = Number.isFinite(f.time) ? f.time : this.deps.clock.now();
    this.deps.logs.filter.info(`[${this.name}] Found ${id} - ${time2str(time)}`);
    const raw = f.data["matches"];
    const matches = Array.isArray(raw) ? raw.map(String) : [text];
    const counted = await this.prefixes.countingId(id);
    if (counted === null) return;
    const ticket = this.failManager.addFailure({ jail: this.name, id: counted, time, matches, data: f.data });
    if (!ticket) return;
    this.bans.ban(ticket).then(
      (r) => {
        if (r !== "banned") return;
        this.banLatency.observe((performance.now() - readAt) / 1000);
        const escalation: Promise<void> = this.prefixes
          .afterBan(ticket)
          .then(
            () => undefined,
            (e: unknown) => this.deps.logs.actions.error(`[${this.name}] escalation after the ban of ${ticket.ip} failed: ${(e as Error).message}`),
          )
          .finally(() => this.escalating.delete(escalation));
        this.escalating.add(escalation);
      },
      (e: unknown) => this.deps.logs.actions.error(`[${this.name}] ban of ${ticket.ip} failed: ${(e as Error).message}`),
    );
  }
}
