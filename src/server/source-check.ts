// Decides what a jail reads (its log files or the journal) and says loudly when that is nothing.
// fail2ban refuses to start at all when a file jail has no log file ("Have not found any log
// file for X jail"); f2b reports the jail instead and lets it wait for its files (README,
// "Deliberate differences"). fail2ban 1.1's options decide first: `backend = auto` with the jail's
// own journalmatch reads the journal (unless systemd_if_nologs = false), `skip_if_nologs = true`
// skips the jail. Otherwise `auto` with its filter's journalmatch reads the journal only when
// journalctl can read it and it holds entries for that match.
import { statSync } from "node:fs";
import { ConfigError } from "../config/errors.ts";
import { expandPattern, isGlob, parsePattern } from "../source/glob.ts";
import { notALogFile } from "../source/file-kind.ts";
import { journalctlArgs } from "../source/journal-args.ts";
import type { JailSettings } from "./settings.ts";

export interface JournalProbeResult {
  /** journalctl ran and exited 0. */
  ok: boolean;
  /** At least one entry matched. */
  entries: boolean;
  /** journalctl's complaint (first stderr line) or why it could not run. */
  error?: string;
}

export interface SourceCheckDeps {
  /** Whether the journal (as `argv` selects it) holds an entry; argv is journalctl's full command line. */
  probeJournal(argv: string[]): JournalProbeResult;
}

const PROBE_TIMEOUT_MS = 10_000;

export const systemSourceCheck: SourceCheckDeps = {
  probeJournal(argv) {
    try {
      const r = Bun.spawnSync(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: PROBE_TIMEOUT_MS });
      const error = r.stderr.toString().trim().split("\n")[0];
      if (r.exitCode !== 0) return { ok: false, entries: false, error: error || `exit code ${r.exitCode ?? "(killed: timeout)"}` };
      return { ok: true, entries: r.stdout.toString().trim() !== "", ...(error ? { error } : {}) };
    } catch (e) {
      return { ok: false, entries: false, error: `cannot run ${argv[0]}: ${(e as Error).message}` };
    }
  },
};

export interface SourcePlan {
  /** skip: skip_if_nologs and no log file; the jail is not started (fail2ban 1.1). */
  kind: "files" | "journal" | "skip";
  /** Logpaths that can never be read (FIFO, directory, device): `f2b -t` fails on these. */
  errors: string[];
  /** The jail has nothing to read yet (no file, no journal with its entries): it waits. */
  warnings: string[];
  /** Why `auto` reads the journal (for the log). */
  note?: string;
}

/** journalctl printing the newest entry for the jail's journalmatch (the same journal the jail would read). */
export function journalProbeArgs(s: JailSettings): string[] {
  const args = journalctlArgs({ ...s.journal, matches: s.journalmatch, start: "tail", follow: false }, null, null);
  // The reader's own start position (end, cursor, time) is replaced by "the newest entry".
  const kept = args.filter((a) => !/^--(lines|no-tail|since|after-cursor|cursor)\b/u.test(a));
  const end = kept.indexOf("--");
  kept.splice(end < 0 ? kept.length : end, 0, "--lines=1");
  return kept;
}

/** The jail's log files: how many can be read, the unusable ones (errors), and what was tried. */
function fileStatus(s: JailSettings): { readable: number; errors: string[]; tried: string[] } {
  const out = { readable: 0, errors: [] as string[], tried: [] as string[] };
  for (const lp of s.logpaths) {
    const pattern = parsePattern(lp.path);
    const paths = expandPattern(pattern);
    if (isGlob(lp.path) && paths.length === 0) out.tried.push(`${pattern.pattern} matches no file`);
    for (const path of paths) {
      let why: string | null;
      try {
        why = notALogFile(statSync(path));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        out.tried.push(`${path} ${code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot be read (${(e as Error).message})`}`);
        continue;
      }
      if (why) out.errors.push(new ConfigError(`jail [${s.name}]: logpath ${path} ${why}`, lp.where ?? { file: s.where }).message);
      else out.readable++;
    }
  }
  return out;
}

/** fail2ban 1.1.1's JailReader.convert: a file jail with no log file switches to the journal (auto). */
function switchesToJournal(s: JailSettings): boolean {
  return s.backendName === "auto" && s.noLogs.systemd && s.noLogs.ownJournalmatch;
}

/** Why the jail is not started (skip_if_nologs and none of its log files exists), else null. */
export function skippedForMissingLogs(s: JailSettings): string | null {
  if (!s.noLogs.skip || s.backendName === "systemd" || switchesToJournal(s)) return null;
  const f = fileStatus(s);
  if (f.readable > 0 || f.errors.length > 0) return null;
  return `Jail '${s.name}' (${s.where}) skipped, because of missing log files (skip_if_nologs): ${f.tried.join(", ") || "no logpath is set"}`;
}

export function planSource(s: JailSettings, deps: SourceCheckDeps): SourcePlan {
  const plan: SourcePlan = { kind: "files", errors: [], warnings: [] };
  if (s.backendName === "systemd") return { ...plan, kind: "journal" };
  const { readable, errors, tried } = fileStatus(s);
  plan.errors.push(...errors);
  // A FIFO/directory/device is an error of its own; "nothing to read" would only repeat it.
  if (readable > 0 || plan.errors.length > 0) return plan;
  const files = tried.length ? tried.join(", ") : "no logpath is set";
  const matches = s.journalmatch.map((g) => g.join(" ")).join(" + ");
  if (switchesToJournal(s)) {
    const probe = deps.probeJournal(journalProbeArgs(s));
    const note = `no log file (${files}): backend = auto reads the systemd journal (${matches})`;
    if (!probe.ok || !probe.entries) {
      const journal = probe.ok ? "which has no entry for it yet" : `which cannot be read (${probe.error ?? "journalctl failed"})`;
      plan.warnings.push(`jail [${s.name}] (${s.where}): ${note}, ${journal}`);
    }
    return { ...plan, kind: "journal", note };
  }
  const skipped = skippedForMissingLogs(s);
  if (skipped) return { ...plan, kind: "skip", warnings: [skipped] };
  if (s.backendName === "auto" && s.noLogs.systemd && s.journalmatch.length > 0) {
    const probe = deps.probeJournal(journalProbeArgs(s));
    if (probe.ok && probe.entries) {
      return { ...plan, kind: "journal", note: `no log file (${files}): backend = auto reads the systemd journal (${matches})` };
    }
    const journal = probe.ok ? `the journal has no entry for ${matches}` : `the journal cannot be read (${probe.error ?? "journalctl failed"})`;
    plan.warnings.push(`jail [${s.name}] (${s.where}) has nothing to read: ${files}, and ${journal}; it waits for the file`);
    return plan;
  }
  plan.warnings.push(`jail [${s.name}] (${s.where}) has nothing to read: ${files}; it waits for the file`);
  return plan;
}

/** `f2b -t`: every jail's source problems. */
export function checkSources(settings: JailSettings[], deps: SourceCheckDeps = systemSourceCheck): { errors: string[]; warnings: string[] } {
  const out = { errors: [] as string[], warnings: [] as string[] };
  for (const s of settings) {
    const p = planSource(s, deps);
    out.errors.push(...p.errors);
    out.warnings.push(...p.warnings);
  }
  return out;
}
