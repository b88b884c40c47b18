// The control API's view of the running server (see src/api/controller.ts).
import {
  CommandFailedError,
  InvalidInputError,
  UnknownJailError,
  type BanDetail,
  type BanEvent,
  type BanInfo,
  type Controller,
  type EventQuery,
  type FailingEntry,
  type JailHealth,
  type JailSettingsView,
  type ServerEvent,
  type UnbanActor,
  type UnbanOptions,
  type JailCounters,
  type JailKey,
  type JailStatus,
  type JailValue,
  type LatencySnapshot,
  type ReloadOptions,
  type ServerKey,
  type SettableKey,
  type UnhealthyJail,
} from "../api/controller.ts";
import type { ClusterStatus } from "../cluster/cluster.ts";
import { ConfigError } from "../config/errors.ts";
import type { Clock } from "../system/clock.ts";
import { parseIP } from "../net/address.ts";
import { parseTime } from "../jail/time.ts";
import { DEFAULT_DB_MAX_MATCHES } from "./server.ts";
import { parseJailSetting } from "./jail-set.ts";
import { VERSION } from "../version.ts";
import type { JailRuntime } from "./jail-runtime.ts";
import type { F2bServer } from "./server.ts";
import { banDetail, byClosestToBan, failingOf, settingsView } from "./insight.ts";
import { sourceHealth } from "./source-health.ts";
import { sourceStatus } from "./source-status.ts";

export interface ControllerHooks {
  /** Shuts the whole process down (after the reply went out). */
  shutdown(): void;
  flushLogs?(): "rolled over" | "flushed";
  /** The log level as last set ('INFO', '10' ...); setLogLevel throws on an unknown level. */
  logLevel?(): string;
  setLogLevel?(level: string): void;
}

/** fail2ban's removeBannedIP: the address itself or, for a network that is not itself banned,
 *  every ban inside it. Returns how many bans were lifted. */
async function unbanOne(j: JailRuntime, ip: string, by: UnbanActor): Promise<number> {
  if ((await j.bans.unban(ip, by)) === "unbanned") return 1;
  const net = parseIP(ip);
  if (!net || net.isSingle) return 0;
  let n = 0;
  for (const b of j.bans.list()) {
    const inside = parseIP(b.ip);
    if (inside && net.contains(inside) && (await j.bans.unban(b.ip, by)) === "unbanned") n++;
  }
  return n;
}

export class ServerController implements Controller {
  constructor(
    private readonly server: F2bServer,
    private readonly clock: Clock,
    private readonly hooks: ControllerHooks,
  ) {}

  private jail(name: string): JailRuntime {
    const j = this.server.jails.get(name);
    if (!j) throw new UnknownJailError(name);
    return j.runtime;
  }

  private targets(jail?: string): JailRuntime[] {
    return jail ? [this.jail(jail)] : [...this.server.jails.values()].map((j) => j.runtime);
  }

  version(): string {
    return VERSION;
  }

  ping(): void {}

  status(): { jails: string[]; unhealthy?: UnhealthyJail[] } {
    const jails = [...this.server.jails.keys()].sort();
    const unhealthy = jails.map((jail) => ({ jail, problems: this.actionProblems(jail) })).filter((u) => u.problems.length);
    return { jails, ...(unhealthy.length ? { unhealthy } : {}) };
  }

  /** Why the jail's actions cannot ban (an action failed to start); empty when healthy. */
  private actionProblems(jail: string): string[] {
    return this.server.jails.get(jail)?.effector.problems() ?? [];
  }

  jailStatus(name: string): JailStatus {
    const j = this.jail(name);
    const bans = j.bans.list();
    const problems = this.actionProblems(name);
    return {
      name,
      filter: {
        currentlyFailed: j.failManager.size(),
        totalFailed: j.failManager.getFailTotal(),
        ...sourceStatus(j.settings, j.sourceDescription()),
        ...(j.counters.linesAbandoned ? { linesAbandoned: j.counters.linesAbandoned } : {}),
      },
      actions: {
        currentlyBanned: bans.length,
        totalBanned: j.bans.totalBanned(),
        bannedIPs: bans.map((b) => b.ip),
        ...(problems.length ? { problems } : {}),
      },
    };
  }

