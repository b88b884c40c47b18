// fail2ban's Regex / FailRegex (server/failregex.py): tag resolution, compilation with Python `re`
// semantics (via pyre.ts), search over a buffer of "\n"-joined lines, and fail2ban's group dictionary.
import { RegexError } from "./pyre-error.ts";
import { searchNamed, searcherFor, translatePythonRegex, type Translation } from "./pyre.ts";
import { globalToLocalFlags, resolveTags, tagToGroupName } from "./failregex-tags.ts";
import { compilePike, type PikeRegex } from "./pike.ts";

export { RegexError } from "./pyre-error.ts";

/** A match: start/end are JS string indices (UTF-16) into the searched text. */
export interface RegexMatch {
  start: number;
  end: number;
  groups: Record<string, string | undefined>;
}

/** Group values after fail2ban's alt_/tuple_ merging (getGroups): tuple_ groups yield arrays. */
export type FailGroups = Record<string, string | (string | undefined)[] | undefined>;

/** Groups that identify a failure, in fail2ban's order of preference. */
export const FAILURE_ID_GROUPS = ["fid", "ip4", "ip6", "dns"] as const;
const FAILURE_ID_PRESENTS = [...FAILURE_ID_GROUPS, "mlfid"];

export interface RegexOptions {
  multiline?: boolean;
  useDns?: string;
}

export class Regex {
  /** As given, with fail2ban tags. */
  readonly pattern: string;
  /** Python source after tag resolution and fail2ban's global-to-scoped flag rewrite. */
  readonly resolved: string;
  /**
   * The translated RegExp (no "g"). Use search() for Python's group values: it also replays
   * repeats so groups keep Python's last-iteration values.
   */
  readonly re: RegExp;
  /** Python group names present in the resolved regex. */
  readonly groupNames: readonly string[];
  /** Constructs where results may differ from Python's (Translation.warnings): log them at load. */
  readonly warnings: readonly string[];
  private readonly searcher: RegExp;
  private readonly translation: Translation;
  private readonly altValues: [string, string][];
  private readonly multiline: boolean;
  private pike: PikeRegex | null | undefined;
  private readonly tupleValues: [string, string][];

  constructor(pattern: string, opts: RegexOptions = {}) {
    this.pattern = pattern;
    this.multiline = !!opts.multiline;
    let regex = resolveTags(pattern, opts.useDns ?? "yes");
    if (regex.trimStart() === "") throw new RegexError("Cannot add empty regex");
    regex = globalToLocalFlags(regex);
    this.resolved = regex;
    try {
      const t = translatePythonRegex(regex, { multiline: !!opts.multiline });
      this.re = new RegExp(t.source, t.flags);
      this.searcher = searcherFor(t);
      this.translation = t;
      this.groupNames = t.groupNames;
      this.warnings = t.warnings;
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      throw new RegexError(`Unable to compile regular expression '${regex}':\n${e.message}`);
    }
    this.altValues = [];
    this.tupleValues = [];
    for (const k of this.groupNames) {
      if (k.length <= 4) continue;
      const m = /^(alt_|tuple_)(.*?)(?:_\d+)?$/su.exec(k);
      if (!m) continue;
      (m[1] === "alt_" ? this.altValues : this.tupleValues).push([k, tagToGroupName(m[2]!)]);
    }
    const byPair = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    this.altValues.sort(byPair);
    this.tupleValues.sort(byPair);
  }

  has(group: string): boolean {
    return this.groupNames.includes(group);
  }
  /** The regex captures a host (ip4/ip6/dns), i.e. contains <HOST>, <ADDR>, <IP4>... */
  get hasHost(): boolean {
    return this.has("ip4") || this.has("ip6") || this.has("dns");
  }
  /** The regex has a failure-id group (fid/ip4/ip6/dns/mlfid) — what FailRegex requires. */
  get hasId(): boolean {
    return FAILURE_ID_PRESENTS.some((g) => this.has(g));
  }

  /** Python re.search: first match at or after `from`. Never throws on any input string. */
  search(text: string, from = 0): RegexMatch | null {
    try {
      return searchNamed(this.translation, this.searcher, text, from);
    } catch {
      return null; // engine resource limits on pathological input: treat as no match
    }
  }

