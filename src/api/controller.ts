// The one dependency of the control API: what the running server exposes. The server
// implements it over the jails (src/server/controller.ts); tests implement a small fake. Methods may be sync or async.

import type { ClusterStatus } from "../cluster/cluster.ts";
import type { BanDetail, EventQuery, FailingEntry, JailHealth, JailSettingsView, ServerEvent, UnbanActor } from "./insight.ts";

export type * from "./insight.ts";
export { EVENT_KINDS } from "./insight.ts";

export type Awaitable<T> = T | Promise<T>;

/** fail2ban's `status JAIL` tree (Filter / Actions), as data. */
export interface JailStatus {
  name: string;
  filter: {
    currentlyFailed: number;
    totalFailed: number;
    /** File-based jails: the monitored files. */
    fileList?: string[];
    /** systemd jails: the journal match, " + "-joined like fail2ban prints it. */
    journalMatches?: string;
    /** What keeps the jail from reading ("PATH: why", "journal: why"); empty or absent: healthy. */
    problems?: string[];
    /** Lines abandoned over the line budget (shown only when there are any). */
    linesAbandoned?: number;
  };
  actions: {
    currentlyBanned: number;
    totalBanned: number;
    bannedIPs: string[];
    /** Actions that failed to start ("action 'NAME' failed to start: why"): the jail cannot ban. Absent: healthy. */
    problems?: string[];
  };
}

/** A jail that cannot ban as configured, and why (its actions' problems). */
export interface UnhealthyJail {
  jail: string;
  problems: string[];
}

export interface BanInfo {
  jail: string;
  ip: string;
  /** Epoch seconds when the ban started. */
  timeOfBan: number;
  /** Ban duration in seconds; -1 = permanent. */
  bantime: number;
  /** Seconds until the unban; null = permanent. */
  remaining: number | null;
  /** How many times this IP has been banned (bantime.increment's count). */
  banCount: number;
  /** hostid of the cluster peer that decided the ban ([cluster]); absent for bans made here. */
  origin?: string;
}

/** One ban as recorded in the ban history (the DB's bans table), expired or not. */
export interface BanEvent {
  jail: string;
  ip: string;
  /** Epoch seconds when the ban started. */
  time: number;
}

/** Counters per jail for /metrics. */
export interface JailCounters {
  jail: string;
  currentlyFailed: number;
  totalFailed: number;
  currentlyBanned: number;
  totalBanned: number;
  linesRead: number;
  linesMatched: number;
  /** Lines over the line budget, abandoned (each logged as a WARNING). */
  linesAbandoned: number;
  /** false while an action of the jail failed to start (f2b_jail_healthy); absent counts as healthy. */
  healthy?: boolean;
}

/** One jail's ban-latency histogram (see Histogram in metrics.ts, which makes these). */
export interface LatencySnapshot {
  jail: string;
  /** Bucket upper bounds in seconds, ascending. */
  buckets: readonly number[];
  /** Observations per bucket (not cumulative); those above the last bound count only in `count`. */
  counts: readonly number[];
  sum: number;
  count: number;
}

/** `f2b get JAIL KEY`: the keys fail2ban-client answers that we support. */
export const JAIL_KEYS = [
  "banned",
  "banip",
  "maxretry",
  "findtime",
  "bantime",
  "logpath",
  "ignoreip",
  "ignoreself",
  "ignorecommand",
  "maxmatches",
  "maxlines",
  "usedns",
  "logencoding",
  "journalmatch",
  "datepattern",
  "failregex",
  "ignoreregex",
  "prefregex",
  "actions",
  "backend",
  "bantime.increment",
  "bantime.factor",
  "bantime.formula",
  "bantime.multipliers",
  "bantime.maxtime",
  "bantime.rndtime",
  "bantime.overalljails",
] as const;
export type JailKey = (typeof JAIL_KEYS)[number];
export type JailValue = string | number | boolean | null | string[];

/** `f2b set JAIL KEY VALUE`: the settings that change in the running jail (a reload or restart
 *  goes back to the configuration, as in fail2ban). */
export const SETTABLE_KEYS = [
  "bantime",
  "findtime",
  "maxretry",
  "maxmatches",
  "bantime.increment",
  "bantime.factor",
  "bantime.formula",
  "bantime.multipliers",
  "bantime.maxtime",
  "bantime.rndtime",
  "bantime.overalljails",
] as const satisfies readonly JailKey[];
export type SettableKey = (typeof SETTABLE_KEYS)[number];

/** `f2b get logtarget|dbfile|dbpurgeage|dbmaxmatches`: the server's settings fail2ban-client reads. */
export const SERVER_KEYS = ["logtarget", "dbfile", "dbpurgeage", "dbmaxmatches"] as const;
export type ServerKey = (typeof SERVER_KEYS)[number];

/** fail2ban-client's `reload` options. */
export interface ReloadOptions {
  /** Stop the jail(s) completely before starting them again (`--restart`). */
  restart?: boolean;
  /** Lift every ban of the jail(s) first, database included (`--unban`). */
  unban?: boolean;
  /** A named jail that is not running is started (when the config enables it) instead of
   *  being an UnknownJailError (`--if-exists`). */
  ifExists?: boolean;
}

