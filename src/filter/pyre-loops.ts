// Python keeps a group's value from the last repeat iteration that set it; JavaScript clears groups
// at the start of every iteration. After a JS match, a repeat whose named groups came out unset is
// replayed iteration by iteration over the exact span it matched, which recovers Python's values.
//
// Why the replay follows the original path: the engine took the highest-priority way through the
// repeat that let the rest of the pattern succeed. When the rest does not depend on the repeat's
// groups, that is the highest-priority tiling of the same span, and each replay step picks the
// highest-priority iteration that still lets the remaining iterations end exactly at the span's end.
import { literalAtom } from "./pyre-charset.ts";
import type { RawLoop } from "./pyre-parser.ts";

export interface LoopInfo {
  /** JS group capturing the repeat's whole span. */
  span: string;
  /** JS source of one iteration (the repeated atom). */
  body: string;
  min: number;
  max: number;
  /** Python groups directly or indirectly inside: [index, js name]. */
  groups: [number, string][];
  /** Repeats nested in this one's body, replayed within each of its iterations. */
  inner: LoopInfo[];
}

/** Spans longer than this are not replayed (each step re-checks the rest of the span). */
const MAX_REPLAY = 4096;

/** The repeats as a tree, outermost first. */
export function replayableLoops(loops: RawLoop[], groups: { jsName: string }[], subst: (js: string) => string): LoopInfo[] {
  // Repeats are recorded when they close, so the nearest enclosing one is the next recorded that covers it.
  const parentOf = (l: RawLoop) => loops.find((o) => o.id > l.id && o.from <= l.from && l.to <= o.to);
  const build = (l: RawLoop): LoopInfo => {
    const body = subst(l.body);
    const inside = groups.slice(l.from - 1, l.to - 1).map((g, i): [number, string] => [l.from + i, g.jsName]);
    const inner = loops.filter((c) => parentOf(c) === l).map(build);
    return { span: `$L${l.id}`, body, min: l.min, max: l.max, groups: inside, inner };
  };
  return loops.filter((l) => parentOf(l) === undefined).map(build);
}

/** Same JS with every group defined in it renamed, so it can sit next to the original. */
function renamed(body: string): string {
  return body.replace(/\(\?<([$\w]+)>/g, "(?<$1$$r>").replace(/\\k<([$\w]+)>/g, "\\k<$1$$r>");
}

/**
 * The body with references to groups outside it (backreferences, participation tests) replaced by
 * the text those groups hold in the match being replayed: they cannot change during the repeat.
 */
function withOuterValues(body: string, outer: (jsName: string) => string | undefined): string {
  const defined = new Set([...body.matchAll(/\(\?<([$\w]+)>/g)].map((m) => m[1]!));
  return body.replace(/\\k<([$\w]+)>/g, (ref, name: string) => {
    if (defined.has(name)) return ref;
    const v = outer(name);
    return `(?:${v === undefined ? "" : Array.from(v, (c) => literalAtom(c.codePointAt(0)!)).join("")})`;
  });
}

/** Python's values for the loop's groups (by Python index), or null when the replay is not possible. */
export function replayLoop(
  loop: LoopInfo,
  flags: string,
  text: string,
  start: number,
  end: number,
  outer: (jsName: string) => string | undefined,
): Map<number, string> | null {
  if (end - start > MAX_REPLAY) return null;
  const tail = Array.from(text.slice(end)).length;
  const body = withOuterValues(loop.body, outer);
  const rest = renamed(body);
  const steps = new Map<string, RegExp>();
  const values = new Map<number, string>();
  let pos = start;
  for (let k = 0; pos < end; k++) {
    const lo = Math.max(loop.min - k - 1, 0);
    const hi = loop.max - k - 1;
    if (hi < 0) return null;
    const q = hi === Infinity ? `{${lo},}` : `{${lo},${hi}}`;
    let re = steps.get(q);
    if (!re) {
      const f = flags.replace(/[gyd]/g, "") + (loop.inner.length ? "dy" : "y");
      re = new RegExp(`${body}(?=(?:${rest})${q}(?=[^]{${tail}}$))`, f);
      steps.set(q, re);
    }
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[0].length === 0) return null;
    for (const [py, js] of loop.groups) {
      const v = m.groups?.[js];
      if (v !== undefined) values.set(py, v);
    }
    for (const inner of loop.inner) {
      const span = m.indices?.groups?.[inner.span];
      if (!span) continue;
      const replayed = replayLoop(inner, flags, text, span[0], span[1], (n) => m.groups?.[n] ?? outer(n));
      if (replayed) for (const [g, v] of replayed) values.set(g, v);
    }
    pos += m[0].length;
  }
  return values;
}
