// Turns a jail as the config reader resolved it (strings) into typed settings, so that every
// bad value is reported once, at load, with the file and line that set it.
import type { FilterDefinition } from "../config/filter-reader.ts";
import { parseIntOption } from "../config/definition-init.ts";
import { ConfigError } from "../config/errors.ts";
import { formatWarning } from "../config/jail-options.ts";
import { parseLineBudget } from "../config/line-budget.ts";
import { extractOptions, splitWords } from "../config/options.ts";
import type { JailAction, JailConfig, LogPath } from "../config/jail-reader.ts";
import type { IncrementOptions } from "../ban/increment.ts";
import { zoneOffsetMinutes } from "../filter/date/strptime.ts";
import type { FilterOptions } from "../filter/filter.ts";
import type { IgnoreCacheOptions, IgnoreOptions } from "../jail/ignore.ts";
import { unreadableIgnoreFiles } from "../jail/ignore-file.ts";
import { planBanaction, unappliedNativeOptions } from "../action/banaction.ts";
import { parseTime } from "../jail/time.ts";
import { journalSelection, type JournalSelection } from "../source/journal-backend.ts";
import { parseJournalMatch } from "../source/journal-match.ts";
import type { Family } from "../net/address.ts";
import { BANPREFIX_RANGE, defaultPrefixPolicy, parseEscalation, parsePrefixLength, type PrefixPolicy } from "../net/prefix.ts";

export interface JailSettings {
  name: string;
  /** "FILE:LINE" of the jail's section, for messages. */
  where: string;
  /** As configured, e.g. "systemd[journalflags=1]". */
  backend: string;
  /** The backend's name (auto, polling, pyinotify, systemd ...). */
  backendName: string;
  /** Which journal the journal backends read (the backend's `[journalpath=, ...]` options). */
  journal: JournalSelection;
  logpaths: LogPath[];
  logencoding: string;
  journalmatch: string[][];
  /** fail2ban 1.1: a file jail none of whose log files exists (skip_if_nologs, systemd_if_nologs). */
  noLogs: { skip: boolean; systemd: boolean; ownJournalmatch: boolean };
  filter: FilterDefinition;
  maxretry: number;
  maxmatches: number;
  findtime: number;
  bantime: number;
  increment: IncrementOptions;
  ignoreip: string[];
  ignoreself: boolean;
  ignorecommand?: string;
  ignorecache: IgnoreCacheOptions | null;
  /** fail2ban's logtimezone ("UTC", "+0200", "CET"): zone of log dates that carry none. */
  logtimezone?: string;
  usedns: string;
  actions: JailAction[];
  /** Every resolved option, for `f2b get` and action tags. */
  options: Record<string, string>;
  /** f2b's own linebudget in ms when the jail sets it (else fail2ban.conf's applies). */
  linebudget?: number;
  /** f2b's own banprefix4/6, escalate4/6, minprefix4/6 (all off: per address, as fail2ban). */
  prefix: PrefixPolicy;
  /** "FILE:LINE: …" for options nothing reads; printed by `f2b -t` and logged at start. */
  warnings: string[];
}

/** The jail's options for its Filter (the running jail and `f2b -t` build it the same way). */
export function filterOptions(s: JailSettings): FilterOptions {
  return { findTime: s.findtime, useDns: s.usedns, ...(s.logtimezone !== undefined ? { logTimeZone: s.logtimezone } : {}) };
}

/** The jail's options for its IgnoreList. */
export function ignoreOptions(s: JailSettings): IgnoreOptions {
  const opts: IgnoreOptions = { jail: s.name, ignoreip: s.ignoreip, ignoreself: s.ignoreself, ignorecache: s.ignorecache };
  if (s.ignorecommand !== undefined) opts.ignorecommand = s.ignorecommand;
  return opts;
}

const TRUE = /^(1|yes|true|on)$/iu;
const FALSE = /^(0|no|false|off)$/iu;

/** Reads one typed option; errors name the jail's file and line and the offending text. */
class OptionReader {
  constructor(private readonly jail: JailConfig) {}

  /**
   * The file and line that set the option (jail.local over jail.conf; the filter file for a
   * filter option the jail does not set), else the jail's header.
   */
  at(opt: string): { file?: string; line?: number } {
    return this.jail.where[opt] ?? this.jail.filterDef?.where?.[opt] ?? { file: this.jail.file, line: this.jail.line };
  }

  fail(opt: string, what: string, value: string): never {
    throw new ConfigError(`jail [${this.jail.name}] option '${opt}': ${what}`, this.at(opt), value);
  }

