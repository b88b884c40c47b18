// The f2b server: reads the config root, opens the database, runs every enabled jail and serves
// the control API. Reload re-reads the config and swaps jails without losing bans or log
// positions; a broken config on reload keeps the running jails as they are.
import { parseIP } from "../net/address.ts";
import { CommandFailedError, UnknownJailError, type ReloadOptions } from "../api/controller.ts";
import { Cluster } from "../cluster/cluster.ts";
import { clusterConfig } from "../cluster/config.ts";
import { bunRedis } from "../cluster/redis-link.ts";
import { ConfigError } from "../config/errors.ts";
import type { Fail2banConf } from "../config/fail2ban-conf.ts";
import type { ConfigFS } from "../config/fs.ts";
import { loadJails } from "../config/jail-reader.ts";
import { F2bDatabase } from "../db/database.ts";
import { SqliteBanStore } from "../db/ban-store.ts";
import { EventLog } from "../db/event-log.ts";
import { TimeZone } from "../filter/date/tz.ts";
import type { Filter } from "../filter/filter.ts";
import type { Timer } from "../system/clock.ts";
import type { SystemDeps } from "../system/deps.ts";
import { parseTime } from "../jail/time.ts";
import { ActionFactory } from "./build-actions.ts";
import { JailEffector } from "./jail-actions.ts";
import { JailRuntime } from "./jail-runtime.ts";
import { getLog } from "./log.ts";
import { jailSettings, type JailSettings } from "./settings.ts";
import { makeSource } from "./sources.ts";
import { skippedForMissingLogs } from "./source-check.ts";

export interface ServerDeps {
  fs: ConfigFS;
  conf: Fail2banConf;
  /** Clock, resolver, own addresses, command runner, loggers: built once by the caller. */
  system: SystemDeps;
  actions: ActionFactory;
}

interface RunningJail {
  runtime: JailRuntime;
  effector: JailEffector;
  /** Serialised action identity: a reload with the same actions keeps the firewall objects. */
  actionKey: string;
}

/** fail2ban's dbmaxmatches default. */
export const DEFAULT_DB_MAX_MATCHES = 10;
const SAVE_POSITIONS_SEC = 5;
const PURGE_SEC = 3600;

const log = getLog("server");

export class F2bServer {
  readonly jails = new Map<string, RunningJail>();
  readonly db: F2bDatabase;
  readonly store: SqliteBanStore;
  /** Bans, unbans, reloads... as the API's events answer them (issue 14). */
  readonly events: EventLog;
  private readonly tz = TimeZone.fromEnv();
  private timers: Timer[] = [];
  private stopped = false;
  /** Per jail, the source state last written to the database (see saveJailPositions). */
  private readonly savedPositions = new Map<string, string>();
  /** Lifecycle commands (reload, start/stop of a jail) run one after the other. */
  private busy: Promise<unknown> = Promise.resolve();
  /** Ban sharing with other hosts (fail2ban.local [cluster]), when configured. */
  readonly cluster: Cluster | null;

  constructor(private readonly deps: ServerDeps) {
    const purgeAge = parseTime(deps.conf.dbpurgeage);
    this.db = F2bDatabase.open(deps.conf.dbfile, { purgeAge });
    this.store = new SqliteBanStore(this.db, deps.conf.dbmaxmatches ?? DEFAULT_DB_MAX_MATCHES);
    this.events = new EventLog(
      this.db,
      () => deps.system.clock.now(),
      (m) => log.error(m),
    );
    const cc = clusterConfig(deps.conf);
    this.cluster = cc
      ? new Cluster(cc, {
          connect: bunRedis,
          clock: deps.system.clock,
          log: deps.system.logger("cluster"),
          db: this.db.db,
          jail: (name) => {
            const r = this.jails.get(name)?.runtime;
            return (
              r && {
                name,
                ban: (t) => r.bans.ban(t),
                unban: (ip) => r.bans.unban(ip, "cluster"),
                ignoredAmong: (ips) => r.ignore.ignoredAmong(ips),
                refusal: async (ip) => {
                  const net = parseIP(ip);
                  return net ? r.prefixes.refusal(net) : null;
                },
              }
            );
          },
        })
      : null;
  }

