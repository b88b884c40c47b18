// Builds a jail's log source from its backend: files (inotify or polling) or the journal.
import type { F2bDatabase } from "../db/database.ts";
import { DateDetector } from "../filter/date/detector.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import type { Clock } from "../system/clock.ts";
import { FileTailer } from "../source/file-tailer.ts";
import { JournalSource } from "../source/journal.ts";
import type { LogLine } from "../source/types.ts";
import { prefixedLog } from "../system/log.ts";
import { getLog } from "./log.ts";
import type { JailSettings } from "./settings.ts";
import { planSource, systemSourceCheck, type SourceCheckDeps } from "./source-check.ts";
import { JournalHealth, journalMatchText, LineTimes, type JailSource } from "./source-status.ts";

export interface SourceContext {
  db: F2bDatabase;
  tz: TimeZone;
  clock: Clock;
  /** A returned promise pauses reading until it settles (backpressure). */
  onLines(lines: LogLine[]): void | Promise<void>;
  /** How `backend = auto` looks at the journal (default: runs journalctl). */
  check?: SourceCheckDeps;
  /** The line times of the source this one replaces (reload): the last line read stays known. */
  lines?: LineTimes;
}

export function makeSource(s: JailSettings, ctx: SourceContext): JailSource {
  const log = getLog("filter");
  // settings.ts validated the backend; planSource picks files or the journal and says what is wrong.
  const plan = planSource(s, ctx.check ?? systemSourceCheck);
  for (const problem of [...plan.errors, ...plan.warnings]) log.error(problem);
  if (plan.note) log.info(`[${s.name}] ${plan.note}`);
  const lines = ctx.lines ?? new LineTimes(ctx.clock.now());
  const deps = {
    onLines: (batch: LogLine[]) => {
      lines.seen(batch, ctx.clock.now());
      return ctx.onLines(batch);
    },
    onError: (path: string, err: Error) => log.error(`[${s.name}] ${path}: ${err.message}`),
    log: prefixedLog(log, `[${s.name}] `),
    clock: ctx.clock,
  };
  if (plan.kind === "journal") {
    const health = new JournalHealth(() => ctx.clock.now());
    const cursor = ctx.db.getJournalCursor(s.name);
    const source = new JournalSource(
      {
        matches: s.journalmatch,
        cursor,
        start: "tail",
        since: cursor ? null : ctx.clock.now() - s.findtime,
        encoding: s.logencoding === "auto" ? "utf-8" : s.logencoding,
        ...s.journal,
      },
      {
        ...deps,
        onLines: (lines) => {
          health.delivered();
          return deps.onLines(lines); // its promise is the backpressure: journalctl waits
        },
        onError: (path, err) => {
          health.error(err.message);
          deps.onError(path, err);
        },
      },
    );
    const journalMatches = journalMatchText(s.journalmatch);
    return Object.assign(source, { describe: () => ({ journalMatches, problems: health.problems(), lines }) });
  }

  const detector = new DateDetector({ datepattern: s.filter.datepattern, now: () => ctx.clock.now(), tz: ctx.tz });
  // fail2ban reads a file without saved position from its start, skipping what is older than
  // findtime; `logpath = FILE tail` starts at its end.
  const start = s.logpaths.some((p) => p.start === "tail") ? "tail" : "head";
  const tailer = new FileTailer(
    {
      patterns: s.logpaths.map((p) => p.path),
      start,
      encoding: s.logencoding,
      positions: ctx.db.getPositions(s.name),
      usePolling: s.backendName === "polling",
      seek: {
        since: ctx.clock.now() - s.findtime,
        lineTime: (text) => {
          const t = detector.matchTime(text)?.time;
          return t === undefined || Number.isNaN(t) ? null : t;
        },
      },
    },
    deps,
  );
  return Object.assign(tailer, { describe: () => ({ fileList: tailer.files(), problems: tailer.problems(), lines }) });
}
