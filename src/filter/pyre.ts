// Python `re` (3.11, str patterns) → JavaScript RegExp, translated once at load time.
// The output uses the `v` flag (Unicode code points, nested classes) and never JS's `m`/`s` flags:
// ".", "^", "$", \b, \d, \w, \s are spelled out so they mean exactly what Python means.
import { RegexError } from "./pyre-error.ts";
import type { Flags } from "./pyre-cursor.ts";
import { PyParser } from "./pyre-parser.ts";
import { replayLoop, replayableLoops, type LoopInfo } from "./pyre-loops.ts";
import { fasterFlags } from "./pyre-uflag.ts";

export { RegexError } from "./pyre-error.ts";

export interface PyGroup {
  /** Python group number (1-based). */
  index: number;
  /** Python group name, if named. */
  name?: string;
  /** Name of the JS named group that carries it (Python name when ASCII-safe, else "$g<N>"). */
  jsName: string;
  /** Its JS capture number: the index of its value in an exec() result. */
  capture: number;
}

export interface Translation {
  source: string;
  flags: string;
  /** Python group names, in group-number order. */
  groupNames: string[];
  groups: PyGroup[];
  /**
   * Named groups inside a repeated part. Python keeps the value from the last iteration that set
   * such a group; JS clears it at every iteration (for "(?:a=(?P<x>\w+) |b=\w+ )*" on "a=1 b=2 "
   * Python has x="1", a bare RegExp undefined). searchPython() replays the repeat to recover
   * Python's value, except for spans over 4 KB; a backreference or conditional to such a group
   * after its repeat still sees the JS value.
   */
  repeatedGroups: string[];
  /** Repeats whose groups searchPython() brings to Python's values. */
  loops: LoopInfo[];
  /**
   * Source of each repeat whose body can match "". Python accepts one last empty iteration (with
   * its groups) where JS refuses it, so spans and groups may differ: worth a warning at load time.
   * No stock fail2ban filter has one.
   */
  emptyBodyLoops: string[];
  /**
   * Python group numbers inside a repeat that a backreference or conditional refers to. Python's
   * value survives into later iterations and past the repeat; JS clears it per iteration, so such
   * a reference can decide differently (it is exact when group and reference share an iteration).
   */
  loopCarriedRefs: number[];
  /** Human-readable notes on the two approximations above, for a load-time warning. */
  warnings: string[];
  /**
   * `source` with every capture unnamed and backreferences by number: the same regex, but JSC
   * builds no groups object per match (several times faster on match). searcherFor() uses it
   * when no repeat needs replaying (the replay reads groups by name).
   */
  fastSource: string;
}

export interface TranslateOptions {
  ignoreCase?: boolean;
  multiline?: boolean;
  dotAll?: boolean;
  verbose?: boolean;
  ascii?: boolean;
}

/** How a group records that it took part, and the zero-width tests that read it. */
interface Participation {
  close: string;
  set: string;
  unset: string;
}

/**
 * O(1) tests. When g closes at position p its marker captures the rest of the input from one code
 * point before p ($mb<g>). A JS backreference to an unset group matches "" anywhere; to such a
 * marker it can never match at a position q >= p (it is longer than the input left after q): the
 * engine only compares lengths. A group that can match "" may close at p = 0, where nothing comes
 * before: there the marker is all of the input ($ma<g>), which cannot match forwards at q > 0 nor
 * backwards at q = 0. Only for groups never asked about before their end (PyParser.refsBeforeClose).
 * Markers are lookaheads, so atomic: the engine never retries them with the other capture. In an
 * empty input there is no character to capture: g may close, but reads as unset afterwards.
 */
function participationAfterClose(g: number, canBeEmpty: boolean): Participation {
  const before = `(?<=(?=(?<$mb${g}>[^]+))[^])`;
  if (!canBeEmpty) return { close: before, set: `(?!\\k<$mb${g}>)`, unset: `(?=\\k<$mb${g}>)` };
  const defined = `(?:(?!\\k<$mb${g}>)|(?!\\k<$ma${g}>)|(?<!\\k<$ma${g}>))`;
  return { close: `(?=(?:${before}|(?<$ma${g}>[^]+)|(?![^])))`, set: `(?=${defined})`, unset: `(?!${defined})` };
}

