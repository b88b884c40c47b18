// Output shaped like fail2ban-client 1.0.2's beautifier (client/beautifier.py), so scripts
// that parse `fail2ban-client status` keep working against `f2b status`.
import type { BanInfo, JailStatus, JailValue, UnhealthyJail } from "../api/controller.ts";
import type { ClusterStatus } from "../cluster/cluster.ts";
import { logText } from "../api/visible-text.ts";
import { clusterLine } from "../cluster/report.ts";

type Row = [string, string | number | string[]];
const val = (v: Row[1]): string => (Array.isArray(v) ? v.join(" ") : String(v));

/**
 * `status`: "Status\n|- Number of jail:\t2\n`- Jail list:\ta, b"; with every jail's status
 * (`status --all`, fail2ban 1.1) a "Status for the jails" branch holding each jail's tree.
 */
export function formatStatus(
  jails: string[],
  all?: JailStatus[],
  extra: { unhealthy?: UnhealthyJail[] | undefined; cluster?: ClusterStatus | undefined } = {},
): string {
  const { unhealthy, cluster } = extra;
  const rows: Row[] = [
    ["Number of jail", jails.length],
    ["Jail list", jails.join(", ")],
    // f2b's own, only with [cluster] on (after fail2ban's rows, which scripts read).
    ...(cluster ? [["Cluster", clusterLine(cluster)] as Row] : []),
  ];
  // Only when there is one (fail2ban's rows stay as they are): a jail that cannot ban, and why.
  for (const u of unhealthy ?? []) rows.push(["UNHEALTHY jail", `${u.jail}: ${u.problems.join("; ")}`]);
  const out = ["Status", ...rows.map(([k, v], i) => `${i === rows.length - 1 && !all?.length ? "`-" : "|-"} ${k}:\t${val(v)}`)];
  if (all?.length) {
    out.push("`- Status for the jails:");
    all.forEach((st, i) => {
      const last = i === all.length - 1;
      out.push(`   ${last ? "`-" : "|-"} Jail: ${st.name}`);
      out.push(...jailTree(st, last ? "      " : "   |  "));
    });
  }
  return out.join("\n");
}

/**
 * What the jail reads, as fail2ban shows it ("File list" or "Journal matches"), and, only when
 * something keeps it from reading, a "Problems" row: fail2ban's shape with one more row, which
 * scripts reading rows by name (and fail2ban's own Beautifier) take as they are.
 */
function sourceRows(f: JailStatus["filter"]): Row[] {
  const rows: Row[] = [f.journalMatches !== undefined ? ["Journal matches", [f.journalMatches]] : ["File list", f.fileList ?? []]];
  if (f.problems?.length) rows.push(["Problems", f.problems.join("; ")]);
  // like Problems: a row only when there is something to say (issue 11)
  if (f.linesAbandoned) rows.push(["Lines abandoned (over linebudget)", f.linesAbandoned]);
  return rows;
}

/** `status JAIL`: the Filter / Actions tree. */
export function formatJailStatus(st: JailStatus): string {
  return [`Status for the jail: ${st.name}`, ...jailTree(st, "")].join("\n");
}

/** The Filter / Actions groups of a jail, each line after `pref`. */
function jailTree(st: JailStatus, pref: string): string[] {
  const filter: Row[] = [
    ["Currently failed", st.filter.currentlyFailed],
    ["Total failed", st.filter.totalFailed],
  ];
  filter.push(...sourceRows(st.filter));
  const actions: Row[] = [
    ["Currently banned", st.actions.currentlyBanned],
    ["Total banned", st.actions.totalBanned],
    ["Banned IP list", st.actions.bannedIPs],
  ];
  if (st.actions.problems?.length) actions.push(["Problems", `UNHEALTHY: ${st.actions.problems.join("; ")}`]);
  const groups: [string, Row[]][] = [
    ["Filter", filter],
    ["Actions", actions],
  ];
  const out: string[] = [];
  groups.forEach(([title, rows], n) => {
    const lastGroup = n === groups.length - 1;
    out.push(`${pref}${lastGroup ? "`-" : "|-"} ${title}`);
    const indent = pref + (lastGroup ? "   " : "|  ");
    for (const [m, [k, v]] of rows.entries()) out.push(`${indent}${m === rows.length - 1 ? "`-" : "|-"} ${k}:\t${val(v)}`);
  });
  return out;
}

/** Python's repr() for the values fail2ban-client prints unbeautified (lists, numbers, None). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(", ")}}`;
  }
  return String(v);
}

/** A tree list: "|- a\n|- b\n`- c". */
const tree = (items: string[]): string => items.map((x, i) => `${i === items.length - 1 ? "`- " : "|- "}${x}`).join("\n");

/** `get JAIL KEY` (and the list answers of `set JAIL addignoreip ...`). */
export function formatGet(jail: string, key: string, value: JailValue): string {
  const list = Array.isArray(value) ? value : [];
  switch (key) {
    case "logpath":
      return list.length ? `Current monitored log file(s):\n${tree(list)}` : "No file is currently monitored";
    case "ignoreip":
    case "addignoreip":
    case "delignoreip":
      return list.length ? `These IP addresses/networks are ignored:\n${tree(list)}` : "No IP address/network is ignored";
    case "failregex":
    case "ignoreregex":
      return list.length ? `The following regular expression are defined:\n${tree(list.map((r, i) => `[${i}]: ${r}`))}` : "No regular expression is defined";
    case "journalmatch":
      return list.length ? `Current match filter:\n${list.join(" + ")}` : "No journal match filter set";
    case "actions":
      return list.length ? `The jail ${jail} has the following actions:\n${list.join(", ")}` : `No actions for jail ${jail}`;
    case "logencoding":
      return `Current log encoding is set to:\n${String(value)}`;
    case "datepattern":
      return `Current date pattern set to: ${value === null || value === "" ? "Not set/required" : String(value)}`;
    case "banip":
      return list.join(" ");
    default:
      return typeof value === "string" ? value : pyRepr(value);
  }
}

/** `get logtarget|dbfile|dbpurgeage|dbmaxmatches`, worded as fail2ban-client's beautifier. */
export function formatServerSetting(key: "logtarget" | "dbfile" | "dbpurgeage" | "dbmaxmatches", value: string | number | null): string {
  switch (key) {
    case "logtarget":
      return `Current logging target is:\n\`- ${String(value)}`;
    case "dbfile":
      return value === null ? "Database currently disabled" : `Current database file is:\n\`- ${String(value)}`;
    case "dbpurgeage":
      return value === null ? "Database currently disabled" : `Current database purge age is:\n\`- ${Math.trunc(Number(value))}seconds`;
    case "dbmaxmatches":
      return pyRepr(value);
  }
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** Local "YYYY-MM-DD HH:MM:SS" (fail2ban's ban-time display). */
export function formatTime(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** "1d 2h 3m 4s" style, compact; "permanent" for null. */
export function formatRemaining(sec: number | null): string {
  if (sec === null) return "permanent";
  let s = Math.max(0, Math.round(sec));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["w", 604800],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(" ");
}

/** `get JAIL banip --with-time`: fail2ban's "IP \tSTART + BANTIME = END" lines. */
export function formatBanWithTime(b: BanInfo): string {
  if (b.bantime < 0) return `${b.ip} \t${formatTime(b.timeOfBan)} + -1 = 9999-12-31 23:59:59`;
  return `${b.ip} \t${formatTime(b.timeOfBan)} + ${Math.trunc(b.bantime)} = ${formatTime(b.timeOfBan + b.bantime)}`;
}

/** `banned`: one row per current ban, aligned columns. */
export function formatBanTable(bans: BanInfo[]): string {
  if (bans.length === 0) return "No IP address is currently banned";
  // FROM (the cluster peer that decided a ban) only when some ban came from one.
  const from = bans.some((b) => b.origin !== undefined);
  const rows = [
    ["JAIL", "IP", "BANNED AT", "REMAINING", "BANS", ...(from ? ["FROM"] : [])],
    ...bans.map((b) => [
      b.jail,
      b.ip,
      formatTime(b.timeOfBan),
      formatRemaining(b.remaining),
      String(b.banCount),
      ...(from ? [b.origin === undefined ? "-" : logText(b.origin, 80)] : []),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** One row of `stats`: the jail, the backend it runs, failures and bans (current, total). */
export interface StatsRow {
  jail: string;
  backend: string;
  failed: [number, number];
  banned: [number, number];
}

// fail2ban 1.1's Beautifier table characters: ASCII, and box drawing for a UTF-8 terminal
const STATS_CHARS = [
  ["|", "-", "|", "x", "x", "-", "|", "-"],
  ["\u2551", "\u2550", "\u255F", "\u256B", "\u256C", "\u2569", "\u2502", "\u2500"],
] as const;

/** `stats` (fail2ban 1.1): one table row per jail, column widths as its Beautifier computes them. */
export function formatStats(rows: StatsRow[], utf8 = true): string {
  if (rows.length === 0) return "No jails found.";
  const ct = STATS_CHARS[utf8 ? 1 : 0];
  const cells = rows.map((r) => [r.jail, r.backend, ...r.failed.map(String), ...r.banned.map(String)]);
  const lens = [8, 8, 3, 3, 3, 3].map((min, i) => Math.max(min, ...cells.map((c) => c[i]!.length)));
  const cell = (v: string, i: number): string => (i < 2 ? v.padEnd(lens[i]!) : v.padStart(lens[i]!));
  const sep = ` ${ct[0]} `;
  const line = (c: string[]): string =>
    [cell(c[0]!, 0), cell(c[1]!, 1), `${cell(c[2]!, 2)} ${ct[6]} ${cell(c[3]!, 3)}`, `${cell(c[4]!, 4)} ${ct[6]} ${cell(c[5]!, 5)}`].join(sep);
  const tlens = [lens[0]!, lens[1]!, 3 + lens[2]! + lens[3]!, 3 + lens[4]! + lens[5]!];
  const rule = (mid: string): string => ct[1] + tlens.map((n) => ct[1].repeat(n)).join(ct[1] + mid + ct[1]) + ct[1];
  return [
    " " + ["", "", "Filter", "Actions"].map((v, i) => v.padEnd(tlens[i]!)).join(sep),
    " " +
      ["Jail".padEnd(lens[0]!), "Backend".padEnd(lens[1]!)].join(sep) +
      ` ${ct[2]}${ct[7]}` +
      tlens
        .slice(2)
        .map((n) => ct[7].repeat(n))
        .join(ct[7] + ct[3] + ct[7]) +
      ct[7],
    " " + line(["", "", "cur", "tot", "cur", "tot"]),
    rule(ct[4]),
    ...cells.map((c) => " " + line(c)),
    rule(ct[5]),
  ].join("\n");
}
