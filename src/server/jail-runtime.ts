// One running jail: log lines → filter → ignore check → fail counting → ban manager → actions.
// Filtering runs on the jail's filter worker (src/filter-worker), in order; failures then enter
// the (ordered) asynchronous queue.
import { Histogram } from "../api/metrics.ts";
import { BanManager } from "../ban/ban-manager.ts";
import type { BanEffector, BanStore } from "../ban/types.ts";
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
import type { Log } from "../system/log.ts";
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
  logs: JailLogs;
  tz?: TimeZone;
  /** Resolver (usedns, ignoreip names), own addresses (ignoreself), command runner (ignorecommand). */
  system: SystemDeps;
  /** fail2ban.conf's linebudget (ms), for jails that do not set their own. */
  lineBudgetMs: number;
  /** Builds the jail's log source; given the line handler. */
  makeSource(onLines: (lines: LogLine[]) => void): LogSource & { describe?(): SourceDescription };
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
  readonly counters: JailCounters = { linesRead: 0, linesMatched: 0, linesAbandoned: 0 };
  /** Seconds from reading the line that completed a ban to the firewall confirming it. */
  readonly banLatency: Histogram;
  private source: (LogSource & { describe?(): SourceDescription }) | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Matches the jail's lines off the main thread; `this.filter` stays for settings and checks. */
  private readonly filterStage: FilterStage;
  private filtering: Promise<void> = Promise.resolve();

  constructor(
    readonly settings: JailSettings,
    private readonly deps: JailDeps,
    previous?: JailRuntime,
  ) {
    const s = settings;
    const now = (): number => deps.clock.now();
    this.filter = new Filter(s.filter, { now, tz: deps.tz, dns: deps.system.resolver, warn: (m) => deps.logs.filter.warning(`[${s.name}] ${m}`) }, filterOptions(s));
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
      warn: (m) => deps.logs.filter.warning(`[${s.name}] ${m}`),
      error: (m) => deps.logs.filter.error(`[${s.name}] ${m}`),
      onAbandoned: (a) => {
        this.counters.linesAbandoned++;
        deps.logs.filter.warning(`[${s.name}] ${describeAbandoned(a, this.filter)}`);
      },
    });
    const failOpts = { maxretry: s.maxretry, findtime: s.findtime, maxmatches: s.maxmatches, bantime: s.bantime };
    // A reload keeps the failures counted so far (fail2ban keeps its jail objects on reload).
    this.failManager = previous?.failManager ?? new FailManager(failOpts, deps.clock, {
      history: s.increment.increment ? deps.store : undefined,
      log: deps.logs.filter,
    });
    this.failManager.setOptions(failOpts);
    if (previous) Object.assign(this.counters, previous.counters);
    this.banLatency = previous?.banLatency ?? new Histogram();
    this.ignore = new IgnoreList(
      ignoreOptions(s),
      { ...deps.system, clock: deps.clock, log: deps.logs.filter },
    );
    this.bans = new BanManager(
      { jail: s.name, bantime: s.bantime, increment: s.increment, maxmatches: s.maxmatches },
      {
        clock: deps.clock,
        store: deps.store,
        effector: deps.effector,
        log: (level, msg) => (level === "warning" ? deps.logs.actions.warning(msg) : deps.logs.actions[level](msg)),
        isIgnored: (ip) => this.ignore.isIgnored(ip),
        ignoredAmong: (ips) => this.ignore.ignoredAmong(ips),
      },
    );
  }

  get name(): string {
    return this.settings.name;
  }

  /**
   * Takes over the bans of the jail it replaces on reload when the firewall already holds them
   * (same actions); otherwise restores them from the database into its actions. Then reads logs.
   */
  async start(adopt?: JailRuntime): Promise<void> {
    if (adopt) this.bans.adoptFrom(adopt.bans);
    else await this.bans.restore();
    this.source = this.deps.makeSource((lines) => this.onLines(lines));
    await this.source.start();
    this.deps.logs.jail.info(`Jail '${this.name}' started`);
  }

  /** Stops reading; bans stay in the database (and are restored by the next start). */
  async stop(): Promise<void> {
    await this.source?.stop();
    await this.filtering;
    this.filterStage.stop();
    await this.queue;
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

  /** Waits until every failure queued so far has been counted and acted on. */
  async idle(): Promise<void> {
    await this.filtering;
    await this.queue;
  }

  // ---- filter stage hand-over (issue 11): lines go to the worker, results come back in order ----
  onLines(lines: LogLine[]): void {
    const readAt = performance.now();
    this.counters.linesRead += lines.length;
    const results = this.filterStage.process(lines);
    this.filtering = this.filtering
      .then(async () => this.onFiltered(lines, await results, readAt))
      .catch((e: unknown) => this.deps.logs.filter.error(`[${this.name}] filtering failed: ${(e as Error).message}`));
  }

  private onFiltered(lines: LogLine[], results: LineResult[], readAt: number): void {
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
        const fid = f.fid;
        this.queue = this.queue.then(() => this.onFailure(fid, f, line.text, readAt)).catch((e: unknown) => {
          this.deps.logs.jail.error(`[${this.name}] failure handling of ${fid} failed: ${(e as Error).message}`);
        });
      }
    }
  }

  private async onFailure(id: string, f: FilterFailure, text: string, readAt: number): Promise<void> {
    const reason = await this.ignore.check({ id, data: f.data });
    if (reason) {
      this.deps.logs.filter.info(`[${this.name}] Ignore ${id} by ${reason}`);
      return;
    }
    const time = Number.isFinite(f.time) ? f.time : this.deps.clock.now();
    this.deps.logs.filter.info(`[${this.name}] Found ${id} - ${time2str(time)}`);
    const raw = f.data["matches"];
    const matches = Array.isArray(raw) ? raw.map(String) : [text];
    const ticket = this.failManager.addFailure({ jail: this.name, id, time, matches, data: f.data });
    if (ticket && (await this.bans.ban(ticket)) === "banned") this.banLatency.observe((performance.now() - readAt) / 1000);
  }
}