  async banIp(jail: string, ips: string[]): Promise<number> {
    const j = this.jail(jail);
    const now = this.clock.now();
    // minprefix and ignoreip guard networks banned by hand (a single ignored address is banned, as fail2ban does).
    for (const ip of ips) {
      const net = parseIP(ip);
      const why = net ? await j.prefixes.refusal(net) : null;
      if (why) throw new CommandFailedError(`refusing to ban '${ip}': ${why}`);
    }
    // All at once: the ban manager applies them as one batch (one firewall transaction).
    const results = await Promise.all(
      ips.map((ip) => j.bans.ban({ jail, ip, time: now, failures: j.settings.maxretry, matches: [], banCount: 0, bantime: j.settings.bantime })),
    );
    const refused = ips.filter((_, i) => results[i] === "failed");
    if (refused.length) throw new Error(`the firewall refused to ban ${refused.join(", ")} in jail '${jail}' (see the server log)`);
    return results.filter((r) => r === "banned").length;
  }

  async unbanIp(ips: string[], jail?: string, opts: UnbanOptions = {}): Promise<number> {
    let n = 0;
    const missed: string[] = [];
    const inside: string[] = [];
    for (const j of this.targets(jail)) {
      for (const ip of ips) {
        const lifted = await unbanOne(j, ip, opts.by ?? "api");
        n += lifted;
        if (lifted > 0) continue;
        missed.push(ip);
        const cover = j.bans.coveringBan(ip);
        if (cover) inside.push(`${ip} is inside ${cover}, banned in jail '${j.name}': unban ${cover}`);
      }
    }
    if (inside.length) throw new CommandFailedError(`${n > 0 ? `unbanned ${n}; ` : ""}${inside.join("; ")}`);
    // fail2ban's removeBannedIP(ifexists=False) message.
    if (opts.reportAbsent && jail !== undefined && missed.length) {
      throw new CommandFailedError(`not banned: [${missed.map((ip) => `'${ip}'`).join(", ")}]`);
    }
    return n;
  }

  async unbanAll(jail?: string, opts: UnbanOptions = {}): Promise<number> {
    let n = 0;
    for (const j of this.targets(jail)) n += await j.bans.unbanAll(opts.by ?? "api");
    return n;
  }

  get(jail: string, key: JailKey): JailValue {
    const j = this.jail(jail);
    const s = j.settings;
    switch (key) {
      case "banned":
      case "banip":
        return j.bans.list().map((b) => b.ip);
      case "maxretry":
        return s.maxretry;
      case "findtime":
        return s.findtime;
      case "bantime":
        return s.bantime;
      case "maxmatches":
        return s.maxmatches;
      case "maxlines":
        return j.filter.maxLines;
      case "usedns":
        return s.usedns;
      case "logencoding":
        return s.logencoding;
      case "backend":
        return s.backend;
      case "logpath": {
        const st = j.sourceState();
        return st?.kind === "files" ? st.positions.map((p) => p.path) : s.logpaths.map((p) => p.path);
      }
      case "ignoreip":
        return j.ignore.entries();
      case "ignoreself":
        return j.ignore.ignoreself;
      case "ignorecommand":
        return j.ignore.ignorecommand ?? "";
      case "journalmatch":
        return s.journalmatch.map((g) => g.join(" "));
      case "datepattern":
        return s.filter.datepattern ?? null;
      case "failregex":
        return s.filter.failregex;
      case "ignoreregex":
        return s.filter.ignoreregex;
      case "prefregex":
        return s.filter.prefregex ?? "";
      case "actions":
        return this.server.jails.get(jail)!.effector.actions.map((a) => a.name);
      case "bantime.increment":
        return s.increment.increment ?? false;
      case "bantime.overalljails":
        return s.increment.overalljails ?? false;
      case "bantime.factor":
        return String(s.increment.factor ?? "1");
      case "bantime.formula":
        return s.increment.formula ?? "";
      case "bantime.multipliers":
        return s.increment.multipliers ?? "";
      case "bantime.maxtime":
        return s.increment.maxtime ?? null;
      case "bantime.rndtime":
        return s.increment.rndtime ?? null;
    }
  }

  setJail(jail: string, key: SettableKey, value: string): JailValue {
    const j = this.jail(jail);
    j.updateSettings(parseJailSetting(j.settings, key, value));
    return this.get(jail, key);
  }

  logLevel(): string {
    return this.hooks.logLevel?.() ?? "INFO";
  }