  /** fail2ban.conf as the server runs it (command-line overrides applied). */
  get conf(): Fail2banConf {
    return this.deps.conf;
  }

  /** Reads and checks every enabled jail; throws the first ConfigError (file and line). */
  static loadSettings(fs: ConfigFS, only?: string[], onSkip: (why: string) => void = (why) => log.warning(why)): JailSettings[] {
    return loadJails(fs, only ? { only } : {})
      .filter((j) => j.enabled)
      .map((j) => jailSettings(j))
      .filter((s) => {
        const why = skippedForMissingLogs(s);
        if (why) onSkip(why);
        return !why;
      });
  }

  /** Starts every enabled jail; `settings` (and their compiled filters, by jail name) when the
   *  caller has already loaded and checked them. */
  async start(settings: JailSettings[] = F2bServer.loadSettings(this.deps.fs), filters?: ReadonlyMap<string, Filter>): Promise<void> {
    for (const s of settings) await this.activate(this.prepareJail(s, undefined, filters?.get(s.name)));
    this.cluster?.start();
    this.every(SAVE_POSITIONS_SEC, () => this.savePositions());
    const reconcileSec = reconcileInterval(this.deps.conf);
    if (reconcileSec > 0) {
      this.every(reconcileSec, async () => {
        await this.reconcile();
      });
    }
    this.every(PURGE_SEC, () => this.purge());
  }

  private every(sec: number, fn: () => void | Promise<void>): void {
    const arm = (): void => {
      // A task still running when stop() cancelled the timers must not arm a new one (the
      // process would never exit: seen with a reconcile of 10,000 bans in flight at SIGTERM).
      if (this.stopped) return;
      // Aligned to multiples of sec, so the periodic tasks (and the tailers' checks) of an idle
      // daemon share wake-ups.
      // (Half a period at least, so a timer that fires a hair early does not run twice.)
      const now = this.deps.system.clock.now();
      const gap = sec - (now % sec);
      const t = this.deps.system.clock.setTimer(now + (gap < sec / 2 ? gap + sec : gap), () => {
        void Promise.resolve()
          .then(fn)
          .catch((e: unknown) => log.error(`periodic task failed: ${(e as Error).message}`))
          .finally(arm);
      });
      this.timers[idx] = t;
    };
    const idx = this.timers.length;
    this.timers.push({ cancel() {} });
    arm();
  }

  /** Builds a jail (filter compiled, actions resolved) without touching anything yet. */
  private prepareJail(s: JailSettings, previous?: RunningJail, compiledFilter?: Filter): RunningJail {
    for (const w of s.warnings) log.warning(w);
    const actions = this.deps.actions.build(s);
    const logger = this.deps.system.logger;
    const effector = new JailEffector(s.name, actions, logger("actions"), () => runtime.bans.expectedBans().map((b) => b.ticket));
    const runtime: JailRuntime = new JailRuntime(
      s,
      {
        clock: this.deps.system.clock,
        store: this.store,
        events: this.events,
        effector,
        tz: this.tz,
        lineBudgetMs: this.deps.conf.linebudget,
        system: this.deps.system,
        logs: { jail: logger("jail"), filter: logger("filter"), actions: logger("actions") },
        makeSource: (onLines) =>
          makeSource(s, { db: this.db, tz: this.tz, clock: this.deps.system.clock, onLines, lines: previous?.runtime.sourceDescription()?.lines }),
        ...(compiledFilter ? { compiledFilter } : {}),
      },
      previous?.runtime,
    );
    const cluster = this.cluster;
    if (cluster) runtime.bans.onChange((c) => cluster.onLocalChange(c));
    // Same actions with the same options: the firewall objects and bans stay as they are.
    const actionKey = JSON.stringify(s.actions.map((a) => [a.name, a.options, a.definition?.options ?? null]));
    return { runtime, effector, actionKey };
  }

  /** Starts a prepared jail; with `previous` (reload) its bans are taken over or re-applied. */
  private async activate(j: RunningJail, previous?: RunningJail): Promise<void> {
    const sameActions = previous?.actionKey === j.actionKey;
    log.info(`Creating new jail '${j.runtime.name}'`);
    if (!sameActions) await j.effector.start();
    else j.effector.inheritFailures(previous!.effector);
    await j.runtime.start(sameActions ? previous!.runtime : undefined);
    // After the bans are taken over: an action that starts now gets them.
    if (sameActions) await j.effector.inTurn(() => j.effector.retryStarts());
    this.jails.set(j.runtime.name, j);
  }

