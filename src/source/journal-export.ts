/**
 * `journalctl -o export` → JournalEntry objects, the same values `-o json` gives (journal-entry.ts),
 * at a third of journalctl's CPU: export copies field data as it is stored, json escapes every byte.
 *
 * Format: per field "NAME=value\n" when the value is printable UTF-8 without a newline, else
 * "NAME\n" + 64-bit little-endian length + raw bytes + "\n"; an empty line ends the entry. A field
 * given more than once becomes an array, in journal order, as json shows it.
 */
import type { Log } from "../system/log.ts";
import { JOURNAL_FIELDS, type JournalEntry, type JournalScalar } from "./journal-entry.ts";

const NL = 10;
const EQ = 61;
const END = Buffer.from("\n\n");
/** A binary field larger than this is skipped (journald's own limit for a MESSAGE is 48 KiB by default). */
const MAX_BINARY_FIELD = 1 << 24;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// systemd's unichar_is_control (tab and newline allowed) and unichar_is_valid's reserved ranges
const NOT_PRINTABLE =
  /[\0-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]|[\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]/u;

/**
 * A length-prefixed value as json would show it: text when it is printable UTF-8 with newlines
 * allowed (json's test; export's also rejects newlines), else the bytes (decoded later with
 * logencoding, as fail2ban does with json's byte arrays).
 */
function binaryValue(b: Uint8Array): JournalScalar {
  let text: string;
  try {
    text = strictUtf8.decode(b);
  } catch {
    return b;
  }
  return NOT_PRINTABLE.test(text) ? b : text;
}

// The names journalctl prints for us, by length: an entry keyed by these constant strings is built
// several times faster than by names sliced from the text (each a new string to hash).
const KNOWN_BY_LENGTH: string[][] = [];
for (const name of ["__CURSOR", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "_BOOT_ID", ...JOURNAL_FIELDS]) {
  (KNOWN_BY_LENGTH[name.length] ??= []).push(name);
}

function fieldName(s: string, from: number, to: number): string {
  for (const name of KNOWN_BY_LENGTH[to - from] ?? []) if (s.startsWith(name, from)) return name;
  return s.slice(from, to);
}

function add(e: JournalEntry, name: string, v: JournalScalar): void {
  const had = e[name];
  if (had === undefined) e[name] = v;
  // an array here is one this parser made for a repeated field (it never makes number arrays)
  else if (Array.isArray(had)) (had as JournalScalar[]).push(v);
  else e[name] = [had, v];
}

/**
 * The usual entry, all fields text ("NAME=value\n" each): decoded at once, split in the string.
 * null when a line has no "=": a binary field, which the byte-wise parse handles (its data may
 * hold the blank line this entry seemed to end at).
 */
function textEntry(s: string): JournalEntry | null {
  const e: JournalEntry = {};
  let pos = 0;
  while (pos < s.length) {
    const nl = s.indexOf("\n", pos);
    const eq = s.indexOf("=", pos);
    if (eq < 0 || eq > nl) return null;
    add(e, fieldName(s, pos, eq), s.slice(eq + 1, nl));
    pos = nl + 1;
  }
  return e;
}

export class ExportParser {
  /** Bytes of an incomplete field (a copy: the reader may reuse its chunk). */
  private rest: Buffer | null = null;
  private entry: JournalEntry = {};
  /** Fields of the current entry were parsed one by one (it has a binary field). */
  private midEntry = false;
  /** Bytes (value and its newline) of an oversized binary field still to skip. */
  private skip = 0;

  /** `log`: the source's log, prefixed "journal: " (a field skipped for its size). */
  constructor(private readonly log: Log) {}

  /** The entries completed by `chunk`. */
  push(chunk: Buffer): JournalEntry[] {
    let buf = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.skip -= n;
      buf = buf.subarray(n);
    }
    if (this.rest) buf = Buffer.concat([this.rest, buf]);
    const out: JournalEntry[] = [];
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (!this.midEntry) {
        const end = buf.indexOf(END, pos);
        if (end < 0) break;
        const e = textEntry(buf.toString("utf8", pos, end + 1));
        if (e) {
          out.push(e);
          pos = end + 2;
          continue;
        }
      }
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) break;
      if (nl === pos) {
        out.push(this.entry);
        this.entry = {};
        this.midEntry = false;
        pos++;
        continue;
      }
      this.midEntry = true;
      const eq = buf.indexOf(EQ, pos);
      if (eq >= 0 && eq < nl) {
        add(this.entry, buf.toString("latin1", pos, eq), buf.toString("utf8", eq + 1, nl));
        pos = nl + 1;
        continue;
      }
      if (nl + 9 > n) break;
      const len = buf.readUInt32LE(nl + 1) + buf.readUInt32LE(nl + 5) * 2 ** 32;
      const name = buf.toString("latin1", pos, nl);
      if (len > MAX_BINARY_FIELD) {
        this.log.warning(`journal field ${name} of ${len} bytes skipped (over ${MAX_BINARY_FIELD})`);
        const have = n - (nl + 9);
        if (have >= len + 1) pos = nl + 9 + len + 1;
        else {
          this.skip = len + 1 - have;
          pos = n;
        }
        continue;
      }
      const end = nl + 9 + len;
      if (end >= n) break;
      add(this.entry, name, binaryValue(Buffer.from(buf.subarray(nl + 9, end))));
      pos = end + 1;
    }
    this.rest = pos < n ? Buffer.from(buf.subarray(pos)) : null;
    return out;
  }

  /** Whether the output ended inside an entry (journalctl killed or failing mid-way). */
  incomplete(): boolean {
    return this.rest !== null || this.skip > 0 || this.midEntry;
  }
}
