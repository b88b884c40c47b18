// What a jail reads and whether it can, for `f2b status JAIL`: the files (fail2ban's
// "File list") or the journal match (fail2ban's "Journal matches"), plus the problems that keep
// it from reading (missing or unreadable file, journalctl failing).
import type { LogLine, LogSource } from "../source/types.ts";
import type { JailSettings } from "./settings.ts";

export interface SourceDescription {
  /** File jails: every watched path (missing ones too: the problems say why). */
  fileList?: string[];
  /** Journal jails: the match groups, " + "-joined like fail2ban prints them. */
  journalMatches?: string;
  /** "WHAT: why" for everything not being read; empty when the jail reads all it should. */
  problems: string[];
  /** When the source last delivered lines (absent before it runs). */
  lines?: LineTimes;
}

/** When each path of a source last delivered a line: the read time for files, the entry's own
 *  time for the journal. The source health and /metrics' last-line age come from here. */
export class LineTimes {
  private readonly byPath = new Map<string, number>();
  /** Newest over all paths; null until a line arrives. */
  latest: number | null = null;

  /** startedAt: when the source was made (a jail that never read a line is blind since then). */
  constructor(readonly startedAt: number) {}

  seen(lines: readonly LogLine[], now: number): void {
    for (const l of lines) {
      const t = l.time ?? now;
      if (t > (this.byPath.get(l.source) ?? -Infinity)) this.byPath.set(l.source, t);
      if (this.latest === null || t > this.latest) this.latest = t;
    }
  }

  of(path: string): number | null {
    return this.byPath.get(path) ?? null;
  }
}

export interface JailSource extends LogSource {
  describe(): SourceDescription;
}

/** journalctl is restarted at most 30 s after it fails; an error older than this was followed by a working run. */
const JOURNAL_ERROR_STALE_SEC = 65;

/**
 * The journal reader reports each failed journalctl run as an error and says nothing while it
 * works; so it is unhealthy from an error until an entry arrives or no new error follows.
 */
export class JournalHealth {
  private last: { message: string; at: number } | null = null;

  constructor(private readonly now: () => number) {}

  error(message: string): void {
    this.last = { message, at: this.now() };
  }

  delivered(): void {
    this.last = null;
  }

  problems(): string[] {
    if (!this.last || this.now() - this.last.at > JOURNAL_ERROR_STALE_SEC) return [];
    return [`journal: ${this.last.message}`];
  }
}

export function journalMatchText(groups: string[][]): string {
  return groups.map((g) => g.join(" ")).join(" + ");
}

/** The status fields of a jail's source; before its source runs, what the settings say. */
export function sourceStatus(s: JailSettings, running: SourceDescription | null): SourceDescription {
  if (running) {
    // The status fields only: the line times are the health's (source-health.ts).
    const { lines: _lines, ...fields } = running;
    return fields;
  }
  const problems = ["not reading (the jail's source is not running)"];
  if (s.backendName === "systemd") return { journalMatches: journalMatchText(s.journalmatch), problems };
  return { fileList: [], problems };
}
