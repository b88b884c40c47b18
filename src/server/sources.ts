// Builds a jail's log source from its backend: files (inotify or polling) or the journal.
import type { F2bDatabase } from "../db/database.ts";
import { DateDetector } from "../filter/date/detector.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import type { Clock } from "../jail/clock.ts";
import { FileTailer } from "../source/file-tailer.ts";
import type { LogLine, LogSource } from "../source/types.ts";
import { getLog } from "./log.ts";
import type { JailSettings } from "./settings.ts";

export interface SourceContext {
  db: F2bDatabase;
  tz: TimeZone;
  clock: Clock;
  onLines(lines: LogLine[]): void;
}

/** fail2ban backends that mean "watch the files": all but systemd and polling use inotify. */
const FILE_BACKENDS = new Set(["auto", "pyinotify", "inotify", "gamin", "polling"]);

export class BackendError extends Error {}

export function makeSource(s: JailSettings, ctx: SourceContext): LogSource {
  const log = getLog("filter");
  const backend = s.backend.replace(/\[.*$/su, "").trim();
  if (!FILE_BACKENDS.has(backend)) {
    throw new BackendError(`jail '${s.name}' (${s.where}): backend '${s.backend}' is not supported`);
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
      seek: { since: ctx.clock.now() - s.findtime, lineTime: (text) => detector.matchTime(text)?.time ?? null },
    },
    {
      onLines: ctx.onLines,
      onError: (path, err) => log.error(`[${s.name}] ${path}: ${err.message}`),
      onWarning: (path, msg) => log.warning(`[${s.name}] ${path}: ${msg}`),
      clock: ctx.clock,
    },
  );
}
