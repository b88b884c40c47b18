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
  /** Has alt_/tuple_ groups that fail2ban folds into their base name. */
  folds: boolean;
  /** Always matched on the linear-time engine (it can backtrack exponentially): linearForExponential in filter-probe.ts. */
  linear?: boolean;
}

export function describeRegex(regex: Regex, multiline: boolean): CompiledRegex {
  const folds = regex.groupNames.some((n) => n.length > 4 && (n.startsWith("alt_") || n.startsWith("tuple_")));
  if (multiline) return { regex, prefix: "", first: null, folds };
  return { regex, prefix: anchoredPrefix(regex.resolved), first: firstChars(regex.resolved), folds };
}

/** Searches `buf`, skipping the regex engine when the literal start cannot match. */
export function searchIn(c: CompiledRegex, buf: string): RegexMatch | null {
  if (c.prefix !== "" && !buf.startsWith(c.prefix)) return null;
  if (c.first !== null && !c.first.has(buf.charCodeAt(0))) return null;
  return c.regex.search(buf);
}

/** searchIn on the linear-time engine; the caller checked that every regex has one. */
export function searchLinearIn(c: CompiledRegex, buf: string): RegexMatch | null {
  if (c.prefix !== "" && !buf.startsWith(c.prefix)) return null;
  if (c.first !== null && !c.first.has(buf.charCodeAt(0))) return null;
  return c.regex.linear()!.search(buf);
}

/**
 * fail2ban's getGroups(): every named group (undefined when it did not participate — readers treat
 * it like fail2ban's None), alt_/tuple_ folded.
 */
export function groupsOf(c: CompiledRegex, m: RegexMatch): FailData {
  // search() hands out a fresh groups object per match: it can become the failure's data as is
  return c.folds ? c.regex.getGroups(m) : m.groups;
}

/**
 * Which failregexes can match a text starting with a given code unit (1 = may match): the
 * first-character pre-check of all regexes at once, remembered per first character.
 */
export class StartMasks {
  private readonly masks = new Map<number, Uint8Array>();

  constructor(private readonly regexes: readonly CompiledRegex[]) {}

  get(c: number): Uint8Array {
    let m = this.masks.get(c);
    if (m) return m;
    m = new Uint8Array(this.regexes.length);
    for (let i = 0; i < m.length; i++) {
      const first = this.regexes[i]!.first;
      m[i] = first === null || first.has(c) ? 1 : 0;
    }
    if (this.masks.size >= 512) this.masks.clear(); // hostile input: many different first characters
    this.masks.set(c, m);
    return m;
  }
}
