// A compiled regex as the filter keeps it: the regex, a cheap literal pre-check, and its match
// read as fail2ban's group dict.
import type { Regex, RegexMatch } from "./failregex.ts";
import type { FailData } from "./filter-mlfid.ts";

export interface CompiledRegex {
  regex: Regex;
  /** Literal text every match must start the buffer with ("" = no pre-check possible). */
  prefix: string;
}

export function describeRegex(regex: Regex, multiline: boolean): CompiledRegex {
  return { regex, prefix: multiline ? "" : anchoredPrefix(regex.resolved) };
}

/** Searches `buf`, skipping the regex engine when the literal start cannot match. */
export function searchIn(c: CompiledRegex, buf: string): RegexMatch | null {
  if (c.prefix !== "" && !buf.startsWith(c.prefix)) return null;
  return c.regex.search(buf);
}

/** fail2ban's getGroups(): every named group (null when it did not participate), alt_/tuple_ folded. */
export function groupsOf(c: CompiledRegex, m: RegexMatch): FailData {
  const fail: FailData = c.regex.getGroups(m);
  for (const k in fail) if (fail[k] === undefined) fail[k] = null;
  return fail;
}

const META = new Set([..."\\.^$*+?{}[]|()"]);

/**
 * For a (Python, non-MULTILINE) pattern "^literal...", the literal every match starts with; "" when
 * unsure: no leading ^, a top-level alternative, inline flags (case/verbose change literals).
 */
export function anchoredPrefix(pattern: string): string {
  if (!pattern.startsWith("^") || /\(\?[aiLmsux]+\)/.test(pattern) || hasTopLevelBar(pattern)) return "";
  let out = "";
  let i = 1;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined || /[0-9A-Za-z]/.test(n)) break;
      out += n;
      i += 2;
    } else if (META.has(c)) break;
    else {
      out += c;
      i++;
    }
    const q = pattern[i];
    if (q === "*" || q === "+" || q === "?" || q === "{") {
      // the last literal is quantified: it may be absent or repeated
      out = out.slice(0, -1);
      if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1); // whole astral code point
      break;
    }
  }
  return out;
}

function hasTopLevelBar(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") i++;
    else if (c === "[") {
      i++;
      if (p[i] === "^") i++;
      if (p[i] === "]") i++;
      while (i < p.length && p[i] !== "]") i += p[i] === "\\" ? 2 : 1;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}
