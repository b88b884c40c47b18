/**
 * Splits a byte stream into decoded lines with their byte offsets. The unfinished last line is
 * held until its newline arrives; a line longer than the cap keeps only its first maxLineBytes
 * bytes, so memory stays bounded whatever the input.
 */
import type { Log } from "../system/log.ts";
import type { LogEncoding } from "./encoding.ts";
import type { LogLine } from "./types.ts";

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface SplitterOptions {
  source: string;
  encoding: LogEncoding;
  maxLineBytes?: number;
  /** Where the splitter's warnings go (a long line cut, undecodable bytes), prefixed with the source's name. */
  log: Log;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly max: number;
  /** Kept bytes of the incomplete last line (copies: the reader reuses its buffer). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes of the incomplete last line beyond the cap, counted but not kept. */
  private droppedBytes = 0;
  private lineStart: number;
  private warnedDecode = false;
  /** Reported as LogLine.source. */
  source: string;

  constructor(
    private readonly opts: SplitterOptions,
    startOffset = 0,
  ) {
    this.max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lineStart = startOffset;
    this.source = opts.source;
  }

  /** Offset just after the last delivered line: where a restart must resume. */
  get committed(): number {
    return this.lineStart;
  }

  /** Offset of the next byte expected by push(). */
  get consumed(): number {
    return this.lineStart + this.heldBytes + this.droppedBytes;
  }

  /** Forget any held partial line and continue at `offset` (truncation, rotation). */
  reset(offset: number): void {
    this.held = [];
    this.heldBytes = 0;
    this.droppedBytes = 0;
    this.lineStart = offset;
  }

  /** Consumes bytes that follow `consumed`; returns the lines they complete. */
  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    let i = 0;
    let nl = chunk.indexOf(NEWLINE, 0);
    if (nl >= 0 && this.heldBytes + this.droppedBytes > 0) {
      this.hold(chunk, 0, nl);
      const line = Buffer.concat(this.held, this.heldBytes);
      this.emit(out, line, 0, line.length, this.heldBytes + this.droppedBytes, true);
      this.held = [];
      this.heldBytes = 0;
      this.droppedBytes = 0;
      i = nl + 1;
      nl = chunk.indexOf(NEWLINE, i);
    }
    while (nl >= 0) {
      this.emit(out, chunk, i, nl, nl - i, true);
      i = nl + 1;
      nl = chunk.indexOf(NEWLINE, i);
    }
    if (i < chunk.length) this.hold(chunk, i, chunk.length);
    return out;
  }

  /** End of input (stdin EOF, a rotated file that stopped growing): deliver the held partial line. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    const total = this.heldBytes + this.droppedBytes;
    if (total > 0) {
      const line = Buffer.concat(this.held, this.heldBytes);
      this.emit(out, line, 0, line.length, total, false);
    }
    this.reset(this.lineStart);
    return out;
  }

  private hold(chunk: Buffer, start: number, end: number): void {
    const room = this.max - this.heldBytes;
    const keep = Math.max(0, Math.min(room, end - start));
    if (keep > 0) {
      this.held.push(Buffer.from(chunk.subarray(start, start + keep)));
      this.heldBytes += keep;
    }
    this.droppedBytes += end - start - keep;
  }

  /** buf[start, end) holds the line's kept bytes; `total` is its full length without the newline. */
  private emit(out: LogLine[], buf: Buffer, start: number, end: number, total: number, newline: boolean): void {
    if (total > this.max) {
      end = start + this.max;
      this.opts.log.warning(`line at byte ${this.lineStart} is ${total} bytes long; only the first ${this.max} bytes are used`);
    } else {
      while (end > start && buf[end - 1] === CR) end--;
    }
    const text = this.opts.encoding.decode(buf, start, end);
    if (this.opts.encoding.canFail && !this.warnedDecode && text.includes("\uFFFD")) {
      this.warnedDecode = true;
      this.opts.log.warning(
        `bytes invalid in ${this.opts.encoding.name} near byte ${this.lineStart} were replaced by U+FFFD ` +
          `(set logencoding if this log uses another encoding)`,
      );
    }
    this.lineStart += total + (newline ? 1 : 0);
    out.push({ source: this.source, text, pos: this.lineStart });
  }
}
