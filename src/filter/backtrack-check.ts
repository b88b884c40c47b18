// Warns before a regex can stall a jail: a static check for exponential backtracking on a
// (tag-resolved) Python regex. The pattern becomes a small NFA over character sets; it backtracks
// exponentially on some input when it is exponentially ambiguous — a state p and a text w with two
// different paths p → p reading w (the classic EDA criterion: in the product NFA×NFA, a diagonal
// pair (p,p) shares a strongly connected component with a pair (q,r), q ≠ r). Examples: (a+)+,
// (?:a|a)*, stock grafana's (?: uname=\S+| \S+=\S*)*, dovecot's (?:: (?:…|[^\(]+))*.
// Approximations (on the side of warning): character classes outside ASCII are coarse, counted
// repeats above 16 count as unbounded, lookarounds and backreferences match nothing here.
import { nullable, parsePyRegex, type Node } from "./backtrack-parse.ts";
import { intersects, type CharSet } from "./backtrack-charset.ts";

interface Edge {
  set: CharSet;
  to: number;
}

/** Thompson NFA with ε-edges; `loop[s]`: source span of the innermost unbounded repeat around s. */
class Nfa {
  readonly edges: Edge[][] = [];
  readonly eps: number[][] = [];
  readonly loop: ([number, number] | null)[] = [];
  private loops: [number, number][] = [];
  size = 0;

  state(): number {
    this.edges.push([]);
    this.eps.push([]);
    this.loop.push(this.loops.at(-1) ?? null);
    return this.size++;
  }

  /** Builds `n` between fresh states; returns [start, end]. */
  build(n: Node): [number, number] {
    const s = this.state();
    const t = this.state();
    this.wire(n, s, t);
    return [s, t];
  }

  private wire(n: Node, s: number, t: number): void {
    switch (n.type) {
      case "set":
        this.edges[s]!.push({ set: n.set, to: t });
        return;
      case "group":
        this.wire(n.body, s, t);
        return;
      case "empty":
      case "assert":
      case "look":
      case "unsupported":
        this.eps[s]!.push(t);
        return;
      case "seq": {
        let cur = s;
        n.items.forEach((item, i) => {
          const next = i === n.items.length - 1 ? t : this.state();
          this.wire(item, cur, next);
          cur = next;
        });
        if (n.items.length === 0) this.eps[s]!.push(t);
        return;
      }
      case "alt":
        for (const a of n.alts) {
          const [as, at] = this.build(a);
          this.eps[s]!.push(as);
          this.eps[at]!.push(t);
        }
        return;
      case "repeat": {
        const min = Math.min(n.min, 16);
        const max = n.max > 16 ? Infinity : n.max;
        let cur = s;
        for (let i = 0; i < min; i++) {
          const next = this.state();
          this.wire(n.body, cur, next);
          cur = next;
        }
        if (max === Infinity) {
          this.loops.push(n.span);
          const [bs, bt] = this.build(n.body);
          this.loops.pop();
          this.eps[cur]!.push(bs, t);
          this.eps[bt]!.push(bs, t);
        } else {
          for (let i = min; i < max; i++) {
            const next = this.state();
            this.wire(n.body, cur, next);
            this.eps[cur]!.push(t);
            cur = next;
          }
          this.eps[cur]!.push(t);
        }
        return;
      }
    }
  }

  /** ε-free transitions: p reads a set and lands where the original edge led. */
  closeEpsilon(): Edge[][] {
    const out: Edge[][] = [];
    for (let p = 0; p < this.size; p++) {
      const seen = new Set<number>([p]);
      const stack = [p];
      const edges: Edge[] = [];
      while (stack.length) {
        const q = stack.pop()!;
        edges.push(...this.edges[q]!);
        for (const r of this.eps[q]!) {
          if (seen.has(r)) continue;
          seen.add(r);
          stack.push(r);
        }
      }
      out.push(edges);
    }
    return out;
  }
}

/** Source span [start, end) of a repeat that can backtrack exponentially, or null. */
export function exponentialSpan(pattern: string): [number, number] | null {
  let root: Node;
  try {
    root = parsePyRegex(pattern);
  } catch {
    return null; // the regex compiler reports syntax errors itself
  }
  const nested = nullableStarOfStar(root);
  if (nested) return nested;
  const nfa = new Nfa();
  const [start] = nfa.build(root);
  const edges = nfa.closeEpsilon();
  // states an edge lands on, plus the start: the only states the ε-free NFA can be in
  const live = new Set<number>([start]);
  for (const es of edges) for (const e of es) live.add(e.to);
  return ambiguousLoop(edges, live, nfa.loop);
}

