// Logging through @logtape/logtape, printed exactly in fail2ban 1.0.2's line format so
// existing tooling (the stock recidive filter, log watchers) keeps working.
//
//   const log = getLog("actions");           // logger "fail2ban.actions"
//   log.notice(`[${jail}] Ban ${ip}`);
//   const handle = setupLogging({ target: "/var/log/f2b.log", level: "INFO" });
//
// logtape has no NOTICE level, so every record carries fail2ban's numeric level in
// its properties; the logtape level is only the nearest match, used by other sinks.
import { configureSync, getLogger, resetSync } from "@logtape/logtape";
import type { LogLevel, LogRecord } from "@logtape/logtape";
import { formatLine, LEVELS, levelName, parseLogLevel } from "./log-format.ts";
import { fdSink, fileSink, SYSLOG_FACILITIES, syslogSink } from "./log-sinks.ts";
import type { LineSink } from "./log-sinks.ts";
import type { Log } from "../system/log.ts";

export { formatLine, formatAsctime, LEVELS, levelName, parseLogLevel } from "./log-format.ts";
export type { LineSink } from "./log-sinks.ts";

const LEVEL_PROP = "f2bLevel";
let threshold: number = LEVELS.INFO;

function toLogtapeLevel(level: number): LogLevel {
  if (level >= 50) return "fatal";
  if (level >= 40) return "error";
  if (level >= 30) return "warning";
  if (level >= 20) return "info";
  if (level >= 10) return "debug";
  return "trace";
}

const FROM_LOGTAPE: Record<LogLevel, number> = {
  fatal: 50,
  error: 40,
  warning: 30,
  info: 20,
  debug: 10,
  trace: 5,
};

function recordLevel(rec: LogRecord): number {
  const v = rec.properties[LEVEL_PROP];
  return typeof v === "number" ? v : FROM_LOGTAPE[rec.level];
}

/** `name` is "actions" or "fail2ban.actions"; both give the logger "fail2ban.actions". */
export function getLog(name: string): Log {
  const parts = name.split(".").filter((p) => p !== "");
  const category = parts[0] === "fail2ban" ? parts : ["fail2ban", ...parts];
  const lt = getLogger(category as [string, ...string[]]);
  const log = (level: number, msg: string): void => {
    if (level < threshold) return;
    lt.emit({
      level: toLogtapeLevel(level),
      message: [msg],
      rawMessage: msg,
      timestamp: Date.now(),
      properties: { [LEVEL_PROP]: level },
    });
  };
  return {
    critical: (m) => log(LEVELS.CRITICAL, m),
    error: (m) => log(LEVELS.ERROR, m),
    warning: (m) => log(LEVELS.WARNING, m),
    notice: (m) => log(LEVELS.NOTICE, m),
    info: (m) => log(LEVELS.INFO, m),
    debug: (m) => log(LEVELS.DEBUG, m),
    log,
    isEnabled: (level) => level >= threshold,
  };
}