  str(opt: string, dflt = ""): string {
    return this.jail.options[opt] ?? dflt;
  }

  int(opt: string, dflt: number): number {
    const v = this.jail.options[opt];
    if (v === undefined || v.trim() === "") return dflt;
    if (!/^\s*-?\d+\s*$/u.test(v)) this.fail(opt, "not a whole number", v);
    return Number(v);
  }

  bool(opt: string, dflt: boolean): boolean {
    const v = this.jail.options[opt];
    if (v === undefined || v.trim() === "") return dflt;
    if (TRUE.test(v.trim())) return true;
    if (FALSE.test(v.trim())) return false;
    return this.fail(opt, "not a boolean (true/false, yes/no, 1/0)", v);
  }

  journalmatch(value: string | undefined): string[][] {
    try {
      return parseJournalMatch(value ?? "");
    } catch (e) {
      return this.fail("journalmatch", (e as Error).message, value ?? "");
    }
  }

  time(opt: string, dflt: number): number {
    const v = this.jail.options[opt];
    if (v === undefined || v.trim() === "") return dflt;
    try {
      return parseTime(v);
    } catch (e) {
      // parseTime quotes the value itself; fail() appends it once.
      return this.fail(opt, `not a time span (${(e as Error).message.replace(/^invalid time value ".*?": /su, "")})`, v);
    }
  }

  /** fail2ban's setIgnoreCache: the value is read as the options of `cache[VALUE]`. */
  ignorecache(): IgnoreCacheOptions | null {
    const v = this.str("ignorecache");
    let opts: Record<string, string>;
    try {
      opts = extractOptions(`cache[${v}]`).options;
    } catch {
      return this.fail("ignorecache", 'expected key="<ip>", max-count=N, max-time=TIME', v);
    }
    if (Object.keys(opts).length === 0) return null;
    const key = opts["key"];
    if (!key) return this.fail("ignorecache", 'missing key (e.g. key="<ip>")', v);
    const maxCount = parseIntOption(opts["max-count"] ?? "100");
    if (maxCount === undefined || maxCount <= 0) return this.fail("ignorecache", "max-count must be a positive whole number", v);
    try {
      return { key, maxCount, maxTime: parseTime(opts["max-time"] ?? "300") };
    } catch (e) {
      return this.fail("ignorecache", `max-time: ${(e as Error).message}`, v);
    }
  }

  /** Milliseconds, when the jail sets it. */
  lineBudget(): number | undefined {
    const v = this.jail.options["linebudget"];
    if (v === undefined || v.trim() === "") return undefined;
    try {
      return parseLineBudget(v);
    } catch (e) {
      return this.fail("linebudget", (e as Error).message, v);
    }
  }

  /** banprefix4/6, minprefix4/6, escalate4/6 (src/net/prefix.ts); minprefix first, the others are checked against it. */
  prefixPolicy(): PrefixPolicy {
    const p = defaultPrefixPolicy();
    const families: Family[] = [4, 6];
    const read = <T>(opt: string, parse: (v: string) => T): T | undefined => {
      const v = this.jail.options[opt];
      if (v === undefined || v.trim() === "") return undefined;
      try {
        return parse(v);
      } catch (e) {
        return this.fail(opt, (e as Error).message, v);
      }
    };
    for (const f of families) {
      const bits = f === 4 ? 32 : 128;
      p.min[f] = read(`minprefix${f}`, (v) => parsePrefixLength(v, 1, bits)) ?? p.min[f];
      const [lo, hi] = BANPREFIX_RANGE[f];
      p.ban[f] =
        read(`banprefix${f}`, (v) => {
          const n = parsePrefixLength(v, lo, hi);
          if (n < p.min[f]) throw new Error(`/${n} is shorter than minprefix${f} (/${p.min[f]})`);
          return n;
        }) ?? p.ban[f];
    }
    for (const f of families) {
      const e = read(`escalate${f}`, (v) => parseEscalation(v, f, p, parseTime));
      if (e) p.escalate[f] = e;
    }
    return p;
  }

  /** fail2ban's validateTimeZone: UTC/GMT/Z, an offset (+0200, -05:30) and/or a zone abbreviation. */
  timezone(): string | undefined {
    // fail2ban sends even an empty `logtimezone =`, which its parser reads as UTC.
    const v = this.jail.options["logtimezone"]?.trim();
    if (v === undefined) return undefined;
    if (zoneOffsetMinutes(v) === undefined) this.fail("logtimezone", "unknown or unsupported time zone (use UTC, +0200, CET, UTC-0500 ...)", v);
    return v;
  }
}

