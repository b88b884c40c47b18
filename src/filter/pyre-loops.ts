// Python keeps a group's value from the last repeat iteration that set it; JavaScript clears groups
// at the start of every iteration. After a JS match, a repeat whose named groups came out unset is
// replayed iteration by iteration over the exact span it matched, which recovers Python's values.
//
// Why the replay follows the original path: the engine took the highest-priority way through the
// repeat that let the rest of the pattern succeed. When the rest does not depend on the repeat's
// groups, that is the highest-priority tiling of the same span, and each replay step picks the
// highest-priority iteration that still lets the remaining iterations end exactly at the span's end.
import type { RawLoop } from "./pyre-parser.ts";

export interface LoopInfo {
  /** JS group capturing the repeat's whole span. */
  span: string;
  /** JS source of one iteration (the repeated atom). */
  body: string;
  min: number;
  max: number;
  /** Python groups inside (named ones only matter to fail2ban, but all are replayed): [index, js name]. */
  groups: [number, string][];
}

/** Spans longer than this are not replayed (each step re-checks the rest of the span). */
const MAX_REPLAY = 4096;

/**
 * Loops whose replay is exact: not nested in or containing another such loop, and not referring
 * to groups outside themselves (the replay regex only contains the loop).
 */
export function replayableLoops(loops: RawLoop[], groups: { jsName: string }[], subst: (js: string) => string): LoopInfo[] {
  const out: LoopInfo[] = [];
  for (const l of loops) {
    if (loops.some((o) => o !== l && o.from < l.to && l.from < o.to)) continue;
    const body = subst(l.body);
    const defined = new Set([...body.matchAll(/\(\?<([$\w]+)>/g)].map((m) => m[1]!));
    if ([...body.matchAll(/\\k<([$\w]+)>/g)].some((m) => !defined.has(m[1]!))) continue;
    const inside = groups.slice(l.from - 1, l.to - 1).map((g, i): [number, string] => [l.from + i, g.jsName]);
    out.push({ span: `$L${l.id}`, body, min: l.min, max: l.max, groups: inside });
  }
  return out;
}

/** Same JS with every group defined in it renamed, so it can sit next to the original. */
function renamed(body: string): string {
  return body.replace(/\(\?<([$\w]+)>/g, "(?<$1$$r>").replace(/\\k<([$\w]+)>/g, "\\k<$1$$r>");
}

/** Python's values for the loop's groups (by Python index), or null when the replay is not possible. */
export function replayLoop(loop: LoopInfo, flags: string, text: string, start: number, end: number): Map<number, string> | null {
  if (end - start > MAX_REPLAY) return null;
  const tail = Array.from(text.slice(end)).length;
  const rest = renamed(loop.body);
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
      re = new RegExp(`${loop.body}(?=(?:${rest})${q}(?=[^]{${tail}}$))`, flags.replace("g", "") + "y");
      steps.set(q, re);
    }
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[0].length === 0) return null;
    for (const [py, js] of loop.groups) {
      const v = m.groups?.[js];
      if (v !== undefined) values.set(py, v);
    }
    pos += m[0].length;
  }
  return values;
}