  private async stopJail(j: RunningJail, opts: { keepFirewall: boolean }): Promise<void> {
    await j.runtime.stop();
    this.saveJailPositions(j);
    this.savedPositions.delete(j.runtime.name);
    if (!opts.keepFirewall) await j.effector.stop();
    this.jails.delete(j.runtime.name);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.catch(() => {}).then(fn);
    this.busy = run;
    return run;
  }

  /**
   * Re-reads the config (fail2ban-client's `reload [--restart] [--unban] [JAIL]`). A config error
   * leaves everything running as it was. `unban` first lifts every ban of the affected jails
   * (database too); `restart` builds them from nothing (no failures carried over) and replaces
   * the old ones completely (firewall objects removed), so the bans come back from the database.
   */
  reload(only?: string, opts: ReloadOptions = {}): Promise<void> {
    const what = only ? `jail '${only}'` : "all jails";
    return this.serial(() => this.doReload(only, opts)).then(
      () => this.events.record({ kind: "reload", jail: only ?? null, message: `reloaded ${what}` }),
      (e: unknown) => {
        this.events.record({ kind: "error", jail: only ?? null, message: `reload of ${what} failed: ${(e as Error).message}` });
        throw e;
      },
    );
  }

  private async doReload(only: string | undefined, opts: ReloadOptions): Promise<void> {
    let settings: JailSettings[];
    try {
      settings = F2bServer.loadSettings(this.deps.fs, only ? [only] : undefined);
    } catch (e) {
      const msg = e instanceof ConfigError ? e.message : `${(e as Error).message}`;
      log.error(`Reload failed, keeping the running configuration: ${msg}`);
      throw e;
    }
    // After reading the config, as fail2ban-client does: a jail missing from it is a config error.
    if (only && !opts.ifExists && !this.jails.has(only)) throw new UnknownJailError(only);
    log.info(`Reload ${only ? `jail '${only}'` : "all jails"}`);
    if (opts.unban) {
      for (const j of this.jails.values()) if (!only || j.runtime.name === only) await j.runtime.bans.unbanAll("server");
    }
    const wanted = new Map(settings.map((s) => [s.name, s]));
    for (const [name, j] of [...this.jails]) {
      if (only && name !== only) continue;
      if (!wanted.has(name)) await this.stopJail(j, { keepFirewall: false });
    }
    const failures: string[] = [];
    for (const s of settings) {
      const old = this.jails.get(s.name);
      // A restart starts from nothing: no failures carried over, bans restored from the database.
      const carried = opts.restart ? undefined : old;
      let next: RunningJail;
      try {
        next = this.prepareJail(s, carried);
      } catch (e) {
        log.error(`Reload of jail '${s.name}' failed, it keeps running as it was: ${(e as Error).message}`);
        failures.push(`jail '${s.name}': ${(e as Error).message}`);
        continue;
      }
      // Changed actions: the old firewall objects go first (they may share names with the new).
      if (old) await this.stopJail(old, { keepFirewall: carried !== undefined && old.actionKey === next.actionKey });
      try {
        await this.activate(next, carried);
      } catch (e) {
        log.error(`Jail '${s.name}' failed to start after the reload: ${(e as Error).message}`);
        failures.push(`jail '${s.name}' failed to start: ${(e as Error).message}`);
      }
    }
    if (failures.length) throw new CommandFailedError(`Reload failed: ${failures.join("; ")}`);
  }

  /** fail2ban-client's `stop JAIL`: the jail stops and its bans leave the firewall (they stay in
   *  the database and come back when it starts again). */
  stopJailNamed(name: string): Promise<void> {
    return this.serial(async () => {
      const j = this.jails.get(name);
      if (!j) throw new UnknownJailError(name);
      await this.stopJail(j, { keepFirewall: false });
    });
  }

  /** fail2ban-client's `stop --all`: every jail stops, the server keeps running. */
  stopAllJails(): Promise<void> {
    return this.serial(async () => {
      log.info("Stopping all jails");
      for (const j of [...this.jails.values()].reverse()) await this.stopJail(j, { keepFirewall: false });
    });
  }

