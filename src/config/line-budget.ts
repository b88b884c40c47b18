// f2b's own option `linebudget` (fail2ban.conf [Definition], per-jail override): how long one log
// line may take in a jail's filter before it is abandoned (src/filter-worker).

export const DEFAULT_LINE_BUDGET = "100ms";
const MIN_MS = 10;
/**
 * JavaScriptCore gives up on a regex after a fixed count of backtracks, answering "no match"; on
 * the test machine that takes ≥ 2.8 s (tests/filters/hostile-stock.test.ts). A budget well below
 * it abandons such a line — with a warning — before the engine can drop it silently.
 */
const MAX_MS = 1000;

/** Milliseconds for "100ms", "0.5s", "1" (seconds, as every fail2ban time); throws a reason. */
export function parseLineBudget(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec)?\s*$/iu.exec(value);
  if (!m) throw new Error("not a duration (e.g. 100ms, 0.5s)");
  const ms = Number(m[1]) * (m[2]?.toLowerCase() === "ms" ? 1 : 1000);
  if (ms < MIN_MS || ms > MAX_MS) throw new Error(`must be between ${MIN_MS}ms and ${MAX_MS / 1000}s`);
  return ms;
}
