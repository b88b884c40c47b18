// A compiled regex as the filter keeps it: the regex, a cheap literal pre-check, and its match
// read as fail2ban's group dict.
import type { Regex, RegexMatch } from "./failregex.ts";
import type { FailData } from "./filter-mlfid.ts";
import { anchoredPrefix, firstChars } from "./filter-prefilter.ts";

export interface CompiledRegex {
  regex: Regex;
  /** Literal text every match must start the buffer with ("" = no pre-check possible). */
  prefix: string;
  /** UTF-16 code units a match can start with (null = any). */
  first: ReadonlySet<number> | null;
}

export function describeRegex(regex: Regex, multiline: boolean): CompiledRegex {
  if (multiline) return { regex, prefix: "", first: null };
  return { regex, prefix: anchoredPrefix(regex.resolved), first: firstChars(regex.resolved) };
}

/** Searches `buf`, skipping the regex engine when the literal start cannot match. */
export function searchIn(c: CompiledRegex, buf: string): RegexMatch | null {
  if (c.prefix !== "" && !buf.startsWith(c.prefix)) return null;
  if (c.first !== null && !c.first.has(buf.charCodeAt(0))) return null;
  return c.regex.search(buf);
}

/** fail2ban's getGroups(): every named group (null when it did not participate), alt_/tuple_ folded. */
export function groupsOf(c: CompiledRegex, m: RegexMatch): FailData {
  const fail: FailData = c.regex.getGroups(m);
  for (const k in fail) if (fail[k] === undefined) fail[k] = null;
  return fail;
}
