/**
 * One watched path. Its current handle follows whatever inode the path names: when the path
 * is renamed away, deleted or replaced, the old handle is first read to its end and then
 * handed to the tailer to drain for a grace period, and the new file is read from its start.
 */
import { statSync, type Stats } from "node:fs";
import { FileHandle, looksCompressed, tailOffset, type HandleEnv, type ReplacedContents } from "./file-handle.ts";
import { notALogFile } from "./file-kind.ts";
import { seekToTime, type SeekTime } from "./seek-time.ts";
import type { FilePosition, StartMode } from "./types.ts";

/** What the tailer has open, as one watched path asks about it (open-files.ts). */
export interface FileRegistry extends ReplacedContents {
  /** Take over an open handle on this inode (a file renamed onto a watched name), if any. */
  claim(dev: number, ino: number, by: TrackedFile): FileHandle | null;
  /** Read position of content with this first-line hash that another path has (had) open. */
  recallContent(hash: string, by: TrackedFile): number | null;
  /** Keep reading a file that left its path (rotated/deleted) for the grace period. */
  retire(h: FileHandle): void;
}

export interface TrackEnv extends HandleEnv {
  files: FileRegistry;
  /** Skip old lines of files that exist at start (fail2ban's seek to now - findtime). */
  seek?: SeekTime;
  error(path: string, err: Error): void;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export class TrackedFile {
  current: FileHandle | null = null;
  private missingWarned = false;
  private lastError = "";
  /** Position at stop(), so it can still be persisted afterwards. */
  private finalPosition: FilePosition | null = null;
  /** Inode of a compressed file at this path: not read, not reported again. */
  private skippedIno = -1;
  /** Why nothing is read from this path right now (for status), null while it is read. */
  private why: string | null = null;
  /** A file was open at this path before: its successor (rotation) is read as new lines, as fail2ban does. */
  private rotated = false;

  constructor(
    readonly path: string,
    private readonly env: TrackEnv,
    /** Start policy for a file that exists when the tailer starts; null: new file, read from 0. */
    private startMode: StartMode | null,
    private saved: FilePosition | null,
    /** Found by a glob after start (may be a copy of a log already read: copytruncate). */
    private readonly viaGlob = false,
  ) {}

  /** What keeps this path from being read, or null when it is. */
  problem(): string | null {
    return this.current ? null : this.why;
  }

  position(): FilePosition | null {
    const h = this.current;
    if (!h) return this.finalPosition;
    return { path: this.path, inode: h.ino, firstLineHash: h.hash, pos: h.splitter.committed };
  }

  /** Reads what is new; returns false if the tailer stopped meanwhile. */
  async check(): Promise<boolean> {
    let st: Stats | null = null;
    let missing = false;
    try {
      st = statSync(this.path);
    } catch (err) {
      missing = isMissing(err);
      if (!missing) this.fail(err);
    }
    const cur = this.current;
    if (cur) {
      if (!(await cur.drain())) return false;
      if (!st || st.ino !== cur.ino || st.dev !== cur.dev) {
        this.warn(st ? "log rotation detected (new file at this path)" : "file removed or renamed");
        this.current = null;
        this.rotated = true;
        this.missingWarned = true; // the rotation message said it; no second one while waiting
        this.env.files.retire(cur);
      }
    }
    if (!this.current && st) this.attach(st);
    else if (!this.current && missing) {
      this.why = "does not exist yet (waiting for it)";
      this.lastError = "";
      if (!this.missingWarned) {
        this.missingWarned = true;
        this.warn("file does not exist (yet); waiting for it");
      }
    }
    this.startMode = null;
    const now = this.current;
    return now ? now.drain() : true;
  }

  private attach(st: Stats): void {
    const notLog = notALogFile(st);
    if (notLog) {
      this.fail(new Error(notLog));
      return;
    }
    if (st.ino === this.skippedIno) return;
    const adopted = this.env.files.claim(st.dev, st.ino, this);
    if (adopted) {
      adopted.rename(this.path);
      this.current = adopted;
    } else {
      let h: FileHandle;
      try {
        h = FileHandle.open(this.path, this.env);
      } catch (err) {
        if (!isMissing(err)) this.fail(err);
        return;
      }
      if (looksCompressed(h.fd, this.env.read.buffer)) {
        h.close();
        this.skippedIno = st.ino;
        this.why = "compressed file, not read";
        this.warn(this.why);
        return;
      }
      const copyAt = this.copyOffset(h);
      if (copyAt === "later") {
        h.close();
        return;
      }
      const initial = this.startMode !== null;
      // tail start without a saved position: only lines written from now on are read, all new
      // (fail2ban's FileContainer(tail=True) is in operation at once).
      const fromTail = copyAt === null && this.startMode === "tail" && this.saved === null;
      let offset = copyAt ?? this.startOffset(h);
      if (initial && this.startMode === "head" && this.env.seek) {
        offset = seekToTime(h.fd, offset, h.size(), this.env.read.buffer, this.env.read.encoding, this.env.seek);
      }
      h.seek(offset);
      // What a newly opened file already holds is history (dropped when older than findtime)
      // until a read reaches its end; a rotated log's successor and a tail start are in operation at once.
      h.inOperation = this.rotated || fromTail;
      this.current = h;
    }
    this.missingWarned = false;
    this.lastError = "";
    this.why = null;
  }

  private startOffset(h: FileHandle): number {
    const saved = this.saved;
    this.saved = null;
    const size = h.size();
    if (saved) {
      const same = saved.firstLineHash !== "" ? saved.firstLineHash === h.hash : saved.inode === h.ino;
      if (same && saved.pos <= size) return saved.pos;
      this.warn(
        same
          ? `file is shorter (${size}) than the saved position ${saved.pos}; reading it from the start`
          : "first line differs from the saved one (rotated meanwhile); reading it from the start",
      );
      return 0;
    }
    if (this.startMode === "tail") return tailOffset(h.fd, size, this.env.read.buffer);
    return 0;
  }

  /**
   * A file a glob found after start may be a copy of a log we read (copytruncate names the
   * copy like the glob): same first line → continue where we were. While the copy is still
   * being written (first line incomplete, or shorter than our position), wait for it.
   */
  private copyOffset(h: FileHandle): number | "later" | null {
    if (!this.viaGlob || this.saved) return null;
    const size = h.size();
    if (h.hash === "") return size > 0 && size <= this.env.read.maxLineBytes ? "later" : null;
    const known = this.env.files.recallContent(h.hash, this);
    if (known === null) return null;
    if (known > size) return "later";
    this.warn(`same first line as a log already read (a copy, e.g. copytruncate); continuing at byte ${known}`);
    return known;
  }

  private fail(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.why = e.message;
    if (e.message === this.lastError) return;
    this.lastError = e.message;
    this.env.error(this.path, e);
  }

  close(): void {
    this.finalPosition = this.position();
    this.current?.close();
    this.current = null;
  }

  /** A warning about this file, "<path>: <message>" as every source writes them. */
  private warn(message: string): void {
    this.env.log.warning(`${this.path}: ${message}`);
  }
}
