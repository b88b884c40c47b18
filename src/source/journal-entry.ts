/**
 * journalctl entries (-o export, parsed in journal-export.ts; -o json for one-shot looks) → the log line fail2ban builds from a journal entry:
 * "<hostname> <identifier>[<pid>]: <message>" (kernel lines add "[monotonic seconds]"),
 * newlines escaped as "\n", time from _SOURCE_REALTIME_TIMESTAMP or __REALTIME_TIMESTAMP.
 */
import type { LogEncoding } from "./encoding.ts";

/**
 * Values as journalctl's json shows them: text, or the bytes of a value that is not printable
 * UTF-8 (json: a number array; export: a Uint8Array), null for a value json leaves out (over 4 KiB
 * without --all); a field given more than once is an array of them.
 */
export type JournalScalar = string | Uint8Array | number[] | null;
export type JournalValue = JournalScalar | JournalScalar[];
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

function isScalar(v: JournalValue): v is JournalScalar {
  return !Array.isArray(v) || v.every((x) => typeof x === "number");
}

function scalar(v: JournalScalar, enc: LogEncoding): string {
  if (v === null) return "";
  if (typeof v === "string") return v;
  const b = Buffer.from(v);
  return enc.decode(b, 0, b.length);
}

/** Field as text; repeated fields are joined with spaces (as fail2ban does for MESSAGE). */
export function fieldText(v: JournalValue | undefined, enc: LogEncoding): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  if (isScalar(v)) return scalar(v, enc);
  return v.map((x) => scalar(x, enc)).join(" ");
}

const PLAIN_PID = /^[1-9]\d{0,14}$/; // exact as a double too
const DIGITS = /^\d+$/;

/** Python's int(v, 0) for the pid, else the text as it is. */
function pidText(v: string): string {
  if (PLAIN_PID.test(v)) return v; // the usual pid: int() gives it back unchanged
  const s = v.trim().replace(/_/g, "");
  if (/^[+-]?(0|[1-9]\d*)$/.test(s)) return String(Number(s));
  if (/^[+-]?0[xXoObB][0-9a-fA-F]+$/.test(s)) {
    const neg = s.startsWith("-");
    const n = Number(
      s
        .replace(/^[+-]/, "")
        .replace(/^0[oO]/, "0o")
        .replace(/^0[bB]/, "0b"),
    );
    if (!Number.isNaN(n)) return String(neg ? -n : n);
  }
  return v;
}

function micros(v: JournalValue | undefined, enc: LogEncoding): number | null {
  if (v === undefined) return null;
  const s = typeof v === "string" ? v : fieldText(v, enc);
  return DIGITS.test(s) ? Number(s) : null;
}

export interface FormattedEntry {
  text: string;
  /** Epoch seconds. */
  time: number;
  cursor: string | null;
}

export function formatEntry(e: JournalEntry, enc: LogEncoding): FormattedEntry {
  // "host tag [mono] message", each part left out when empty (the message never is)
  let text = fieldText(e["_HOSTNAME"], enc);
  const ident = fieldText(e["SYSLOG_IDENTIFIER"], enc) || fieldText(e["_COMM"], enc);
  if (ident) {
    const pid = fieldText(e["SYSLOG_PID"], enc) || fieldText(e["_PID"], enc);
    const tag = `${ident}${pid ? `[${pidText(pid)}]` : ""}:`;
    text = text ? `${text} ${tag}` : tag;
    if (tag === "kernel:") {
      const mono = micros(e["_SOURCE_MONOTONIC_TIMESTAMP"], enc) ?? micros(e["__MONOTONIC_TIMESTAMP"], enc) ?? 0;
      text += ` [${(mono / 1e6).toFixed(6).padStart(12)}]`;
    }
  }
  const message = fieldText(e["MESSAGE"], enc);
  text = text ? `${text} ${message}` : message;
  if (text.includes("\n")) text = text.replace(/\n/g, "\\n");
  const us = micros(e["_SOURCE_REALTIME_TIMESTAMP"], enc) ?? micros(e["__REALTIME_TIMESTAMP"], enc) ?? 0;
  const cursor = typeof e["__CURSOR"] === "string" ? e["__CURSOR"] : null;
  return { text, time: us / 1e6, cursor };
}
