// The `f2b regex --json` record for one input line. Shape (stable, relied on by tests/tools):
// {"line": N, "match": bool, "time": epoch float | null, "fid": ..., "host": ..., every captured
// group of the failure (user, ip4, ip6, dns, any F-NAME lowercased; null when not captured),
// "users": [..] and "attempts": N when fail2ban has them}.
import type { FilterFailure } from "../filter/filter.ts";

const INTERNAL = new Set(["matches", "nofail-matches", "mlfpending", "mlfforget", "mlfgained", "nofail", "content"]);

export function jsonRecord(line: number, found: readonly FilterFailure[], lineTime: number | null): Record<string, unknown> {
  const hit = found.find((f) => f.fid !== null && !f.data["nofail"]);
  if (!hit) return { line, match: false, time: lineTime, fid: null, host: null };
  const rec: Record<string, unknown> = {
    line,
    match: true,
    time: Number.isFinite(hit.time) ? hit.time : null,
    fid: hit.fid,
    host: (hit.data["host"] as string | null | undefined) ?? hit.fid,
  };
  for (const [k, v] of Object.entries(hit.data)) {
    if (INTERNAL.has(k) || k.startsWith("skiplines") || k in rec) continue;
    rec[k] = v instanceof Set ? [...v].sort() : (v ?? null);
  }
  const matches = hit.data["matches"];
  if (Array.isArray(matches)) rec["attempts"] = matches.length;
  return rec;
}