export interface Controller {
  version(): Awaitable<string>;
  /** Resolves when the server is responsive (fail2ban's `ping`). */
  ping(): Awaitable<void>;
  /** Jail names, sorted; `unhealthy` (only when there are any) the jails that cannot ban and why. */
  status(): Awaitable<{ jails: string[]; unhealthy?: UnhealthyJail[] }>;
  /** Throws UnknownJailError for a jail that does not exist. */
  jailStatus(jail: string): Awaitable<JailStatus>;
  /** IPs are already validated and normalised; returns how many were newly banned. */
  banIp(jail: string, ips: string[]): Awaitable<number>;
  /** Unban in one jail or (jail undefined) in all; returns how many bans were removed. With
   *  `reportAbsent` (one jail only) an address that was not banned is a CommandFailedError after
   *  the others are unbanned, as fail2ban's `unbanip --report-absent`. */
  unbanIp(ips: string[], jail?: string, opts?: UnbanOptions): Awaitable<number>;
  /** Unban everything (in one jail or all); returns the number removed. */
  unbanAll(jail?: string, opts?: UnbanOptions): Awaitable<number>;
  get(jail: string, key: JailKey): Awaitable<JailValue>;
  /** Both return the jail's ignoreip list after the change. */
  addIgnoreIp(jail: string, ip: string): Awaitable<string[]>;
  delIgnoreIp(jail: string, ip: string): Awaitable<string[]>;
  /** All current bans across jails. */
  banned(): Awaitable<BanInfo[]>;
  /** Reload the configuration (one jail or all); bans are kept unless `opts` say otherwise.
   *  A broken config throws (ConfigError, naming file and line) and changes nothing. */
  reload(jail?: string, opts?: ReloadOptions): Awaitable<void>;
  /** Starts a jail of the configuration that is not running (no-op when it runs). */
  startJail(jail: string): Awaitable<void>;
  /** Stops one jail (its bans leave the firewall, stay in the database); the server runs on. */
  stopJail(jail: string): Awaitable<void>;
  /** Stops every jail; the server runs on (fail2ban's `stop --all`). */
  stopAllJails(): Awaitable<void>;
  /** Changes a setting of the running jail; returns the value now in force (what `get` answers).
   *  A bad value is an InvalidInputError. */
  setJail(jail: string, key: SettableKey, value: string): Awaitable<JailValue>;
  /** The log level as fail2ban prints it ('INFO', or the number it was set to). */
  logLevel(): Awaitable<string>;
  /** logtarget and dbfile as configured, dbpurgeage in seconds, dbmaxmatches. */
  serverSetting(key: ServerKey): Awaitable<string | number | null>;
  /** Throws InvalidInputError for an unknown level; returns the level now in force. */
  setLogLevel(level: string): Awaitable<string>;
  /** Shut the server down. Called after the HTTP reply has been sent. */
  stop(): Awaitable<void>;
  metrics(): Awaitable<JailCounters[]>;
  /** fail2ban's flushlogs: reopen the log file. */
  flushLogs?(): Awaitable<"rolled over" | "flushed">;
  /** Every ban that started at or after `sinceEpoch` (expired ones too), for the status page's
   *  24 h chart. Without it the chart shows only the bans still in force. */
  banHistory?(sinceEpoch: number): Awaitable<BanEvent[]>;
  /** Per jail: seconds from reading the log line that completed a ban to the firewall
   *  confirming it (f2b_ban_latency_seconds on /metrics). */
  banLatency?(): Awaitable<LatencySnapshot[]>;
  /** Why an address is (or was) banned: its current bans with the matched lines, its earlier
   *  bans with how they ended, and its failures counted now. An address never seen: all empty. */
  banDetail(ip: string): Awaitable<BanDetail>;
  /** Addresses with failures not banned yet (one jail or all), closest to a ban first. */
  failing(jail?: string): Awaitable<FailingEntry[]>;
  /** Whether the jail reads its source (and, where known, whether its actions work). */
  jailHealth(jail: string): Awaitable<JailHealth>;
  /** The jail's settings in force. */
  jailSettings(jail: string): Awaitable<JailSettingsView>;
  /** Recent events, newest first. */
  events(q: EventQuery): Awaitable<ServerEvent[]>;
  /** Ban sharing with other hosts: link state, counters; null when [cluster] is off. */
  cluster?(): Awaitable<ClusterStatus | null>;
}

export interface UnbanOptions {
  /** One jail only: an address that was not banned is a CommandFailedError (`--report-absent`). */
  reportAbsent?: boolean;
  /** Who asks (kept in the ban history); default "api". */
  by?: UnbanActor;
}

/** Thrown by a Controller for a jail name that does not exist (→ 404). */
export class UnknownJailError extends Error {
  constructor(readonly jail: string) {
    super(`Sorry but the jail '${jail}' does not exist`);
    this.name = "UnknownJailError";
  }
}

/** A command that could not be carried out for a reason the user must read (→ 409 with the message). */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandFailedError";
  }
}

/** Thrown by a Controller (or the API) for bad input (→ 400); `field` names the offending input. */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "InvalidInputError";
  }
}
