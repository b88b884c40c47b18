// `f2b regex systemd-journal[journalpath=.., journalfiles=.., journalflags=.., namespace=..] FILTER`:
// reads the journal entries that match (--journalmatch, else the filter's journalmatch) once, from
// the oldest, formats each as the systemd backend does and hands it on with the entry's own time —
// what fail2ban-regex does with python-systemd.
import type { FilterDefinition } from "../config/filter-reader.ts";
import { extractOptions } from "../config/options.ts";
import type { TimeZone } from "../filter/date/tz.ts";
import { resolveEncoding } from "../source/encoding.ts";
import { formatEntry, type JournalEntry } from "../source/journal-entry.ts";
import { ExportParser } from "../source/journal-export.ts";
import { parseJournalMatch } from "../source/journal-match.ts";
import { journalctlArgs, type JournalOptions } from "../source/journal.ts";

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
  const known = new Set(["journalpath", "journalfiles", "journalflags", "namespace"]);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new JournalInputError(`${log}: unknown option ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
  const flags = options["journalflags"] !== undefined ? Number(options["journalflags"]) : undefined;
  if (flags !== undefined && !Number.isInteger(flags)) throw new JournalInputError(`${log}: journalflags must be an integer: ${options["journalflags"]}`);
  const matchText = cliMatch ?? def.journalmatch ?? "";
  let matches: string[][];
  try {
    matches = parseJournalMatch(cliMatch !== undefined ? cliMatch.replace(/\n/g, " ") : matchText);
  } catch (e) {
    throw new JournalInputError(`${cliMatch !== undefined ? "--journalmatch" : `${def.file}: journalmatch`}: ${(e as Error).message}`);
  }
  const opts: JournalOptions = {
    matches,
    start: "head",
    follow: false,
    ...(options["journalpath"] ? { directory: options["journalpath"] } : {}),
    files: (options["journalfiles"] ?? "").split(/[\s,]+/u).filter((f) => f !== ""),
    ...(options["namespace"] ? { namespace: options["namespace"] } : {}),
    ...(flags !== undefined ? { flags } : {}),
    ...(journalctl ? { journalctl } : {}),
  };
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

async function readEntries(opts: JournalOptions, tz: TimeZone, each: LineFn): Promise<void> {
  const argv = journalctlArgs(opts, null, null);
  let proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (e) {
    throw new JournalInputError(`cannot run ${argv[0]}: ${(e as Error).message} (the journal needs systemd's journalctl)`);
  }
  const stderr = new Response(proc.stderr).text();
  const enc = resolveEncoding("utf-8");
  const nowOffset = tz.offsetAt(Date.now() / 1000);
  const warnings: string[] = [];
  const parser = new ExportParser((m) => warnings.push(m));
  const handle = (entry: JournalEntry): void => {
    const f = formatEntry(entry, enc);
    each(f.text, { time: f.time, timeText: `${isoTime(f.time, nowOffset)} ` });
  };
  for await (const chunk of proc.stdout) {
    for (const e of parser.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) handle(e);
  }
  const code = await proc.exited;
  if (code !== 0) throw new JournalInputError(`${argv[0]} exited with code ${code}: ${(await stderr).trim().split("\n")[0] || "no message"}`);
  if (parser.incomplete()) throw new JournalInputError(`${argv[0]}'s output ended inside an entry`);
  if (warnings.length > 0) throw new JournalInputError(warnings[0]!);
}