/** fail2ban's backends: the inotify/gamin ones are all served by f2b's file tailer. */
const BACKENDS = new Set(["auto", "pyinotify", "inotify", "gamin", "polling", "systemd"]);

export function jailSettings(jail: JailConfig): JailSettings {
  if (jail.error) throw jail.error;
  const r = new OptionReader(jail);
  const at = r.at("backend");
  const { name: backendName, options: backendOptions } = extractOptions(jail.backend, at);
  if (!BACKENDS.has(backendName)) {
    throw new ConfigError(`jail [${jail.name}] option 'backend': unknown backend (use auto, polling, pyinotify or systemd)`, at, jail.backend);
  }
  let journal: ReturnType<typeof journalSelection>;
  try {
    journal = journalSelection(backendOptions);
  } catch (e) {
    throw new ConfigError(`jail [${jail.name}] option 'backend': ${(e as Error).message}`, at, jail.backend);
  }
  const readsJournal = backendName === "systemd" || backendName === "auto";
  const backendWarnings = (readsJournal ? journal.unknown : Object.keys(backendOptions)).map((k) =>
    formatWarning({ message: `jail [${jail.name}] option 'backend': ${backendName} has no option '${k}'; it is ignored`, ...at }),
  );
  const where = `${jail.file}:${jail.line}`;
  if (!jail.filterDef) throw new ConfigError(`jail [${jail.name}] has no filter`, { file: jail.file, line: jail.line });
  const maxretry = r.int("maxretry", 5);
  const ignoreip = splitWords(r.str("ignoreip"));
  // An allow-list that cannot be read protects nobody: say so at the ignoreip line (fail2ban is silent).
  const actionWarnings = jail.actions.flatMap((a) => {
    const plan = a.python ? null : planBanaction(a.options["type"] ? `${a.name}[type=${a.options["type"]}]` : a.name);
    const options = { ...a.options, ...(a.definition?.options ?? {}) };
    return plan
      ? unappliedNativeOptions(plan, options, a.options).map((m) =>
          formatWarning({ message: `jail [${jail.name}] action '${a.name}': ${m}`, ...r.at("action") }),
        )
      : [];
  });
  const ignoreFileWarnings = unreadableIgnoreFiles(ignoreip).map(({ fileName, why }) =>
    formatWarning({
      message: `jail [${jail.name}] option 'ignoreip': file ${fileName} cannot be read, nothing in it is ignored until it can: ${why}`,
      ...r.at("ignoreip"),
    }),
  );
  const logtimezone = r.timezone();
  const linebudget = r.lineBudget();
  const prefix = r.prefixPolicy();
  return {
    name: jail.name,
    where,
    backend: jail.backend,
    backendName,
    journal: journal.selection,
    logpaths: jail.logpaths,
    logencoding: r.str("logencoding", "auto"),
    journalmatch: r.journalmatch(jail.filterDef.journalmatch ?? jail.options["journalmatch"]),
    // the jail's own journalmatch (or [DEFAULT]'s), not its filter's: 1.1.1's JailReader looks only there
    noLogs: { skip: r.bool("skip_if_nologs", false), systemd: r.bool("systemd_if_nologs", true), ownJournalmatch: jail.options["journalmatch"] !== undefined },
    filter: jail.filterDef,
    maxretry,
    maxmatches: r.int("maxmatches", maxretry),
    findtime: r.time("findtime", 600),
    bantime: r.time("bantime", 600),
    increment: {
      increment: r.bool("bantime.increment", false),
      factor: r.str("bantime.factor") || undefined,
      formula: r.str("bantime.formula") || undefined,
      multipliers: r.str("bantime.multipliers") || undefined,
      maxtime: r.str("bantime.maxtime") || undefined,
      rndtime: r.str("bantime.rndtime") || undefined,
      overalljails: r.bool("bantime.overalljails", false),
    },
    ignoreip,
    ignoreself: r.bool("ignoreself", true),
    ignorecommand: r.str("ignorecommand") || undefined,
    ignorecache: r.ignorecache(),
    ...(logtimezone !== undefined ? { logtimezone } : {}),
    usedns: r.str("usedns", "warn"),
    ...(linebudget !== undefined ? { linebudget } : {}),
    prefix,
    actions: jail.actions,
    options: jail.options,
    warnings: [...jail.warnings.map(formatWarning), ...backendWarnings, ...ignoreFileWarnings, ...actionWarnings],
  };
}
