// fail2ban's tag substitution for action.d commands (server/action.py replaceTag and
// replaceDynamicTags, helpers.substituteRecursiveTags), with stricter quoting: every dynamic
// value (ip, matches, F-* fields ... anything a log line can influence) that is not plainly safe
// reaches the shell only as a positional parameter, referenced through a variable quoted for the
// exact spot it lands in. Nothing from a log line is ever parsed as shell syntax.

import { hostname } from "node:os";
import { type ShellScript, ShellScriptBuilder } from "../system/shell-script.ts";

const TAG_RE = /<([^ <>]+)>/g;
const FCUSTAG_RE = /<F-([A-Z0-9_-]+)>/g;
const MAX_TAG_REPLACE = 25;
/** fail2ban's ADD_REPL_TAGS: used when no property of that name exists. The host name is the
 * kernel's (fail2ban asks DNS for the fully qualified one; they agree on a configured host). */
const EXTRA_TAGS: Record<string, string> = {
  br: "\n",
  sp: " ",
  "fq-hostname": hostname(),
  "sh-hostname": hostname().split(".")[0]!,
};
/** tags fail2ban never substitutes from properties recursively (ticket data) */
export const ESCAPED_TAGS = new Set(["matches", "ipmatches", "ipjailmatches"]);
const STATIC_ESCAPE_RE = /[\\#&;`|*?~<>^()[\]{}$'"\n\r]/g;

const escapeStatic = (v: string): string => v.replace(STATIC_ESCAPE_RE, (c) => "\\" + (c === "\n" ? "n" : c === "\r" ? "r" : c));

/** helpers.substituteRecursiveTags: resolve tags inside property values using other properties. */
export function substituteRecursive(props: Record<string, string>, conditional: string): Record<string, string> {
  const out = { ...props };
  const done = new Set<string>();
  const counts = new Map<string, Map<string, number>>();
  for (;;) {
    let again = false;
    for (const tag of Object.keys(out)) {
      if (ESCAPED_TAGS.has(tag) || done.has(tag)) continue;
      const orig = out[tag]!;
      let value = orig;
      const rplc = counts.get(tag) ?? new Map<string, number>();
      let from = 0;
      for (;;) {
        TAG_RE.lastIndex = from;
        const m = TAG_RE.exec(value);
        if (!m) break;
        const rtag = m[1]!;
        if (ESCAPED_TAGS.has(rtag)) {
          from = m.index + m[0].length;
          continue;
        }
        if (rtag === tag || (rplc.get(rtag) ?? 1) > MAX_TAG_REPLACE) {
          throw new Error(`action properties reference themselves: tag <${tag}> uses <${rtag}>`);
        }
        const repl = (conditional ? out[`${rtag}?${conditional}`] : undefined) ?? out[rtag];
        if (repl === undefined) {
          from = m.index + m[0].length; // unknown tags stay (e.g. <ip>, or shell text like <STDIN>)
          continue;
        }
        value = value.split(`<${rtag}>`).join(repl);
        rplc.set(rtag, (rplc.get(rtag) ?? 0) + 1);
        from = m.index;
      }
      if (value !== orig) {
        TAG_RE.lastIndex = 0;
        if (TAG_RE.test(value)) {
          counts.set(tag, rplc);
          again = true;
        }
        out[tag] = value;
      }
      if (!value.includes("<")) done.add(tag);
    }
    if (!again) return out;
  }
}

/** CommandAction.replaceTag: substitute the action's own properties (static, trusted config). */
export function replaceStaticTags(query: string, resolved: Record<string, string>, conditional: string): string {
  if (!query.includes("<")) return query;
  let q = query;
  for (let n = 0; n <= MAX_TAG_REPLACE; n++) {
    const value = q.replace(TAG_RE, (whole, tag: string) => {
      let v = conditional ? resolved[`${tag}?${conditional}`] : undefined;
      v ??= resolved[tag];
      if (v === undefined) return EXTRA_TAGS[tag] ?? whole;
      return ESCAPED_TAGS.has(tag) ? escapeStatic(v) : v;
    });
    if (value === q || !value.includes("<")) return value;
    q = value;
  }
  throw new Error(`too many nested tag replacements (self reference?) in: ${query.slice(0, 200)}`);
}

/** CommandAction.replaceDynamicTags, with positional parameters instead of inline text. */
export function replaceDynamicTags(cmd: string, info: Record<string, string>, fields: Record<string, string> = {}): ShellScript {
  const values = new ShellScriptBuilder();
  const insert = (before: string, name: string, value: string): string => values.insert(before, name, value);
  const subst = (text: string, re: RegExp, lookup: (tag: string) => [string, string] | null, keepUnknown: boolean): string => {
    let out = "";
    let last = 0;
    for (const m of text.matchAll(re)) {
      out += text.slice(last, m.index);
      const hit = lookup(m[1]!);
      if (hit) out += insert(out, hit[0], hit[1]);
      else out += keepUnknown ? (EXTRA_TAGS[m[1]!] ?? m[0]) : "";
      last = m.index + m[0].length;
    }
    return out + text.slice(last);
  };
  let script = subst(cmd, TAG_RE, (tag) => (tag in info ? [tag, info[tag]!] : null), true);
  // ticket fields from the filter (<F-USER> ...): missing ones become empty, as in fail2ban
  if (script.includes("<F-")) {
    script = subst(
      script,
      FCUSTAG_RE,
      (tag) => {
        const key = mapFieldTag(tag);
        return key in fields ? [`F_${key}`, fields[key]!] : null;
      },
      false,
    );
  }
  return values.finish(script);
}

/** failregex.mapTag2Opt: <F-ID> is the ticket's fid, <F-PORT> its fport. */
export function mapFieldTag(tag: string): string {
  const t = tag.toLowerCase();
  return t === "id" ? "fid" : t === "port" ? "fport" : t;
}
