import { ConfigError } from "./errors.ts";

/** fail2ban's MAX_TAG_REPLACE_COUNT: how often one tag may be replaced inside another. */
const MAX_TAG_REPLACE_COUNT = 25;
const TAG_RE = /<([^ <>]+)>/gu;
/**
 * A value that refers to a tag twice through itself doubles with each of the 25 allowed rounds
 * (fail2ban then spends seconds and gigabytes before giving up); stop early instead.
 */
export const MAX_TAG_VALUE_LENGTH = 1 << 20;

function findTag(value: string, from: number): RegExpExecArray | null {
  TAG_RE.lastIndex = from;
  return TAG_RE.exec(value);
}

export interface SubstituteOptions {
  /** Prefer `tag?conditional` values (e.g. "family=inet6"). */
  conditional?: string;
  /** Tags left alone (and not replaced inside other values). */
  ignore?: Iterable<string>;
  /** Fallback lookup for tags not in the map. */
  addrepl?: (tag: string) => string | undefined;
}

/**
 * fail2ban's substituteRecursiveTags: replaces `<tag>` inside values by other values of the map,
 * repeatedly, until nothing changes. Unknown tags (like <HOST> or <ip>) stay as they are.
 * Returns a new map; the input is not changed.
 */
export function substituteRecursiveTags(input: ReadonlyMap<string, string>, opts: SubstituteOptions = {}): Map<string, string> {
  const tags = new Map(input);
  const ignore = new Set(opts.ignore ?? []);
  const done = new Set<string>();
  const repCounts = new Map<string, Map<string, number>>();
  const keys = [...tags.keys()];
  for (;;) {
    let again = false;
    for (const tag of keys) {
      if (ignore.has(tag) || done.has(tag)) continue;
      const orig = tags.get(tag)!;
      let value = orig;
      const counts = repCounts.get(tag) ?? new Map<string, number>();
      let m = findTag(value, 0);
      while (m) {
        const rtag = m[1]!;
        if (ignore.has(rtag)) {
          m = findTag(value, m.index + m[0].length);
          continue;
        }
        if (rtag === tag || (counts.get(rtag) ?? 1) > MAX_TAG_REPLACE_COUNT) {
          throw new ConfigError(`<${tag}> refers to itself (through <${rtag}>) and cannot be resolved`, undefined, value);
        }
        let repl: string | undefined;
        if (opts.conditional) repl = tags.get(`${rtag}?${opts.conditional}`);
        if (repl === undefined) {
          repl = tags.get(rtag);
          if (repl === undefined && opts.addrepl) repl = opts.addrepl(rtag);
        }
        if (repl === undefined) {
          m = findTag(value, m.index + m[0].length);
          continue;
        }
        value = value.split(`<${rtag}>`).join(repl);
        if (value.length > MAX_TAG_VALUE_LENGTH) {
          throw new ConfigError(`<${tag}> grows beyond ${MAX_TAG_VALUE_LENGTH} characters while replacing <${rtag}> (a tag loop?)`, undefined, orig);
        }
        counts.set(rtag, (counts.get(rtag) ?? 0) + 1);
        m = findTag(value, m.index);
      }
      if (orig !== value) {
        if (findTag(value, 0)) {
          repCounts.set(tag, counts);
          again = true;
        }
        tags.set(tag, value);
      }
      if (!value.includes("<")) done.add(tag);
    }
    if (!again) return tags;
  }
}