/**
 * The same tests at any position, O(position): the marker is one neighbouring character (before the
 * end, else after it), and the test walks back to the start of input, where a backreference to a
 * one-character capture cannot match backwards but one to an unset group can.
 */
function participationAnywhere(g: number): Participation {
  const definedAtStart = `(?:(?<!\\k<$mb${g}>)|(?<!\\k<$ma${g}>))^[^]*`;
  return {
    close: `(?=(?:(?<=(?<$mb${g}>[^]))|(?<$ma${g}>[^])|(?![^])))`,
    set: `(?<=${definedAtStart})`,
    unset: `(?<!${definedAtStart})`,
  };
}

export function translatePythonRegex(pattern: string, opts: TranslateOptions = {}): Translation {
  const parser = new PyParser(pattern);
  const initial: Flags = {
    i: !!opts.ignoreCase,
    m: !!opts.multiline,
    s: !!opts.dotAll,
    x: !!opts.verbose,
    a: !!opts.ascii,
  };
  parser.globalFlags = { ...initial };
  let body;
  try {
    body = parser.parseAlternation({ ...initial }, 0);
  } catch (e) {
    // Thousands of nested groups exhaust the stack (Python's own parser gives up at a few hundred).
    if (e instanceof RangeError) throw new RegexError(`pattern too deeply nested: ${JSON.stringify(pattern.slice(0, 80))}...`);
    throw e;
  }
  if (parser.pos < pattern.length) throw parser.err("unbalanced parenthesis", parser.pos);
  for (const [g, at] of parser.forwardRefs) {
    if (g > parser.groups.length) throw parser.err(`invalid group reference ${g}`, at, String(g).length);
  }
  // JS backreferences to unset groups match "", Python's fail; JS has no conditionals at all.
  // Both need to know whether a group took part, so such groups record where they ended.
  const needMarker = new Set(parser.condRefs);
  for (const g of parser.backRefs) if (parser.uncertain.has(g)) needMarker.add(g);
  const kits = new Map<number, Participation>();
  const kit = (g: number): Participation => {
    let k = kits.get(g);
    if (!k) {
      k = parser.refsBeforeClose.has(g) ? participationAnywhere(g) : participationAfterClose(g, parser.groups[g - 1]!.min === 0);
      kits.set(g, k);
    }
    return k;
  };
  const subst = (js: string) =>
    js.replace(/\u0000([mMSN])(\d+)\u0000/g, (_all, kind: string, num: string) => {
      const g = Number(num);
      if (kind === "N") return kit(g).unset;
      if (!needMarker.has(g)) return "";
      if (kind === "S") return kit(g).set;
      if (kind === "m") return "(?:";
      return `)${kit(g).close}`;
    });
  const source = subst(body.js);
  const flags = parser.globalFlags.i ? "iv" : "v";
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new RegexError(`cannot translate ${JSON.stringify(pattern)} to JavaScript: ${(e as Error).message}`);
  }
  const captures = captureNumbers(source);
  const groups: PyGroup[] = parser.groups.map((g) => ({
    index: g.index,
    jsName: g.jsName,
    capture: captures.get(g.jsName)!,
    ...(g.name !== undefined ? { name: g.name } : {}),
  }));
  const repeatedGroups = [...parser.repeated].sort((a, b) => a - b).flatMap((g) => parser.groups[g - 1]?.name ?? []);
  const loops = replayableLoops(parser.loops, parser.groups, subst);
  const groupNames = groups.flatMap((g) => (g.name !== undefined ? [g.name] : []));
  const loopCarriedRefs = [...new Set([...parser.backRefs, ...parser.condRefs])].filter((g) => parser.repeated.has(g)).sort((a, b) => a - b);
  const warnings = [
    ...parser.emptyBodyLoops.map((l) => `repeat ${JSON.stringify(l)} can match an empty string; Python's result may differ for it`),
    ...loopCarriedRefs.map(
      (g) => `group ${g} is inside a repeat and referred to by a backreference or conditional; values from earlier iterations are not seen`,
    ),
  ];
  const fastSource = unnamedCaptures(source, captures);
  return { source, flags, groupNames, groups, repeatedGroups, loops, emptyBodyLoops: parser.emptyBodyLoops, loopCarriedRefs, warnings, fastSource };
}

