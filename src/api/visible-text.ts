// Text that came from a log line or the network, made safe to show: on the page (then escaped by
// `html`) and on a terminal (where an escape sequence would be obeyed, not shown).

/** Longest piece of log text shown whole; the rest is cut with a note (a line can be megabytes). */
export const MAX_SHOWN_CHARS = 2000;

// C0/C1 controls (tab excepted) and the bidirectional overrides that can make a line read
// backwards: shown as \xNN / \u{NNNN} so the admin sees exactly what the log held.
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** Text from a log line, made visible and bounded; on the page still escaped by `html` when interpolated. */
export function logText(s: string, max = MAX_SHOWN_CHARS): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const shown = cut.replace(INVISIBLE, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
  return s.length > max ? `${shown} … (${s.length - max} more characters)` : shown;
}
