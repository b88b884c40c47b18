// Builds a jail's log source from its backend: files (inotify or polling) or the journal.
import type { F2bDatabase } from "../db/database.ts";
import { DateDetector } from "../filter/date/detector.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import type { Clock } from "../jail/clock.ts";
import { existsSync } from "node:fs";
import { FileTailer } from "../source/file-tailer.ts";
import { JournalSource } from "../source/journal.ts";
import type { LogLine, LogSource } from "../source/types.ts";
import { getLog } from "./log.ts";
import type { JailSettings } from "./settings.ts";

export interface SourceContext {
  db: F2bDatabase;
  tz: TimeZone;
  clock: Clock;
  /** A returned promise pauses reading until it settles (backpressure). */
  onLines(lines: LogLine[]): void | Promise<void>;
}

/** `backend = auto` and no log file exists: f2b reads the journal when the jail's filter knows
 * its journal match (fail2ban would refuse to start the jail). */
function autoToJournal(s: JailSettings): boolean {
  if (s.journalmatch.length === 0 || s.logpaths.length === 0) return false;
  if (s.logpaths.some((p) => /[*?[]/u.test(p.path) || existsSync(p.path))) return false;
  return existsSync("/run/systemd/journal") || existsSync("/var/log/journal");
}

export function makeSource(s: JailSettings, ctx: SourceContext): LogSource {
  const log = getLog("filter");
  // settings.ts validated the backend: any name but systemd (and auto → journal) means files.
  const { backendName: backend, backendOptions: options } = s;
  const deps = {
    onLines: ctx.onLines,
    onError: (path: string, err: Error) => log.error(`[${s.name}] ${path}: ${err.message}`),
    onWarning: (path: string, msg: string) => log.warning(`[${s.name}] ${path}: ${msg}`),
    clock: ctx.clock,
  };
  if (backend === "systemd" || (backend === "auto" && autoToJournal(s))) {
    if (backend === "auto") log.info(`[${s.name}] no log file at ${s.logpaths.map((p) => p.path).join(", ")}: reading the systemd journal`);
    const cursor = ctx.db.getJournalCursor(s.name);
    const files = [options["journalfiles"], options["files"]].filter((v): v is string => !!v).flatMap((v) => v.split(/[\s,]+/u)).filter((f) => f !== "");
    const flags = options["journalflags"] !== undefined ? Number(options["journalflags"]) : undefined;
    return new JournalSource(
      {
        matches: s.journalmatch,
        cursor,
        start: "tail",
        since: cursor ? null : ctx.clock.now() - s.findtime,
        encoding: s.logencoding === "auto" ? "utf-8" : s.logencoding,
        directory: options["journalpath"],
        files,
        namespace: options["namespace"],
        flags,
      },
      deps,
    );
  }

  const detector = new DateDetector({ datepattern: s.filter.datepattern, now: () => ctx.clock.now(), tz: ctx.tz });
  // fail2ban reads a file without saved position from its start, skipping what is older than
  // findtime; `logpath = FILE tail` starts at its end.
  const start = s.logpaths.some((p) => p.start === "tail") ? "tail" : "head";
  return new FileTailer(
    {
      patterns: s.logpaths.map((p) => p.path),
      start,
      encoding: s.logencoding,
      positions: ctx.db.getPositions(s.name),
      usePolling: backend === "polling",
      seek: { since: ctx.clock.now() - s.findtime, lineTime: (text) => {
        const t = detector.matchTime(text)?.time;
        return t === undefined || Number.isNaN(t) ? null : t;
      } },
    },
    deps,
  );
}
