// The WARNING for a line abandoned over the line budget: which regex, what the linear-time
// engine decided, where the line is (file and byte offset, or journal cursor), the line itself.
import type { Filter } from "../filter/filter.ts";
import { probeName } from "../filter/filter-probe.ts";
import type { AbandonedLine } from "./filter-stage.ts";

/** The warning for a line over the budget: which regex, where the line is, the line (clipped). */
export function describeAbandoned(a: AbandonedLine, filter: Filter): string {
  const r = probeName(filter, a.slot);
  // numbered from 1, as `f2b regex` and `f2b -t` number them
  const which = r.kind === "date pattern" ? "the date detector" : r.kind === "prefregex" ? "prefregex" : `${r.kind} ${r.index + 1}`;
  const at = a.line.cursor !== undefined ? `journal cursor ${a.line.cursor}` : a.line.pos > 0 ? `line ending at byte ${a.line.pos}` : "";
  const text = a.line.text.length > 300 ? `${a.line.text.slice(0, 300)}… (${a.line.text.length} chars)` : a.line.text;
  const o = a.outcome;
  const ids = o.decided ? o.failures.filter((f) => f.fid !== null && !f.data["nofail"]).map((f) => f.fid) : [];
  const outcome = !o.decided
    ? `not decided (${o.why}): not matched, not counted`
    : ids.length
      ? `decided on the linear-time engine: failure of ${ids.join(", ")} (counted)`
      : "decided on the linear-time engine: no failure";
  const pattern = r.pattern.length > 300 ? `${r.pattern.slice(0, 300)}…` : r.pattern;
  return `Line abandoned after ${a.budgetMs} ms (linebudget) in ${which}: ${pattern} — ${outcome}; ` + `source ${a.line.source}${at ? `, ${at}` : ""}: ${text}`;
}
