/**
 * One open log file (one inode). Keeping the descriptor open is what lets us finish reading a
 * file after logrotate renamed or deleted it. Reads go in large chunks into a shared buffer.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { LineSplitter } from "./line-splitter.ts";
import { type Log, logFrom } from "../system/log.ts";
import type { LogEncoding } from "./encoding.ts";
import type { LogLine } from "./types.ts";

/** How a tailer reads its files (shared by all its handles). */
export interface ReadSettings {
  encoding: LogEncoding;
  maxLineBytes: number;
  /** Shared read buffer; its size is the chunk size. */
  buffer: Buffer;
}

/** Contents read again from 0 (truncated/rewritten): what had been read of them. */
export interface ReplacedContents {
  rememberReplaced(hash: string, pos: number): void;
}

export interface HandleEnv {
  read: ReadSettings;
  emit(lines: LogLine[]): void;
  /** The source's log; each message starts with the file's path. */
  log: Log;
  now(): number;
  /** Lets the event loop breathe between chunks; resolves false when the tailer stopped. */
  yieldTurn(): Promise<boolean>;
  /** inotify on the file itself (its inode), for logs whose directory watch cannot see them. */
  watchFile?(h: FileHandle): { close(): void } | null;
  files?: ReplacedContents;
}

/** md5 hex of the first line including its newline, as fail2ban stores it; "" if incomplete. */
export function firstLineHash(fd: number, scratch: Buffer, limit: number): string {
  // Most first lines are short: try a small read before a large one.
  for (const want of [Math.min(4096, scratch.length), Math.min(scratch.length, limit + 1)]) {
    const n = readSync(fd, scratch, 0, want, 0);
    const nl = scratch.subarray(0, n).indexOf(0x0a);
    if (nl >= 0)
      return createHash("md5")
        .update(scratch.subarray(0, nl + 1))
        .digest("hex");
    if (n < want) return "";
  }
  return "";
}

/** Offset just after the last newline near the end, so tail mode starts on a line boundary. */
export function tailOffset(fd: number, size: number, scratch: Buffer): number {
  const from = Math.max(0, size - scratch.length);
  const n = readSync(fd, scratch, 0, size - from, from);
  const nl = scratch.subarray(0, n).lastIndexOf(0x0a);
  return nl < 0 ? size : from + nl + 1;
}

const COMPRESSED_MAGIC = [
  [0x1f, 0x8b], // gzip
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0x04, 0x22, 0x4d, 0x18], // lz4
];

/** Whether the file starts like a compressed archive (a rotated log.gz matched by a glob). */
export function looksCompressed(fd: number, scratch: Buffer): boolean {
  const n = readSync(fd, scratch, 0, 6, 0);
  return COMPRESSED_MAGIC.some((m) => n >= m.length && m.every((b, i) => scratch[i] === b));
}

export class FileHandle {
  readonly splitter: LineSplitter;
  /** First-line hash of this inode's content ("" until the first line is complete). */
  hash = "";
  private seenSize = -1;
  /** Epoch seconds of the last time the file grew, for the rotated-file grace period. */
  lastGrowth: number;
  private closed = false;
  /**
   * False while the content that was there when the file was opened is being read (history);
   * true once the end was reached (fail2ban's FileContainer.inOperation).
   */
  inOperation = true;
  private watcher: { close(): void } | null = null;

  private constructor(
    public path: string,
    readonly fd: number,
    readonly dev: number,
    readonly ino: number,
    private readonly env: HandleEnv,
  ) {
    this.splitter = new LineSplitter({
      source: path,
      encoding: env.read.encoding,
      maxLineBytes: env.read.maxLineBytes,
      log: logFrom((level, m) => env.log.log(level, `${this.path}: ${m}`)),
    });
    this.lastGrowth = env.now();
  }

  /** Opens `path`; throws the fs error (ENOENT, EACCES...). */
  static open(path: string, env: HandleEnv): FileHandle {
    const fd = openSync(path, "r");
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      const h = new FileHandle(path, fd, st.dev, st.ino, env);
      h.hash = firstLineHash(fd, env.read.buffer, env.read.maxLineBytes);
      h.watcher = env.watchFile?.(h) ?? null;
      return h;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The file now lives under another watched name; later lines report that name. */
  rename(path: string): void {
    this.path = path;
    this.splitter.source = path;
  }

  size(): number {
    return fstatSync(this.fd).size;
  }

  /** Continue at `offset` (must be a line start), dropping any held partial line. */
  seek(offset: number): void {
    this.splitter.reset(offset);
  }

  /**
   * Reads everything new up to the current end of file, delivering lines chunk by chunk.
   * Detects copytruncate (file shorter than our position) and in-place rewrites (first line
   * changed) and then starts over at 0. Returns false if the tailer stopped meanwhile.
   */
  async drain(): Promise<boolean> {
    if (this.closed) return true;
    let size = this.size();
    if (size !== this.seenSize) this.checkReplaced(size);
    this.seenSize = size;
    const buf = this.env.read.buffer;
    const hadContent = this.splitter.consumed < size;
    while (this.splitter.consumed < size) {
      const at = this.splitter.consumed;
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, size - at), at);
      if (n <= 0) break;
      this.lastGrowth = this.env.now();
      const lines = this.splitter.push(buf.subarray(0, n));
      if (!this.inOperation) for (const l of lines) l.history = true;
      if (lines.length > 0) this.env.emit(lines);
      if (this.splitter.consumed >= size) {
        // The writer may have appended while we read; pick that up in the same pass.
        size = this.size();
        this.seenSize = size;
      }
      if (!(await this.env.yieldTurn())) return false;
    }
    // At the end of a pass that read something, what comes from now on is new (fail2ban switches
    // a log to operation here; a file with nothing to read, e.g. empty at start, stays in catch-up).
    if (hadContent) this.inOperation = true;
    return true;
  }

  private checkReplaced(size: number): void {
    const pos = this.splitter.consumed;
    if (size < pos) {
      if (this.hash !== "") this.env.files?.rememberReplaced(this.hash, this.splitter.committed);
      this.env.log.warning(`${this.path}: file truncated (size ${size} < position ${pos}), reading it again from the start`);
      this.splitter.reset(0);
      this.hash = firstLineHash(this.fd, this.env.read.buffer, this.env.read.maxLineBytes);
      return;
    }
    const hash = firstLineHash(this.fd, this.env.read.buffer, this.env.read.maxLineBytes);
    if (this.hash !== "" && hash !== this.hash && pos > 0) {
      this.env.files?.rememberReplaced(this.hash, this.splitter.committed);
      this.env.log.warning(`${this.path}: first line changed (file rewritten in place), reading it again from the start`);
      this.splitter.reset(0);
    }
    this.hash = hash;
  }

  /** The grace period is over: deliver a final unterminated line, if any, and close. */
  finish(): void {
    const lines = this.splitter.flush();
    if (lines.length > 0) this.env.emit(lines);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    closeSync(this.fd);
  }
}
