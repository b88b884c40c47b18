/**
 * Contracts shared by every log source (file tailer, stream/stdin, systemd journal).
 * A source turns an external byte stream into batches of text lines for the filter stage.
 */
import type { Log } from "../system/log.ts";

/** One complete log line (no trailing newline). */
export interface LogLine {
  /** Where the line came from: the file path, "-" for stdin, "journal" for the journal. */
  source: string;
  text: string;
  /** Byte offset just after the line (after its newline) in the file; 0 for sources without offsets. */
  pos: number;
  /** Epoch seconds supplied by the source itself (journal entries); files leave it to the date detector. */
  time?: number;
  /** Journal cursor of this entry, so a consumer can persist exactly how far it got. */
  cursor?: string;
  /**
   * Read while catching up on what was written before the source started (fail2ban's "not in
   * operation" phase): the filter drops such lines older than findtime instead of treating
   * their time as now.
   */
  history?: true;
}

/**
 * Where reading of one file stopped. fail2ban keeps md5(first line incl. newline) + position;
 * we also keep the inode. A changed first line means the file was replaced → read it from 0.
 */
export interface FilePosition {
  path: string;
  inode: number;
  /** md5 hex of the first line including its newline; "" while the first line is incomplete. */
  firstLineHash: string;
  pos: number;
}

/** Persistable resume state of any source. */
export type SourceState = { kind: "files"; positions: FilePosition[] } | { kind: "journal"; cursor: string | null } | { kind: "stream" };

/** Callbacks a source reports to. Sources never throw into the caller's event loop. */
export interface SourceDeps {
  /**
   * Called with lines in file order; one call per read chunk, never with an empty array. A
   * returned promise is backpressure: the source reads nothing more (file position, journal
   * cursor and pipe wait) until it settles. Lines are never dropped.
   */
  onLines(lines: LogLine[]): void | Promise<void>;
  /** Something the source could not do (unreadable file, watcher failure...); it keeps running. */
  onError(source: string, err: Error): void;
  /**
   * Warnings for notable but harmless conditions ("<source>: <message>": truncated long line,
   * undecodable bytes, rotation, missing file) and progress worth an INFO line (the journal:
   * "in operation now", as fail2ban logs it). The server passes its "filter" logger with the
   * jail's "[name] " prefix.
   */
  log: Log;
  /** Epoch seconds: grace periods, the journal's start over findtime (the system deps' clock). */
  clock: { now(): number };
}

/** What the server needs from any source: lifecycle plus a resume state to persist. */
export interface LogSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  state(): SourceState;
}

/** What every journal read selects: the matches and where to start (journal.ts, journal-args.ts). */
export interface JournalSourceOptions {
  /** fail2ban journalmatch: groups of FIELD=value terms; groups are OR-ed ("+"), terms AND-ed. */
  matches: string[][];
  /** Resume after this cursor; when absent, start per `start`. */
  cursor?: string | null;
  start: "head" | "tail";
}

/** Start position for files without a usable saved position. */
export type StartMode = "head" | "tail";
