/**
 * fail2ban's start-up seek: in a big log, skip ahead to the first line at or after a time
 * (now - findtime) by bisecting byte offsets, so a restart does not push hours of old lines
 * through the filter. Log times need not be strictly ordered: the result is a line start
 * at or before the first recent line in the usual case, and never past the end of data read.
 */
import { readSync } from "node:fs";
import type { LogEncoding } from "./encoding.ts";

export interface SeekTime {
  /** Epoch seconds: lines older than this need not be read. */
  since: number;
  /** The line's time per the filter's date detector, or null if it has none. */
  lineTime(text: string): number | null;
}

const WINDOW = 64 * 1024;
/** Lines without a date looked at after a probe point before giving up on it (as fail2ban). */
const PROBE_LINES = 5;

interface Probe {
  /** Start of the first line after the probe offset. */
  lineStart: number;
  time: number | null;
}

function probe(fd: number, buf: Buffer, enc: LogEncoding, at: number, end: number, seek: SeekTime): Probe | null {
  const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
  let i = at === 0 ? 0 : buf.subarray(0, n).indexOf(0x0a) + 1;
  if (at !== 0 && i === 0) return null; // no line start in this window
  const lineStart = at + i;
  for (let k = 0; k < PROBE_LINES; k++) {
    const nl = buf.subarray(0, n).indexOf(0x0a, i);
    if (nl < 0) break;
    const t = seek.lineTime(enc.decode(buf, i, nl));
    if (t !== null) return { lineStart, time: t };
    i = nl + 1;
  }
  return { lineStart, time: null };
}

/** A line start in [from, size] from which reading loses no line dated at or after `since`. */
export function seekToTime(fd: number, from: number, size: number, buf: Buffer, enc: LogEncoding, seek: SeekTime): number {
  const window = buf.subarray(0, Math.min(buf.length, WINDOW));
  let lo = from;
  let hi = size;
  const first = probe(fd, window, enc, lo, size, seek);
  if (!first || first.time === null || first.time >= seek.since) return from;
  for (let step = 0; step < 64 && hi - lo > window.length; step++) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const p = probe(fd, window, enc, mid, hi, seek);
    if (!p || p.lineStart >= hi || p.time === null) break;
    if (p.time < seek.since) lo = p.lineStart;
    else hi = p.lineStart;
  }
  return lo;
}