/** fail2ban's extractOptions for logtarget: "SYSLOG[facility=local1, padding=1]". */
export function parseLogTarget(spec: string): { target: string; options: Record<string, string> } {
  const m = /^(.*?)\[(.*)\]\s*$/s.exec(spec.trim());
  if (!m) return { target: spec.trim(), options: {} };
  const options: Record<string, string> = {};
  for (const part of m[2]!.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    options[part.slice(0, eq).trim()] = part
      .slice(eq + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2");
  }
  return { target: m[1]!.trim(), options };
}

const asBool = (v: string | undefined, dflt: boolean): boolean => (v === undefined ? dflt : /^(1|yes|true|on)$/i.test(v));

export interface LogOptions {
  /** fail2ban logtarget: a file path, STDOUT, STDERR, SYSLOG (options in [...] allowed). */
  target: string;
  level?: string | number;
  /** fail2ban syslogsocket: "auto" or a path. */
  syslogSocket?: string;
  pid?: number;
  /** Reopen the log file on SIGUSR1 (default true). */
  reopenOnSignal?: boolean;
  /** Use this sink instead of the one `target` names (tests: captureSink()). */
  sink?: LineSink;
}

export interface LogHandle {
  readonly target: string;
  level(): number;
  setLevel(level: string | number): void;
  /** fail2ban's flushlogs: reopens a file target ("rolled over"), else "flushed". */
  flush(): "rolled over" | "flushed";
  close(): Promise<void>;
}

function makeSink(opts: LogOptions, target: string, options: Record<string, string>, pid: number): LineSink {
  switch (target.toUpperCase()) {
    case "STDOUT":
    case "SYSOUT":
      return fdSink(1);
    case "STDERR":
      return fdSink(2);
    case "SYSLOG": {
      const fac = (options.facility ?? "DAEMON").toUpperCase();
      const facility = SYSLOG_FACILITIES[fac];
      if (facility === undefined) throw new Error(`Unknown syslog facility '${options.facility}' in logtarget`);
      return syslogSink({ socket: opts.syslogSocket ?? "auto", facility, pid });
    }
    default:
      try {
        return fileSink(target);
      } catch (e) {
        throw new Error(`Unable to log to '${target}': ${(e as Error).message}`);
      }
  }
}

/** Values in logtape templates: strings raw (like Python's %s), objects as JSON. */
function renderPart(p: unknown): string {
  if (typeof p === "string") return p;
  if (p instanceof Error) return p.message;
  if (typeof p === "object" && p !== null) {
    try {
      return JSON.stringify(p);
    } catch {
      return String(p); // cyclic
    }
  }
  return String(p);
}

/** The current setup, closed when a new one replaces it (fail2ban's `set logtarget`). */
let active: LogHandle | null = null;

/**
 * Configures logtape for the "fail2ban" category; replaces any previous setup.
 * Throws on a bad target or level, leaving the previous setup in place.
 */
export function setupLogging(opts: LogOptions): LogHandle {
  const { target, options } = parseLogTarget(opts.target);
  const pid = opts.pid ?? process.pid;
  const newThreshold = parseLogLevel(opts.level ?? "INFO");
  const sink = opts.sink ?? makeSink(opts, target, options, pid);
  void active?.close();
  const isSys = sink.syslog;
  const fmt = {
    addtime: asBool(options.datetime, !isSys && target.toUpperCase() !== "SYSOUT"),
    padding: asBool(options.padding, !isSys),
  };
  threshold = newThreshold;
  configureSync({
    reset: true,
    sinks: {
      f2b: (rec: LogRecord) => {
        const level = recordLevel(rec);
        const message = rec.message.map(renderPart).join("");
        const name = rec.category.join(".");
        sink.write(formatLine({ timeMs: rec.timestamp, name, pid, level, message }, fmt), level, name);
      },
    },
    filters: { threshold: (rec: LogRecord) => recordLevel(rec) >= threshold },
    loggers: [
      { category: ["fail2ban"], sinks: ["f2b"], filters: ["threshold"], lowestLevel: "trace" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  const onSignal = (): void => sink.reopen();
  if (opts.reopenOnSignal ?? true) process.on("SIGUSR1", onSignal);
  const isFile = !["STDOUT", "SYSOUT", "STDERR", "SYSLOG"].includes(target.toUpperCase());
  let closed = false;
  const handle: LogHandle = {
    target,
    level: () => threshold,
    setLevel(level) {
      threshold = parseLogLevel(level);
    },
    flush() {
      sink.reopen();
      return isFile ? "rolled over" : "flushed";
    },
    async close() {
      if (closed) return;
      closed = true;
      process.off("SIGUSR1", onSignal);
      if (active === handle) {
        active = null;
        resetSync();
      }
      await sink.close();
    },
  };
  active = handle;
  return handle;
}

/** A sink keeping formatted lines in memory, for tests: setupLogging({ target: "capture", sink }). */
export function captureSink(): LineSink & { lines: string[] } {
  const lines: string[] = [];
  return { syslog: false, lines, write: (line) => void lines.push(line), reopen() {}, async close() {} };
}

/** The level name fail2ban prints for `get loglevel`. */
export const currentLevelName = (): string => levelName(threshold);
