// Text answers to "why?" and "is it working?" (issue 14): `banned --why` / `show`, `failing`,
// `events`, `health`. `--json` prints the API's answer instead, unchanged.
import type { BanDetail, BanRecord, FailingEntry, JailHealth, ServerEvent } from "../api/controller.ts";
import { logText } from "../api/visible-text.ts";
import { formatRemaining, formatTime } from "./format.ts";

/** Aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const length = (bantime: number): string => (bantime < 0 ? "permanent" : formatRemaining(bantime));

function howEnded(r: BanRecord): string {
  if (!r.ended) return r.active ? "in force" : "in force (jail not running)";
  const at = formatTime(r.ended.at);
  return r.ended.how === "expired" ? `expired ${at}` : `unbanned by ${r.ended.by ?? "hand"} ${at}`;
}

function whoAndWhy(r: { failures: number; users: string[] }, maxretry?: number): string {
  const count = maxretry === undefined ? `${r.failures} failure${r.failures === 1 ? "" : "s"}` : `${r.failures}/${maxretry} failures`;
  // user names and lines come from the log: a terminal would obey an escape sequence in them
  return r.users.length ? `${count}, user${r.users.length === 1 ? "" : "s"}: ${r.users.map((u) => logText(u)).join(", ")}` : count;
}

function matchLines(matches: string[], indent: string): string[] {
  if (!matches.length) return [`${indent}(no matched lines kept)`];
  return [`${indent}matched lines:`, ...matches.map((m) => `${indent}  ${logText(m)}`)];
}

/** `banned --why ADDR`: the current bans with their lines, failures counted now, earlier bans. */
export function formatBanDetail(d: BanDetail, now: number): string {
  if (!d.current.length && !d.failing.length && !d.history.length) {
    return `${d.ip} is not banned, has no failures counted and no ban in the history`;
  }
  const out = [d.ip];
  if (!d.current.length) out.push("  not banned now");
  for (const b of d.current) {
    const end = b.end === null ? "permanent" : `until ${formatTime(b.end)}, ${formatRemaining(b.end - now)} left`;
    const from = b.origin === undefined ? "" : `, received from ${logText(b.origin, 80)}`;
    out.push(`  banned in ${b.jail} since ${formatTime(b.timeOfBan)} for ${length(b.bantime)} (${end}), ban #${b.banCount}${from}`);
    out.push(`    ${whoAndWhy(b)}`, ...matchLines(b.matches, "    "));
  }
  for (const f of d.failing) {
    out.push(`  failing in ${f.jail}: ${whoAndWhy(f, f.maxretry)}, first ${formatTime(f.firstSeen)}, last ${formatTime(f.lastSeen)}`);
    out.push(...matchLines(f.matches, "    "));
  }
  if (d.history.length) {
    out.push("  earlier bans:");
    const rows = [
      ["JAIL", "BANNED AT", "FOR", "ENDED", "WHY"],
      ...d.history.map((r) => [r.jail, formatTime(r.timeOfBan), length(r.bantime), howEnded(r), whoAndWhy(r)]),
    ];
    out.push(
      ...table(rows)
        .split("\n")
        .map((l) => `    ${l}`),
    );
  }
  return out.join("\n");
}

/** `failing [JAIL]`: who is about to be banned. */
export function formatFailing(list: FailingEntry[]): string {
  if (!list.length) return "No address has failures counted right now";
  return table([
    ["JAIL", "IP", "FAILURES", "FIRST SEEN", "LAST SEEN", "USERS"],
    ...list.map((f) => [
      f.jail,
      f.ip,
      `${f.failures}/${f.maxretry}`,
      formatTime(f.firstSeen),
      formatTime(f.lastSeen),
      f.users.map((u) => logText(u)).join(","),
    ]),
  ]);
}

/** `events`: oldest first, as a log reads (the API and --json answer newest first). */
export function formatEvents(events: ServerEvent[]): string {
  if (!events.length) return "No events";
  return table([
    ["TIME", "KIND", "JAIL", "IP", "WHAT"],
    ...[...events].reverse().map((e) => [formatTime(e.time), e.kind, e.jail ?? "-", e.ip ?? "-", e.message]),
  ]);
}

const ago = (sec: number | null): string => (sec === null ? "never" : `${formatRemaining(sec)} ago`);

/** `health [JAIL]`: per jail whether it reads its source, each file's state, the last line. */
export function formatHealth(jails: Array<{ name: string; health: JailHealth }>): string {
  const out: string[] = [];
  for (const { name, health: h } of jails) {
    const s = h.source;
    out.push(`${name}: ${h.ok ? "ok" : "PROBLEM"}, last line ${ago(s.lastLineAgeSec)}`);
    for (const p of h.problems) out.push(`  ! ${p}`);
    if (s.kind === "journal") out.push(`  journal ${s.journalMatch ?? ""}`);
    if (s.files.length) {
      const rows = [
        ["FILE", "STATE", "SIZE", "READ TO", "LAST LINE"],
        ...s.files.map((f) => [
          f.path,
          f.state,
          f.size === null ? "-" : String(f.size),
          f.position === null ? "-" : String(f.position),
          f.lastLineAt === null ? "-" : formatTime(f.lastLineAt),
        ]),
      ];
      out.push(
        ...table(rows)
          .split("\n")
          .map((l) => `  ${l}`),
      );
    }
  }
  return out.length ? out.join("\n") : "No jail is running";
}
