/** A failure the filter found: one log line (or multi-line group) blaming an id. */
export interface FailureEvent {
  jail: string;
  /** IP address (normalised text) or failure id (F-ID). */
  id: string;
  /** Epoch seconds of the log line. */
  time: number;
  matches: string[];
  /** Extra captured fields; a numeric `failures` counts as that many attempts (fail2ban ticket data). */
  data?: Record<string, unknown>;
}

/** A request to ban, produced by the fail manager at maxretry or by a manual `banip`. */
export interface BanTicket {
  jail: string;
  ip: string;
  /** Epoch seconds the ban counts from (time of the last failure). */
  time: number;
  /** Attempts counted (fail2ban's `<failures>` tag). */
  failures: number;
  matches: string[];
  /** How many times this ip was banned before, as far as known (the ban manager raises it). */
  banCount: number;
  /** Seconds; -1 permanent. The ban manager sets the effective value (bantime.increment). */
  bantime: number;
  /** When true the ban manager keeps `bantime` as given instead of the jail's (incremented) bantime. */
  fixedBantime?: boolean;
  /** Set on tickets restored from the database at start (not written again). */
  restored?: boolean;
  /** Further captured fields, kept in the DB's data JSON. */
  data?: Record<string, unknown>;
  /** Every user name (`<F-USER>`) the counted failures captured, for `f2b banned --why`. */
  users?: string[];
}

/** Last ban of an ip as the ban history knows it (fail2ban's `bips` row). */
export interface BanHistoryEntry {
  banCount: number;
  timeOfBan: number;
  bantime: number;
}

/** Read access to the ban history, used to count known bad ips faster (bantime.increment). */
export interface BanHistory {
  lastBan(ip: string, jail: string | null): BanHistoryEntry | null;
}
