// What a filter running on another thread is doing, readable from outside (the watchdog in
// src/filter-worker), and the regexes it matches on the linear-time engine.
import { exponentialRegexes, type ExponentialRegex } from "./backtrack-check.ts";
import type { CompiledRegex } from "./filter-regex.ts";

/** Probe slots: what the filter is running (written to `Filter.probe[PROBE_SLOT]`). */
export const PROBE_DATE = 1;
export const PROBE_PREFREGEX = 2;
/** failregex i is PROBE_FAILREGEX + i; ignoreregex j is PROBE_FAILREGEX + failregex count + j. */
export const PROBE_FAILREGEX = 3;
export const PROBE_SLOT = 2;

/** The parts of a Filter these helpers read. */
export interface FilterRegexes {
  readonly prefRegex: CompiledRegex | null;
  readonly failRegexes: readonly CompiledRegex[];
  readonly ignoreRegexes: readonly CompiledRegex[];
  readonly dateDetector: { readonly templates: readonly { readonly name: string }[] };
}

/** Which regex a probe slot stands for ("failregex 2", "date pattern"), for warnings. */
export function probeName(f: FilterRegexes, slot: number): { kind: string; index: number; pattern: string } {
  const nf = f.failRegexes.length;
  if (slot === PROBE_PREFREGEX && f.prefRegex) return { kind: "prefregex", index: 0, pattern: f.prefRegex.regex.pattern };
  if (slot >= PROBE_FAILREGEX && slot < PROBE_FAILREGEX + nf)
    return { kind: "failregex", index: slot - PROBE_FAILREGEX, pattern: f.failRegexes[slot - PROBE_FAILREGEX]!.regex.pattern };
  const j = slot - PROBE_FAILREGEX - nf;
  if (j >= 0 && j < f.ignoreRegexes.length) return { kind: "ignoreregex", index: j, pattern: f.ignoreRegexes[j]!.regex.pattern };
  return { kind: "date pattern", index: 0, pattern: f.dateDetector.templates[0]?.name ?? "" };
}

/**
 * Regexes the static check flags (backtrack-check.ts) are matched on the linear-time engine
 * from now on, when it can express them: slower per line, but no line can make them
 * backtrack. `known`: the answer of an earlier check on the same filter (a restarted worker).
 * Returns what was switched ("failregex 1"), for the log.
 */
export function linearForExponential(f: FilterRegexes, known?: readonly ExponentialRegex[]): ExponentialRegex[] {
  const switched: ExponentialRegex[] = [];
  const byKind = { prefregex: f.prefRegex ? [f.prefRegex] : [], failregex: f.failRegexes, ignoreregex: f.ignoreRegexes };
  for (const x of known ?? exponentialRegexes(f)) {
    const c = byKind[x.kind][x.number - 1]!;
    if (c.regex.linear() === null) continue;
    c.linear = true;
    switched.push(x);
  }
  return switched;
}
