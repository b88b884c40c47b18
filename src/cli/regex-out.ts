// fail2ban-regex's `-o/--out TOKEN` (one value per failure instead of the report) and 1.1's
// `-i/--invert` (the lines that did not match instead). Tokens: id/fid, ip, msg, or the name of
// a captured group (user, F-* names ...). fail2ban's `row` and `<tag>` templates are refused.
import type { FilterFailure } from "../filter/filter.ts";
import { pyRepr } from "./format.ts";

export type OutFunction = (failures: FilterFailure[]) => string[];

/** Python's str() of a failure's value, as fail2ban-regex prints it. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return v;
  if (v instanceof Set) return v.size ? `{${[...v].map(pyRepr).join(", ")}}` : "set()";
  return pyRepr(v);
}

/** The printer for a token, or why it is not supported. */
export function outFunction(token: string): OutFunction | { error: string } {
  if (token === "row" || token.includes("<")) {
    return { error: `--out ${token}: only id, fid, ip, msg or a group name are supported (not row or <tag> templates)` };
  }
  if (token === "id" || token === "fid") return (fs) => fs.map((f) => pyStr(f.fid));
  if (token === "ip") return (fs) => fs.map((f) => pyStr(f.data["ip"] ?? f.fid));
  if (token === "msg")
    return (fs) => fs.flatMap((f) => ((f.data["matches"] as unknown[] | undefined) ?? []).map((m) => (Array.isArray(m) ? m.join("") : String(m))));
  return (fs) => fs.map((f) => pyStr(f.data[token]));
}

/** fail2ban 1.1's --invert: a line without failure as a failure of its own (empty id, the line as message). */
export function invertedFailure(line: string, time: number | null): FilterFailure {
  return { regexIndex: -1, fid: "", time: time ?? Number.NaN, data: { fid: "", matches: [line] } };
}
