/**
 * The journalctl command lines of the journal source: the follow run and the one-shot look at
 * the newest matching entry (where fail2ban's reader starts "operation mode").
 */
import { existsSync, readFileSync } from "node:fs";
import { JOURNAL_FIELDS } from "./journal-entry.ts";
import type { JournalSourceOptions } from "./types.ts";

export interface JournalArgsOptions extends JournalSourceOptions {
  /** journalpath / journalfiles / namespace / journalflags of fail2ban's systemd backend. */
  directory?: string;
  files?: string[];
  namespace?: string;
  flags?: number;
  /** journalctl binary (default "journalctl"). */
  journalctl?: string;
  /** Keep waiting for new entries (default true); false reads what is there and exits (f2b regex). */
  follow?: boolean;
  /**
   * The local machine's journal directory, for `journalflags` with LOCAL_ONLY (default: found
   * from /etc/machine-id under /var/log/journal, else /run/log/journal; null: none).
   */
  localJournalDir?: string | null;
}

const JOURNAL_LOCAL_ONLY = 1;
const JOURNAL_SYSTEM = 4;
const JOURNAL_CURRENT_USER = 8;

/** Where journald keeps this machine's journal files (persistent first), or null. */
export function findLocalJournalDir(root = "/"): string | null {
  let id: string;
  try {
    id = readFileSync(`${root}etc/machine-id`, "utf8").trim();
  } catch {
    return null;
  }
  if (!/^[0-9a-f]{32}$/u.test(id)) return null;
  return [`${root}var/log/journal/${id}`, `${root}run/log/journal/${id}`].find((d) => existsSync(d)) ?? null;
}

/**
 * Which files to read. fail2ban's python-systemd Reader sees every boot in the files it opens;
 * journalctl does too, except that `--follow` without `--merge` silently adds `--boot` (only the
 * newest boot's entries). So every run merges, and LOCAL_ONLY (fail2ban: the local machine's
 * files, no other machines' directories) is had by naming the local machine's directory instead.
 */
function fileArgs(o: JournalArgsOptions): string[] {
  const args = ["--merge"];
  // fail2ban: SYSTEM_ONLY unless a path/files are given or journalflags says otherwise.
  const explicit = !!o.directory || (o.files?.length ?? 0) > 0;
  const flags = o.flags ?? (explicit ? 0 : JOURNAL_SYSTEM);
  let directory = o.directory;
  if (flags & JOURNAL_LOCAL_ONLY && !explicit && !o.namespace) {
    directory = (o.localJournalDir === undefined ? findLocalJournalDir() : o.localJournalDir) ?? undefined;
    if (!directory) args.length = 0; // no local journal directory: journalctl's own LOCAL_ONLY
  }
  if (directory) args.push(`--directory=${directory}`);
  for (const f of o.files ?? []) args.push(`--file=${f}`);
  if (o.namespace) args.push(`--namespace=${o.namespace}`);
  if (flags & JOURNAL_SYSTEM) args.push("--system");
  if (flags & JOURNAL_CURRENT_USER) args.push("--user");
  return args;
}

function matchArgs(o: JournalArgsOptions): string[] {
  const groups = o.matches.filter((g) => g.length > 0);
  return groups.length > 0 ? ["--", ...groups.flatMap((g, i) => (i === 0 ? g : ["+", ...g]))] : [];
}

/**
 * The journalctl command line (argv, never a shell string: match values are data): after `cursor`
 * (at it when `atCursor`), else from `since` (a filter too: older entries are never shown), else
 * per `start`.
 */
export function journalctlArgs(o: JournalArgsOptions, cursor: string | null, since: number | null, atCursor = false): string[] {
  // export (parsed by journal-export.ts): a third of json's CPU in journalctl. --all: json would
  // print fields over 4 KiB as null without it; kept so that both formats show the same values.
  const args = [o.journalctl ?? "journalctl", "--output=export", "--no-pager", "--quiet", "--all"];
  if (o.follow !== false) args.push("--follow");
  args.push(...fileArgs(o), `--output-fields=${JOURNAL_FIELDS.join(",")}`);
  if (cursor) args.push(atCursor ? `--cursor=${cursor}` : `--after-cursor=${cursor}`, "--no-tail");
  else if (since !== null) args.push(`--since=@${since.toFixed(6)}`, "--no-tail");
  else if (o.start === "head") args.push("--no-tail");
  else args.push("--lines=0");
  return [...args, ...matchArgs(o)];
}

/** The matching entries from `since` on, once (the caller reads the first). */
export function firstEntryArgs(o: JournalArgsOptions, since: number): string[] {
  return [
    o.journalctl ?? "journalctl",
    "--output=json",
    "--no-pager",
    "--quiet",
    ...fileArgs(o),
    "--output-fields=__CURSOR",
    `--since=@${since.toFixed(6)}`,
    ...matchArgs(o),
  ];
}

/** The newest matching entry, once (no --follow). */
export function lastEntryArgs(o: JournalArgsOptions): string[] {
  return [o.journalctl ?? "journalctl", "--output=json", "--no-pager", "--quiet", ...fileArgs(o), "--output-fields=__CURSOR", "--lines=1", ...matchArgs(o)];
}