/**
 * JS capture number of each named group in a translated source (every capture it makes is named):
 * "(?<" opens one unless a lookbehind follows; escapes and (nested, v-flag) classes are skipped.
 */
function captureNumbers(source: string): Map<string, number> {
  const out = new Map<string, number>();
  let classDepth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") classDepth++;
    else if (c === "]" && classDepth > 0) classDepth--;
    else if (c === "(" && classDepth === 0 && source.startsWith("?<", i + 1) && source[i + 3] !== "=" && source[i + 3] !== "!") {
      const end = source.indexOf(">", i + 3);
      out.set(source.slice(i + 3, end), out.size + 1);
    }
  }
  return out;
}

/** `source` with "(?<name>" as "(" and "\\k<name>" as "(?:\\N)" (N its capture number). */
function unnamedCaptures(source: string, captures: Map<string, number>): string {
  let out = "";
  let from = 0;
  let classDepth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      if (classDepth === 0 && source[i + 1] === "k" && source[i + 2] === "<") {
        const end = source.indexOf(">", i + 3);
        out += `${source.slice(from, i)}(?:\\${captures.get(source.slice(i + 3, end))!})`;
        from = end + 1;
        i = end;
      } else i++;
    } else if (c === "[") classDepth++;
    else if (c === "]" && classDepth > 0) classDepth--;
    else if (c === "(" && classDepth === 0 && source.startsWith("?<", i + 1) && source[i + 3] !== "=" && source[i + 3] !== "!") {
      const end = source.indexOf(">", i + 3);
      out += `${source.slice(from, i)}(`;
      from = end + 1;
      i = end;
    }
  }
  return out + source.slice(from);
}

/** The RegExp searchPython() expects for a translation. */
export function searcherFor(t: Translation): RegExp {
  const source = t.loops.length ? t.source : t.fastSource;
  return new RegExp(source, fasterFlags(source, t.flags) + (t.loops.length ? "dg" : "g"));
}

export interface PyMatch {
  start: number;
  end: number;
  /** Named groups by Python name. */
  groups: Record<string, string | undefined>;
  /** Every group by Python number (index 0 unused). */
  values: (string | undefined)[];
}

/**
 * Python's re.search(text, pos) with a translated regex: `re` must be built from `t` with "g" added,
 * and "d" too when t.loops is not empty (the loop spans come from match indices).
 * Offsets are JS string indices. Groups are keyed by Python name.
 */
export function searchPython(t: Translation, re: RegExp, text: string, from = 0): PyMatch | null {
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m) return null;
  return pyMatch(t, m, text);
}

/**
 * searchPython() without the by-number values: the span and the groups by Python name only, which
 * is all a failregex needs (one array less per match).
 */
export function searchNamed(
  t: Translation,
  re: RegExp,
  text: string,
  from = 0,
): { start: number; end: number; groups: Record<string, string | undefined> } | null {
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m) return null;
  if (t.loops.length) {
    const p = pyMatch(t, m, text);
    return { start: p.start, end: p.end, groups: p.groups };
  }
  const tg = t.groups;
  const groups: Record<string, string | undefined> = {};
  for (let i = 0; i < tg.length; i++) {
    const g = tg[i]!;
    if (g.name !== undefined) groups[g.name] = m[g.capture];
  }
  // a "g" regex leaves lastIndex at the end of its match: no need to read the matched text
  return { start: m.index, end: re.lastIndex, groups };
}

function pyMatch(t: Translation, m: RegExpExecArray, text: string): PyMatch {
  const tg = t.groups;
  const values: (string | undefined)[] = new Array<string | undefined>(tg.length + 1);
  for (let i = 0; i < tg.length; i++) values[i + 1] = m[tg[i]!.capture];
  for (const loop of t.loops) {
    const span = m.indices?.groups?.[loop.span];
    if (span === undefined || !loop.groups.some(([g]) => values[g] === undefined)) continue;
    const replayed = replayLoop(loop, t.flags, text, span[0], span[1], (n) => m.groups?.[n]);
    if (replayed) for (const [g, v] of replayed) values[g] = v;
  }
  const groups: Record<string, string | undefined> = {};
  for (let i = 0; i < tg.length; i++) {
    const name = tg[i]!.name;
    if (name !== undefined) groups[name] = values[i + 1];
  }
  return { start: m.index, end: m.index + m[0].length, groups, values };
}