  /**
   * The linear-time engine (pike.ts) for this regex, compiled on first use; null when it cannot
   * express it (backreferences, conditionals, ...).
   */
  linear(): PikeRegex | null {
    if (this.pike === undefined) this.pike = compilePike(this.resolved, this.multiline);
    return this.pike;
  }

  /** fail2ban's getGroups(): the group dict with alt_* merged into their base and tuple_* combined. */
  getGroups(match: RegexMatch): FailGroups {
    const fail: FailGroups = { ...match.groups };
    for (const [k, n] of this.altValues) {
      const v = fail[k];
      if (v && !fail[n]) fail[n] = v;
    }
    for (const [k, n] of this.tupleValues) {
      const v = fail[k] as string | undefined;
      const t = fail[n];
      fail[n] = Array.isArray(t) ? [...t, v] : [t, v];
    }
    return fail;
  }

  /** Lines captured by <SKIPLINES> (they are not part of the failure's matched lines). */
  skippedLines(match: RegexMatch): string[] {
    let s = "";
    for (let n = 0; ; n++) {
      const name = `skiplines${n}`;
      if (!this.has(name)) break;
      s += match.groups[name] ?? "";
    }
    return splitLinesPy(s);
  }
}

/**
 * The buffer lines a match touches: [first, end) as line indices of `text` split on "\n",
 * the same arithmetic fail2ban's Regex.search uses to pick matched vs. unmatched lines.
 */
export function matchedLineRange(text: string, match: RegexMatch): { first: number; end: number } {
  const lineStart = text.lastIndexOf("\n", match.start) + 1; // rindex("\n", 0, start+1) + 1
  const nl = text.indexOf("\n", Math.max(match.end - 1, 0));
  const lineEnd = nl < 0 ? text.length : nl + 1;
  const count = (to: number) => {
    let c = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) c++;
    return c;
  };
  return { first: count(lineStart), end: count(lineEnd) };
}

/** Python str.splitlines(False). */
export function splitLinesPy(s: string): string[] {
  const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u);
  if (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

export interface FailRegexOptions extends RegexOptions {
  prefRegex?: Regex | null;
}

export class FailRegex extends Regex {
  constructor(pattern: string, opts: FailRegexOptions = {}) {
    super(pattern, opts);
    if (!this.hasId && !(opts.prefRegex && opts.prefRegex.hasId)) {
      throw new RegexError(`No failure-id group in '${this.resolved}'`);
    }
  }

  /** fail2ban's getFailID(): the first of `groups` that matched, else RegexError. */
  failId(match: RegexMatch, groups: readonly string[] = FAILURE_ID_GROUPS, text = ""): string {
    for (const g of groups) {
      const v = match.groups[g];
      if (v !== undefined) return v;
    }
    throw new RegexError(`No group found in '${text}' using '${this.resolved}'`);
  }

  /** fail2ban's getHost(): ip4, ip6 or dns. */
  host(match: RegexMatch): string {
    return this.failId(match, ["ip4", "ip6", "dns"]);
  }
}

/**
 * fail2ban's split of a multi-line buffer after a match: which of `lines` (the buffer is
 * lines.join("\n") + "\n") belong to the failure and which stay unmatched — the lines the match
 * touches, minus those consumed by <SKIPLINES>. Returns indices into `lines`.
 */
export function partitionLines(regex: Regex, lines: readonly string[], match: RegexMatch, buffer: string): { matched: number[]; unmatched: number[] } {
  if (lines.length <= 1) return { matched: lines.map((_, i) => i), unmatched: [] };
  const { first, end } = matchedLineRange(buffer, match);
  const matched = range(first, Math.min(end, lines.length));
  const unmatched = range(0, first);
  let n = 0;
  for (const skipped of regex.skippedLines(match)) {
    const at = matched.slice(n).findIndex((i) => lines[i] === skipped);
    if (at < 0) continue;
    unmatched.push(matched.splice(n + at, 1)[0]!);
    n += at;
  }
  unmatched.push(...range(end, lines.length));
  return { matched, unmatched };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
