/**
 * Byte → text decoding for fail2ban's `logencoding` values. Invalid bytes become U+FFFD
 * (Python's errors="replace"), NUL stays a plain character. Encodings whose newline is not
 * the single byte 0x0A (UTF-16/32) are refused, because lines are split on bytes.
 */

/** Decodes buf[start, end) to text. */
export type Decoder = (buf: Buffer, start: number, end: number) => string;

export interface LogEncoding {
  /** Canonical name, for messages. */
  name: string;
  decode: Decoder;
  /** Whether the decoder can produce U+FFFD for bad input (so it is worth checking for it). */
  canFail: boolean;
}

const UTF8 = new Set(["utf-8", "utf8", "u8", "utf", "cp65001", "auto"]);
const LATIN1 = new Set(["latin-1", "latin1", "latin", "l1", "iso-8859-1", "iso8859-1", "8859", "cp819", "iso-ir-100"]);
const ASCII = new Set(["ascii", "us-ascii", "646", "us"]);

function decodeAscii(buf: Buffer, start: number, end: number): string {
  const text = buf.toString("latin1", start, end);
  // Python's ascii codec with errors="replace" maps every byte >= 0x80 to U+FFFD.
  return /[\x80-\xff]/.test(text) ? text.replace(/[\x80-\xff]/g, "\uFFFD") : text;
}

/** Resolves a fail2ban logencoding name; throws a clear error for unknown or unsupported ones. */
export function resolveEncoding(name: string): LogEncoding {
  const key = name.trim().toLowerCase().replace(/_/g, "-");
  if (UTF8.has(key)) return { name: "utf-8", decode: (b, s, e) => b.toString("utf8", s, e), canFail: true };
  // WHATWG's "latin1" label means windows-1252; Python's latin-1 is true ISO-8859-1, as is Buffer's.
  if (LATIN1.has(key)) return { name: "latin-1", decode: (b, s, e) => b.toString("latin1", s, e), canFail: false };
  if (ASCII.has(key)) return { name: "ascii", decode: decodeAscii, canFail: true };
  if (/^(utf-?(16|32)|ucs-?[24])/.test(key)) {
    throw new Error(`logencoding "${name}" is not supported: lines are split on the byte 0x0A`);
  }
  let decoder: TextDecoder;
  try {
    // The label is validated by the constructor itself, which throws on unknown names.
    decoder = new TextDecoder(key as ConstructorParameters<typeof TextDecoder>[0]);
  } catch {
    throw new Error(`unknown logencoding "${name}"`);
  }
  return { name: decoder.encoding, decode: (b, s, e) => decoder.decode(b.subarray(s, e)), canFail: true };
}
