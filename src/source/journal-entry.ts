/**
 * journalctl -o json entries → the log line fail2ban builds from a journal entry:
 * "<hostname> <identifier>[<pid>]: <message>" (kernel lines add "[monotonic seconds]"),
 * newlines escaped as "\n", time from _SOURCE_REALTIME_TIMESTAMP or __REALTIME_TIMESTAMP.
 */
import type { LogEncoding } from "./encoding.ts";

/** journalctl prints binary/invalid-UTF-8 values as byte arrays and repeated fields as arrays. */
export type JournalValue = string | number[] | null | (string | number[] | null)[];
export type JournalEntry = Record<string, JournalValue>;

/** The fields our formatting needs (journalctl always adds __CURSOR and the timestamps). */
export const JOURNAL_FIELDS = [
  "MESSAGE",
  "_HOSTNAME",
  "SYSLOG_IDENTIFIER",
  "_COMM",
  "SYSLOG_PID",
  "_PID",
  "_SOURCE_REALTIME_TIMESTAMP",
  "_SOURCE_MONOTONIC_TIMESTAMP",
];

function isBytes(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === "number");
}

function scalar(v: string | number[] | null, enc: LogEncoding): string {
  if (v === null) return "";
  if (typeof v === "string") return v;
  const b = Buffer.from(v);
  return enc.decode(b, 0, b.length);
}

/** Field as text; repeated fields are joined with spaces (as fail2ban does for MESSAGE). */
export function fieldText(v: JournalValue | undefined, enc: LogEncoding): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string" || isBytes(v)) return scalar(v, enc);
  return v.map((x) => scalar(x, enc)).join(" ");
}

/** Python's int(v, 0) for the pid, else the text as it is. */
function pidText(v: string): string {
  const s = v.trim().replace(/_/g, "");
  if (/^[+-]?(0|[1-9]\d*)$/.test(s)) return String(Number(s));
  if (/^[+-]?0[xXoObB][0-9a-fA-F]+$/.test(s)) {
    const neg = s.startsWith("-");
    const n = Number(s.replace(/^[+-]/, "").replace(/^0[oO]/, "0o").replace(/^0[bB]/, "0b"));
    if (!Number.isNaN(n)) return String(neg ? -n : n);
  }
  return v;
}

function micros(v: JournalValue | undefined, enc: LogEncoding): number | null {
  const s = fieldText(v, enc);
  return /^\d+$/.test(s) ? Number(s) : null;
}

export interface FormattedEntry {
  text: string;
  /** Epoch seconds. */
  time: number;
  cursor: string | null;
}

export function formatEntry(e: JournalEntry, enc: LogEncoding): FormattedEntry {
  const parts: string[] = [];
  const host = fieldText(e["_HOSTNAME"], enc);
  if (host) parts.push(host);
  const ident = fieldText(e["SYSLOG_IDENTIFIER"], enc) || fieldText(e["_COMM"], enc);
  if (ident) {
    const pid = fieldText(e["SYSLOG_PID"], enc) || fieldText(e["_PID"], enc);
    const tag = `${ident}${pid ? `[${pidText(pid)}]` : ""}:`;
    parts.push(tag);
    if (tag === "kernel:") {
      const mono = micros(e["_SOURCE_MONOTONIC_TIMESTAMP"], enc) ?? micros(e["__MONOTONIC_TIMESTAMP"], enc) ?? 0;
      parts.push(`[${(mono / 1e6).toFixed(6).padStart(12)}]`);
    }
  }
  parts.push(fieldText(e["MESSAGE"], enc));
  const us = micros(e["_SOURCE_REALTIME_TIMESTAMP"], enc) ?? micros(e["__REALTIME_TIMESTAMP"], enc) ?? 0;
  const cursor = typeof e["__CURSOR"] === "string" ? e["__CURSOR"] : null;
  return { text: parts.join(" ").replace(/\n/g, "\\n"), time: us / 1e6, cursor };
}
