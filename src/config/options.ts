import { ConfigError } from "./errors.ts";

/** A `name[opt=val, ...]` reference, as in `filter = sshd[mode=aggressive]` or jail actions. */
export interface NamedOptions {
  name: string;
  options: Record<string, string>;
}

// Python's `$` without MULTILINE also matches before one final newline.
const END = String.raw`(?=\n?$)`;
const W = String.raw`[\p{L}\p{N}_\-.]`;
const OPTION_RE = new RegExp(String.raw`^([^\[]+)(?:\[(.*)\])?\s*${END}`, "su");
// One `key=value` of the list: value "quoted", 'quoted', or bare up to `,` / `]`;
// `][` separates option groups (`act[a=1][b=2]`).
const EXTRACT_RE = new RegExp(
  String.raw`\s*(${W}+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|${END}|(?<wrngA>.+))|,?\s*${END}|(?<wrngB>.+)`,
  "gsu",
);
const SPLIT_RE = new RegExp(
  String.raw`(?:[^\[\s]+(?:\s*\[\s*(?:${W}+=(?:"[^"]*"|'[^']*'|[^,\]]*)\s*(?:,|\]\s*\[)?\s*)*\])?\s*|\S+)(?=\n\s*|\s+|${END})`,
  "gsu",
);

/** fail2ban's helpers.extractOptions. Throws ConfigError (with `where`) on bad syntax. */
export function extractOptions(text: string, where?: { file?: string; line?: number }): NamedOptions {
  const m = OPTION_RE.exec(text);
  if (!m) throw new ConfigError("unexpected option syntax", where, text);
  const options: Record<string, string> = {};
  const list = m[2];
  if (list) {
    for (const om of list.matchAll(EXTRACT_RE)) {
      const bad = om.groups?.["wrngA"];
      if (bad !== undefined) {
        throw new ConfigError(`unexpected syntax after option '${om[1]}' in ${JSON.stringify(text)}`, where, bad.slice(0, 25));
      }
      const wrong = om.groups?.["wrngB"];
      if (wrong !== undefined) {
        throw new ConfigError(`expected option (name=value) in ${JSON.stringify(text)}`, where, wrong.slice(0, 25));
      }
      const key = om[1];
      if (!key) continue;
      const value = om[2] ?? om[3] ?? om[4] ?? "";
      options[key.trim()] = value.trim();
    }
  }
  return { name: m[1]!, options };
}

/** fail2ban's splitWithOptions: splits a list of `name[opts]` on whitespace/new lines outside brackets. */
export function splitWithOptions(text: string): string[] {
  return [...text.matchAll(SPLIT_RE)].map((m) => m[0]);
}

/** fail2ban's splitwords: split on commas, spaces and new lines, dropping empties. */
export function splitWords(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/[ ,\n]+/u).map((w) => w.trim()).filter(Boolean);
}
