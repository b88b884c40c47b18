// The journal backend's own options, `systemd[journalpath=.., journalfiles=.., journalflags=..,
// namespace=..]` (fail2ban 1.1.1's FilterSystemd), read in one place for the daemon's jails and
// `f2b regex systemd-journal[...]`. `files` is f2b's short form of journalfiles; `rotated` needs
// nothing: journalctl reads rotated journal files too, as rotated = on does.
import type { JournalArgsOptions } from "./journal-args.ts";

export const JOURNAL_BACKEND_OPTIONS: readonly string[] = ["journalpath", "journalfiles", "files", "journalflags", "namespace", "rotated"];

/** What the backend options select: which journal journalctl reads. */
export type JournalSelection = Pick<JournalArgsOptions, "directory" | "files" | "namespace" | "flags">;

export class JournalBackendError extends Error {}

/**
 * The backend's `[...]` options as a journal selection, and the names it does not know (the
 * caller decides whether that is a warning or an error). A journalflags value that is not a
 * number throws JournalBackendError.
 */
export function journalSelection(options: Readonly<Record<string, string>>): { selection: JournalSelection; unknown: string[] } {
  const flags = options["journalflags"];
  if (flags !== undefined && !/^\s*\d+\s*$/u.test(flags)) throw new JournalBackendError(`journalflags must be a number: ${flags}`);
  const files = [options["journalfiles"], options["files"]]
    .filter((v): v is string => !!v)
    .flatMap((v) => v.split(/[\s,]+/u))
    .filter((f) => f !== "");
  const selection: JournalSelection = {
    files,
    ...(options["journalpath"] ? { directory: options["journalpath"] } : {}),
    ...(options["namespace"] ? { namespace: options["namespace"] } : {}),
    ...(flags !== undefined ? { flags: Number(flags) } : {}),
  };
  return { selection, unknown: Object.keys(options).filter((k) => !JOURNAL_BACKEND_OPTIONS.includes(k)) };
}