  /** `start JAIL`: a running jail is left as it is; a stopped one is read from the config and started. */
  startJailNamed(name: string): Promise<void> {
    return this.serial(async () => {
      if (this.jails.has(name)) return;
      let settings: JailSettings[];
      try {
        settings = F2bServer.loadSettings(this.deps.fs, [name]);
      } catch (e) {
        // The config has no such section: fail2ban's answer for a jail it does not know.
        if (e instanceof ConfigError && e.message === `jail [${name}] not found`) throw new UnknownJailError(name);
        throw e;
      }
      const s = settings[0];
      if (!s) throw new CommandFailedError(`the jail '${name}' is not enabled in the configuration (enabled = false)`);
      await this.activate(this.prepareJail(s));
    });
  }

  /** Writes a jail's file positions or journal cursor unless they are what was last written
   * (an idle daemon then writes nothing every SAVE_POSITIONS_SEC). */
  private saveJailPositions(j: RunningJail): void {
    const st = j.runtime.sourceState();
    const key = JSON.stringify(st);
    if (this.savedPositions.get(j.runtime.name) === key) return;
    if (st?.kind === "files") this.db.savePositions(j.runtime.name, st.positions);
    else if (st?.kind === "journal" && st.cursor) this.db.saveJournalCursor(j.runtime.name, st.cursor);
    this.savedPositions.set(j.runtime.name, key);
  }

  private savePositions(): void {
    for (const j of this.jails.values()) this.saveJailPositions(j);
  }

  /** Puts back bans missing from the firewall (e.g. after someone flushed the ruleset). */
  async reconcile(): Promise<number> {
    let fixed = 0;
    for (const j of this.jails.values()) {
      const n = await reconcileJail(j);
      if (n) this.events.record({ kind: "reconcile", jail: j.runtime.name, message: `re-applied ${n} ban(s) missing from the firewall` });
      fixed += n;
    }
    if (fixed) log.warning(`Reconcile: re-applied ${fixed} ban(s) missing from the firewall`);
    return fixed;
  }

  private purge(): void {
    const n = this.db.purge(this.deps.system.clock.now());
    if (n.bans || n.history) log.info(`Purged ${n.bans} old ban(s) and ${n.history} history row(s) from the database`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    await this.busy.catch(() => {});
    await this.cluster?.stop();
    for (const j of [...this.jails.values()].reverse()) await this.stopJail(j, { keepFirewall: false });
    this.events.flush();
    this.db.close();
  }
}

/** Seconds between reconcile runs (f2b's own fail2ban.conf option; 0 turns it off). */
function reconcileInterval(conf: Fail2banConf): number {
  const raw = conf.reconcileinterval;
  try {
    return parseTime(raw);
  } catch (e) {
    throw new ConfigError(`${conf.files.at(-1) ?? "fail2ban.conf"}: reconcileinterval: ${(e as Error).message}`, undefined, raw);
  }
}

async function reconcileJail(j: RunningJail): Promise<number> {
  let fixed = 0;
  // An action whose start failed: tried again (once started, it gets the jail's current bans).
  await j.effector.inTurn(() => j.effector.retryStarts());
  for (const a of j.effector.actions) {
    if (!a.list || !a.check) continue;
    try {
      fixed += await j.effector.inTurn(async () => {
        if (!(await a.check!()) && !(await j.effector.startAction(a))) return 0;
        // Nothing to put back: skip the listing (an idle daemon's reconcile then costs one check).
        if (!j.runtime.bans.expectedBans().some((e) => j.runtime.bans.isBanned(e.ip))) return 0;
        const present = new Set(await a.list!());
        // Computed after the listing, in turn with bans/unbans: an address being unbanned is not active.
        const missing = j.runtime.bans
          .expectedBans()
          .filter((e) => j.runtime.bans.isBanned(e.ip) && !present.has(e.ip) && !present.has(`${e.ip}/32`) && !present.has(`${e.ip}/128`));
        if (missing.length) await a.ban(missing.map((m) => m.ticket));
        return missing.length;
      });
    } catch (e) {
      log.error(`[${j.runtime.name}] reconcile of action '${a.name}' failed: ${(e as Error).message}`);
    }
  }
  return fixed;
}
