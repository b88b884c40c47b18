// `f2b regex systemd-journal[journalpath=.., journalfiles=.., journalflags=.., namespace=..] FILTER`:
// reads the journal entries that match (--journalmatch, else the filter's journalmatch) once, from
// the oldest, formats each as the systemd backend does and hands it on with the entry's own time —
// what fail2ban-regex does with python-systemd.
import { systemClock } from "../system/clock.ts";
import type { FilterDefinition } from "../config/filter-reader.ts";
import { extractOptions } from "../config/options.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import { JOURNAL_BACKEND_OPTIONS, journalSelection } from "../source/journal-backend.ts";
import { parseJournalMatch } from "../source/journal-match.ts";
import { JournalSource, type JournalOptions } from "../source/journal.ts";
import { logFrom } from "../system/log.ts";

/** The time fail2ban knows for a journal line: epoch seconds and the ISO text it prefixes. */
export interface EntryTime {
  time: number;
  timeText: string;
}
export type LineFn = (line: string, at?: EntryTime) => void;

export interface JournalInput {
  /** fail2ban-regex style "Use ..." header lines. */
  header: string[];
  /** Calls `each` for every matching entry, oldest first. Rejects when journalctl fails. */
  each(each: LineFn): Promise<void>;
}

export class JournalInputError extends Error {}

export const isJournalLog = (log: string): boolean => log.startsWith("systemd-journal");

/**
 * The LOG argument as a journal reader, or null when it does not name the journal.
 * `cliMatch` is --journalmatch (one shlex line, "+" separating OR-ed groups); without it the
 * filter's journalmatch applies, as fail2ban-regex does.
 */
export function journalInput(log: string, cliMatch: string | undefined, def: FilterDefinition, tz: TimeZone, journalctl?: string): JournalInput | null {
  if (!isJournalLog(log)) return null;
  let options: Record<string, string>;
  try {
    ({ options } = extractOptions(log));
  } catch (e) {
    throw new JournalInputError(`${log}: ${(e as Error).message}`);
  }
  let journal: ReturnType<typeof journalSelection>;
  try {
    journal = journalSelection(options);
  } catch (e) {
    throw new JournalInputError(`${log}: ${(e as Error).message}`);
  }
  if (journal.unknown.length > 0)
    throw new JournalInputError(`${log}: unknown option ${journal.unknown.join(", ")} (known: ${JOURNAL_BACKEND_OPTIONS.join(", ")})`);
  const matchText = cliMatch ?? def.journalmatch ?? "";
  let matches: string[][];
  try {
    matches = parseJournalMatch(cliMatch !== undefined ? cliMatch.replace(/\n/g, " ") : matchText);
  } catch (e) {
    throw new JournalInputError(`${cliMatch !== undefined ? "--journalmatch" : `${def.file}: journalmatch`}: ${(e as Error).message}`);
  }
  const opts: JournalOptions = { ...journal.selection, matches, start: "head", follow: false, ...(journalctl ? { journalctl } : {}) };
  const header = ["Use         systemd journal", "Use         encoding : UTF-8"];
  const shown = matches.map((g) => g.join(" ")).join(" + ");
  if (shown) header.push(`Use    journal match : ${shown}`);
  return { header, each: (fn) => readEntries(opts, tz, fn) };
}

/** Python's datetime.isoformat() of the entry time. python-systemd gives every entry the
 * UTC offset in force now (not at the entry's time), so fail2ban-regex prints that one. */
export function isoTime(epoch: number, nowOffset: number): string {
  const us = Math.round(epoch * 1e6);
  const sec = Math.floor(us / 1e6);
  const frac = us - sec * 1e6;
  const d = new Date((sec + nowOffset) * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const off = Math.abs(nowOffset);
  const zone = `${nowOffset < 0 ? "-" : "+"}${p(Math.floor(off / 3600))}:${p(Math.floor((off % 3600) / 60))}${off % 60 ? `:${p(off % 60)}` : ""}`;
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}` +
    `${frac ? `.${p(frac, 6)}` : ""}${zone}`
  );
}

/** Python logging's WARNING level. */
const PY_WARNING = 30;

async function readEntries(opts: JournalOptions, tz: TimeZone, each: LineFn): Promise<void> {
  const nowOffset = tz.offsetAt(Date.now() / 1000);
  const errors: string[] = [];
  const warnings: string[] = [];
  const source = new JournalSource(opts, {
    clock: systemClock,
    onLines: (lines) => {
      for (const l of lines) each(l.text, { time: l.time!, timeText: `${isoTime(l.time!, nowOffset)} ` });
    },
    onError: (_source, err) => errors.push(err.message),
    // a warning (an entry the parser could not read) fails the run: a partial answer must not look whole
    log: logFrom(
      (_level, msg) => warnings.push(msg),
      (level) => level >= PY_WARNING,
    ),
  });
  await source.start(); // follow: false — returns once journalctl has printed every entry
  const problem = errors[0] ?? warnings[0];
  if (problem !== undefined) throw new JournalInputError(problem);
}