/** Tarjan's SCCs over the product graph reachable from the diagonal pairs (iterative). */
function ambiguousLoop(edges: Edge[][], live: Set<number>, loop: ([number, number] | null)[]): [number, number] | null {
  const n = edges.length;
  const key = (p: number, q: number): number => p * n + q;
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  let counter = 0;
  let budget = 2_000_000; // product edges examined; past it, give up quietly (no warning)
  const succ = (v: number): number[] => {
    const p = Math.floor(v / n);
    const q = v % n;
    const out: number[] = [];
    for (const a of edges[p]!) for (const b of edges[q]!) if (--budget > 0 && intersects(a.set, b.set)) out.push(key(a.to, b.to));
    return out;
  };
  for (const p of live) {
    const root = key(p, p);
    if (index.has(root)) continue;
    const work: { v: number; next: number[]; i: number }[] = [];
    const open = (v: number): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      work.push({ v, next: succ(v), i: 0 });
    };
    open(root);
    while (work.length) {
      if (budget <= 0) return null;
      const top = work.at(-1)!;
      if (top.i < top.next.length) {
        const w = top.next[top.i++]!;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work.at(-1)!.v, Math.min(low.get(work.at(-1)!.v)!, low.get(top.v)!));
      if (low.get(top.v) !== index.get(top.v)) continue;
      const scc: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== top.v);
      const diagonal = scc.some((v) => Math.floor(v / n) === v % n);
      const offDiagonal = scc.some((v) => Math.floor(v / n) !== v % n);
      if (diagonal && offDiagonal) return outermost(scc.flatMap((v) => [loop[Math.floor(v / n)], loop[v % n]]));
    }
  }
  return null;
}

function outermost(spans: ([number, number] | null)[]): [number, number] | null {
  let best: [number, number] | null = null;
  for (const s of spans) if (s && (!best || s[1] - s[0] > best[1] - best[0])) best = s;
  return best;
}

/**
 * (a*)*, (?:\s*x?)*: an unbounded repeat whose body can match "" around another unbounded
 * repeat splits a run between iterations in exponentially many ways. The NFA above merges those
 * ways (they meet in the same states through ε-edges), so this shape is checked on the tree.
 */
function nullableStarOfStar(n: Node): [number, number] | null {
  const hasStar = (x: Node): boolean =>
    x.type === "repeat"
      ? x.max > 16 || hasStar(x.body)
      : x.type === "seq"
        ? x.items.some(hasStar)
        : x.type === "alt"
          ? x.alts.some(hasStar)
          : x.type === "group"
            ? hasStar(x.body)
            : false;
  switch (n.type) {
    case "group":
      return nullableStarOfStar(n.body);
    case "seq":
      for (const i of n.items) {
        const r = nullableStarOfStar(i);
        if (r) return r;
      }
      return null;
    case "alt":
      for (const a of n.alts) {
        const r = nullableStarOfStar(a);
        if (r) return r;
      }
      return null;
    case "repeat":
      if (n.max > 16 && nullable(n.body) && hasStar(n.body)) return n.span;
      return nullableStarOfStar(n.body);
    default:
      return null;
  }
}

export interface ExponentialRegex {
  kind: "prefregex" | "failregex" | "ignoreregex";
  /** 1-based, as f2b regex numbers them. */
  number: number;
  /** As written (with tags). */
  pattern: string;
  /** The repeat that can backtrack exponentially, from the resolved regex. */
  loop: string;
}

/** The filter's regexes that can backtrack exponentially (shown by `f2b -t` and `f2b regex`). */
export function exponentialRegexes(f: {
  prefRegex: CompiledLike | null;
  failRegexes: readonly CompiledLike[];
  ignoreRegexes: readonly CompiledLike[];
}): ExponentialRegex[] {
  const out: ExponentialRegex[] = [];
  const check = (kind: ExponentialRegex["kind"], c: CompiledLike, i: number): void => {
    const span = exponentialSpan(c.regex.resolved);
    if (span) out.push({ kind, number: i + 1, pattern: c.regex.pattern, loop: c.regex.resolved.slice(span[0], span[1]) });
  };
  if (f.prefRegex) check("prefregex", f.prefRegex, 0);
  for (const [i, c] of f.failRegexes.entries()) check("failregex", c, i);
  for (const [i, c] of f.ignoreRegexes.entries()) check("ignoreregex", c, i);
  return out;
}

interface CompiledLike {
  regex: { pattern: string; resolved: string };
}

/** The warning text, after "FILE:LINE: ". */
export function describeExponential(e: ExponentialRegex): string {
  const loop = e.loop.length > 160 ? `${e.loop.slice(0, 160)}…` : e.loop;
  return (
    `${e.kind} ${e.number} can backtrack exponentially on hostile log lines (the repeat ${loop} can match the same text in more than one way); ` +
    "such lines will be abandoned over linebudget"
  );
}
