// HTML built with a tagged template that escapes every interpolated value, so jail names, IPs
// and file paths (from config and logs) can never become markup. Only values that are already
// `Html` (built by this same tag) pass through unescaped.

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => ENTITIES[c]!);
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join("");
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  return escapeHtml(v as string);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Longest piece of log text shown whole; the rest is cut with a note (a line can be megabytes). */
export const MAX_SHOWN_CHARS = 2000;

// C0/C1 controls (tab excepted) and the bidirectional overrides that can make a line read
// backwards: shown as \xNN / \u{NNNN} so the admin sees exactly what the log held.
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** Text from a log line, made visible and bounded; still escaped by `html` when interpolated. */
export function logText(s: string, max = MAX_SHOWN_CHARS): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const shown = cut.replace(INVISIBLE, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
  return s.length > max ? `${shown} … (${s.length - max} more characters)` : shown;
}
