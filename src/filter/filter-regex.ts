// A compiled regex as the filter keeps it, and its match read as fail2ban's group dict.
import type { Regex, RegexMatch } from "./failregex.ts";
import type { FailData } from "./filter-mlfid.ts";

export interface CompiledRegex {
  regex: Regex;
}

export function describeRegex(regex: Regex): CompiledRegex {
  return { regex };
}

/** fail2ban's getGroups(): every named group (null when it did not participate), alt_/tuple_ folded. */
export function groupsOf(c: CompiledRegex, m: RegexMatch): FailData {
  const fail: FailData = c.regex.getGroups(m);
  for (const k in fail) if (fail[k] === undefined) fail[k] = null;
  return fail;
}