  serverSetting(key: ServerKey): string | number | null {
    const conf = this.server.conf;
    switch (key) {
      case "logtarget":
        return conf.logtarget;
      case "dbfile":
        return conf.dbfile;
      case "dbpurgeage":
        return parseTime(conf.dbpurgeage);
      case "dbmaxmatches":
        return conf.dbmaxmatches ?? DEFAULT_DB_MAX_MATCHES;
    }
  }

  setLogLevel(level: string): string {
    if (!this.hooks.setLogLevel) throw new CommandFailedError("this server cannot change its log level");
    try {
      this.hooks.setLogLevel(level);
    } catch (e) {
      throw new InvalidInputError((e as Error).message);
    }
    return this.logLevel();
  }

  addIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    if (!j.ignore.add(ip)) throw new InvalidInputError(`cannot add '${ip}' to ignoreip`, "ip");
    return j.ignore.entries();
  }

  delIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    j.ignore.del(ip);
    return j.ignore.entries();
  }

  banned(): BanInfo[] {
    const now = this.clock.now();
    const out: BanInfo[] = [];
    for (const j of this.targets()) {
      for (const b of j.bans.list()) {
        out.push({
          jail: j.name,
          ip: b.ip,
          timeOfBan: b.time,
          bantime: b.bantime,
          remaining: b.end === Infinity ? null : Math.max(0, Math.round(b.end - now)),
          banCount: b.banCount,
          ...(typeof b.ticket.data?.["origin"] === "string" ? { origin: b.ticket.data["origin"] } : {}),
        });
      }
    }
    return out;
  }

  async reload(jail?: string, opts: ReloadOptions = {}): Promise<void> {
    try {
      await this.server.reload(jail, opts);
    } catch (e) {
      // fail2ban-client's wording; the message names the file and line.
      if (e instanceof ConfigError) throw new CommandFailedError(`Failed during configuration: ${e.message}`);
      throw e;
    }
  }

  async startJail(jail: string): Promise<void> {
    await this.server.startJailNamed(jail);
  }

  async stopJail(jail: string): Promise<void> {
    await this.server.stopJailNamed(jail);
  }

  async stopAllJails(): Promise<void> {
    await this.server.stopAllJails();
  }

  stop(): void {
    this.hooks.shutdown();
  }

  metrics(): JailCounters[] {
    return this.targets().map((j) => ({
      jail: j.name,
      currentlyFailed: j.failManager.size(),
      totalFailed: j.failManager.getFailTotal(),
      currentlyBanned: j.bans.size(),
      totalBanned: j.bans.totalBanned(),
      linesRead: j.counters.linesRead,
      linesMatched: j.counters.linesMatched,
      linesAbandoned: j.counters.linesAbandoned,
      healthy: this.actionProblems(j.name).length === 0,
    }));
  }

  banHistory(since: number): BanEvent[] {
    return this.server.store.banEvents(since);
  }

  cluster(): ClusterStatus | null {
    return this.server.cluster?.status() ?? null;
  }

  banLatency(): LatencySnapshot[] {
    return this.targets().map((j) => j.banLatency.snapshot(j.name));
  }

  banDetail(ip: string): BanDetail {
    return banDetail(ip, this.targets(), this.server.store, this.clock.now());
  }

  failing(jail?: string): FailingEntry[] {
    return this.targets(jail)
      .flatMap((j) => failingOf(j))
      .sort(byClosestToBan);
  }

  jailHealth(jail: string): JailHealth {
    const j = this.jail(jail);
    const source = sourceHealth(j.settings, j.sourceDescription(), j.sourceState(), this.clock.now());
    // The actions' part: actions that failed to start, where the effector reports them (read
    // loosely: not every effector does). Not via jailStatus, which lists every ban (/metrics).
    const actionProblems = this.actionProblems(jail);
    const action = { ok: actionProblems.length === 0, problems: [...actionProblems] };
    return { ok: source.ok && action.ok, problems: [...source.problems, ...action.problems], source, action };
  }

  jailSettings(jail: string): JailSettingsView {
    const j = this.jail(jail);
    return settingsView(
      j,
      this.server.jails.get(jail)!.effector.actions.map((a) => a.name),
    );
  }

  events(q: EventQuery): ServerEvent[] {
    return this.server.events.query(q);
  }

  flushLogs(): "rolled over" | "flushed" {
    return this.hooks.flushLogs?.() ?? "flushed";
  }
}
