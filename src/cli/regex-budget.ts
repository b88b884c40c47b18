// `f2b regex`: lines that take longer than the line budget, reported per regex. The daemon
// abandons such lines (src/filter-worker); here they run to the end, and afterwards each regex is
// timed alone on the line to say which one is slow.
import type { CompiledRegex } from "../filter/filter-regex.ts";
import { searchIn } from "../filter/filter-regex.ts";
import type { Filter } from "../filter/filter.ts";

export interface SlowRegex {
  /** "failregex 1" (1-based, as the report numbers them), "prefregex", "ignoreregex 2", "date". */
  name: string;
  pattern: string;
  lines: number;
  worstMs: number;
}

export class SlowLines {
  count = 0;
  readonly byRegex = new Map<string, SlowRegex>();

  constructor(readonly budgetMs: number) {}

  /** After the filter processed `line` in `ms`: a line over budget is attributed and counted. */
  check(filter: Filter, ms: number): void {
    if (ms <= this.budgetMs) return;
    this.count++;
    const slowest = slowestRegex(filter, filter.processedLine()) ?? { name: "date", pattern: "the date detector", ms };
    const r = this.byRegex.get(slowest.name) ?? { name: slowest.name, pattern: slowest.pattern, lines: 0, worstMs: 0 };
    r.lines++;
    r.worstMs = Math.max(r.worstMs, ms);
    this.byRegex.set(slowest.name, r);
  }

  /** The report block (empty when no line was slow). */
  render(): string[] {
    if (this.count === 0) return [];
    const rows = [...this.byRegex.values()].sort((a, b) => b.lines - a.lines);
    return [
      "",
      `Lines over linebudget (${this.budgetMs} ms): ${this.count} — the daemon abandons such lines with a WARNING; ` +
        'a miss here may be the regex engine giving up (JavaScriptCore answers "no match" at its backtracking limit)',
      "|- [# of lines, slowest] regex",
      ...rows.map((r) => `|  [${r.lines}, ${Math.round(r.worstMs)} ms] ${r.name}: ${r.pattern}`),
      "`-",
    ];
  }
}

/** Times each regex of the filter alone on `text` (the line without its date); the slowest over 1 ms. */
export function slowestRegex(filter: Filter, text: string): { name: string; pattern: string; ms: number } | null {
  let best: { name: string; pattern: string; ms: number } | null = null;
  const time = (name: string, c: CompiledRegex, on: string): ReturnType<CompiledRegex["regex"]["search"]> => {
    const t = performance.now();
    const m = searchIn(c, on);
    const ms = performance.now() - t;
    if (ms > 1 && (!best || ms > best.ms)) best = { name, pattern: c.regex.pattern, ms };
    return m;
  };
  let content = text;
  if (filter.prefRegex) {
    const m = time("prefregex", filter.prefRegex, text);
    if (m?.groups["content"] !== undefined) content = m.groups["content"];
  }
  for (const [i, c] of filter.failRegexes.entries()) time(`failregex ${i + 1}`, c, content);
  for (const [i, c] of filter.ignoreRegexes.entries()) time(`ignoreregex ${i + 1}`, c, text);
  return best;
}
