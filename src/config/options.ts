import { ConfigError } from "./errors.ts";
import { UNI_SPACE } from "../filter/pyre-charset.ts";

/** A `name[opt=val, ...]` reference, as in `filter = sshd[mode=aggressive]` or jail actions. */
export interface NamedOptions {
  name: string;
  options: Record<string, string>;
}

// Python's `$` without MULTILINE also matches before one final newline.
const END = String.raw`(?=\n?$)`;
// Python's \s and \S (str patterns: any str.isspace() character), which JavaScript's differ from
const S = `[${UNI_SPACE}]`;
const NS = `[^${UNI_SPACE}]`;
const W = String.raw`[\p{L}\p{N}_\-.]`;
// fail2ban 1.1's OPTION_NAME_CRE: also a conditional name, `blocktype?family=inet6`
const NAME = String.raw`${W}+(?:\?${W}+=${W}+)?`;
const OPTION_RE = new RegExp(String.raw`^([^\[]+)(?:\[(.*)\])?${S}*${END}`, "su");
// One `key=value` of the list: value "quoted", 'quoted', or bare up to `,` / `]`;
// `][` separates option groups (`act[a=1][b=2]`).
const EXTRACT_RE = new RegExp(
  String.raw`${S}*(${NAME})=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]${S}*\[|${END}|(?<wrngA>.+))|,?${S}*${END}|(?<wrngB>.+)`,
  "gsu",
);
const SPLIT_RE = new RegExp(
  String.raw`(?:[^\[${UNI_SPACE}]+(?:${S}*\[${S}*(?:${NAME}=(?:"[^"]*"|'[^']*'|[^,\]]*)${S}*(?:,|\]${S}*\[)?${S}*)*\])?${S}*|${NS}+)(?=\n${S}*|${S}+|${END})`,
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

/** Python's \s (any str.isspace() character) or a comma: fail2ban 1.1's splitwords separators (1.0.2: space, comma, new line). */
const WORD_SEPARATORS = new RegExp(`[${UNI_SPACE},]+`, "u");

/** fail2ban's splitwords: split on commas and white space, dropping empties. */
export function splitWords(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(WORD_SEPARATORS).filter(Boolean);
}
