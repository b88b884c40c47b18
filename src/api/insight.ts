// What the control API answers to "why?" and "is it working?" (issue 14): a ban's detail with its
// matched lines and history, the addresses failing right now, each jail's source health and
// settings, and the recent events. Types only; the server fills them (src/server/insight.ts),
// the page, the JSON API and the CLI show them.

/** Who lifted a ban before its time: the CLI (`f2b unban`), another API client, the server itself
 *  (`reload --unban`), or another host of the cluster (a shared unban). */
export type UnbanActor = "cli" | "api" | "server" | "cluster";

/** How a ban ended; absent while the ban is in force. */
export interface BanEnd {
  /** Epoch seconds. */
  at: number;
  how: "expired" | "unbanned";
  /** Set when unbanned by hand. */
  by?: UnbanActor;
}

/** One ban of an address in one jail, current or past, with why it happened. */
export interface BanRecord {
  jail: string;
  ip: string;
  /** Epoch seconds when the ban started. */
  timeOfBan: number;
  /** Ban duration in seconds; -1 = permanent. */
  bantime: number;
  /** Epoch seconds the ban ends (or ended); null = permanent. */
  end: number | null;
  /** The n-th ban of this address (bantime.increment's count). */
  banCount: number;
  /** Attempts counted for this ban (fail2ban's `<failures>`). */
  failures: number;
  /** The matched log lines that led to the ban (the last dbmaxmatches of them). */
  matches: string[];
  /** User names the filter captured (`<F-USER>`), if any. */
  users: string[];
  /** True while the ban is in force. */
  active: boolean;
  /** How it ended; absent while active. */
  ended?: BanEnd;
  /** hostid of the cluster peer that decided a current ban ([cluster]); absent for bans made here. */
  origin?: string;
}

/** `GET /api/v1/bans/:ip/why`, `f2b banned --why ADDR`. */
export interface BanDetail {
  ip: string;
  /** Bans in force now, one per jail, most recent first. */
  current: BanRecord[];
  /** Earlier bans still in the database (expired or lifted by hand), most recent first. */
  history: BanRecord[];
  /** Failures counted against the address right now, per jail (not banned there yet). */
  failing: FailingEntry[];
}

/** An address with failures in a jail, not banned yet (fail2ban's "Currently failed" entries). */
export interface FailingEntry {
  jail: string;
  /** The address (or failure id). */
  ip: string;
  /** Attempts counted within findtime. */
  failures: number;
  /** The jail's maxretry: at failures >= maxretry the address is banned. */
  maxretry: number;
  /** Epoch seconds of the first and the last counted failure. */
  firstSeen: number;
  lastSeen: number;
  /** The last matched lines (up to the jail's maxmatches). */
  matches: string[];
  users: string[];
}

/** One watched log file of a jail. */
export interface SourceFileHealth {
  path: string;
  /** "ok": read; "missing": no such file (yet); "empty": exists with nothing in it;
   *  "unreadable": exists but cannot be read (permissions, not a regular file...). */
  state: "ok" | "missing" | "empty" | "unreadable";
  /** Why, when state is not "ok". */
  reason?: string;
  /** Bytes; null when the file cannot be looked at. */
  size: number | null;
  /** Byte offset read up to; null when not being read. */
  position: number | null;
  /** Epoch seconds the last line was read from it (since the server started); null: none yet. */
  lastLineAt: number | null;
  /** Epoch seconds the file was last written (its mtime); null when it cannot be looked at. */
  modifiedAt: number | null;
}

/** What a jail reads and whether it can. */
export interface SourceHealth {
  kind: "files" | "journal" | "none";
  ok: boolean;
  /** "WHAT: why" for everything not being read (the same text as `status`'s problems). */
  problems: string[];
  /** File jails: every watched path. */
  files: SourceFileHealth[];
  /** systemd jails: the match (" + "-joined as fail2ban prints it). */
  journalMatch?: string;
  /** Epoch seconds of the newest line or journal entry read (since the server started). */
  lastLineAt: number | null;
  /** Seconds since lastLineAt (at the time of asking); null when nothing was read yet. */
  lastLineAgeSec: number | null;
  /** Seconds without a line: since the last one, or since the source started when none came
   *  yet (f2b_source_last_line_age_seconds: an alert fires when a jail goes blind); null: not running. */
  silentSec: number | null;
}

/** A part of a jail that can fail, as data: the action part is filled where actions report it. */
export interface HealthPart {
  ok: boolean;
  problems: string[];
}

/** `health` of `GET /api/v1/jails/:name`: ok only when every part is ok. */
export interface JailHealth {
  ok: boolean;
  /** Every part's problems, one line each. */
  problems: string[];
  source: SourceHealth;
  /** The jail's actions (absent where they do not report their health). */
  action?: HealthPart;
}

/** bantime.increment and its options, as in force. */
export interface IncrementView {
  enabled: boolean;
  factor: string;
  formula: string;
  multipliers: string;
  /** Seconds; null = unset. */
  maxtime: number | null;
  rndtime: number | null;
  overalljails: boolean;
}

/** A jail's settings in one place (the values in force, `set` changes included). */
export interface JailSettingsView {
  maxretry: number;
  /** Seconds. */
  findtime: number;
  /** Seconds; -1 = permanent. */
  bantime: number;
  maxmatches: number;
  increment: IncrementView;
  ignoreip: string[];
  ignoreself: boolean;
  ignorecommand: string;
  /** Action names, in order. */
  actions: string[];
  backend: string;
  filter: string;
  /** File jails: the logpath patterns as configured. */
  logpath: string[];
  /** systemd jails: the journal match. */
  journalmatch: string[];
}

/** `GET /api/v1/jails/:name`: the status plus health and settings. */
export interface JailDetailExtra {
  health: JailHealth;
  settings: JailSettingsView;
}

export const EVENT_KINDS = ["ban", "unban", "prolong", "restore", "reconcile", "reload", "error"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One entry of the event log (bounded: the oldest go first). */
export interface ServerEvent {
  /** Increasing; a client can ask for what came after the last one it saw. */
  id: number;
  /** Epoch seconds (fractional). */
  time: number;
  kind: EventKind;
  /** null for server-wide events (a reload of all jails). */
  jail: string | null;
  ip: string | null;
  /** One line a human reads: "banned for 10m (5 failures)", "unbanned by cli", "expired". */
  message: string;
  /** unban events: how the ban ended. */
  ended?: BanEnd;
}

/** An event as the server records it (id and time are added by the log). */
export interface NewEvent {
  kind: EventKind;
  jail: string | null;
  ip?: string | null;
  message: string;
  ended?: BanEnd;
}

/** What the server and the ban managers record events through (deps); the database's event log
 *  (src/db/event-log.ts) implements it. */
export interface EventRecorder {
  record(e: NewEvent): void;
}

/** `GET /api/v1/events?since=&limit=&jail=&kind=`. */
export interface EventQuery {
  /** Epoch seconds: only events at or after. */
  since?: number;
  /** Only events with a larger id. */
  afterId?: number;
  jail?: string;
  kinds?: EventKind[];
  /** Newest first, at most this many (default 100, at most 1000). */
  limit?: number;
}
