// GET /ban/ADDR — why one address is banned: per jail its matched log lines, user names,
// failures, times banned, start and end, and the earlier bans of that address. Log text is
// hostile: it is cut to a bounded length, made visible (controls, bidi) and escaped.
import type { BanInfo, Controller } from "./controller.ts";
import { html, logText, type Html } from "./html.ts";
import { hostname } from "node:os";
import { duration, localTime, timeAgo } from "./page-format.ts";
import { meter, pageDocument, stackTable } from "./page-layout.ts";

/** Matched lines shown per ban (fail2ban keeps at most dbmaxmatches of them anyway). */
export const MAX_MATCH_LINES = 50;

/** One ban of the address, running or over. */
export interface BanRecordView {
  jail: string;
  start: number;
  /** Seconds; -1 = permanent. */
  bantime: number;
  banCount: number;
  /** null: not recorded. */
  failures: number | null;
  matches: string[];
  users: string[];
  /** null: still in force; otherwise when and how it ended ("expired", "unbanned by CLI", …). */
  ended: { at: number | null; how: string } | null;
}

export interface FailingHere {
  jail: string;
  failures: number;
  maxretry: number | null;
  firstSeen: number;
  lastSeen: number;
}

export interface BanModel {
  version: string;
  host: string;
  now: number;
  ip: string;
  current: BanInfo[];
  /** Newest first; null: the server keeps no ban history. */
  records: BanRecordView[] | null;
  failing: FailingHere[];
}

export async function loadBanModel(ctl: Controller, ip: string, now: number): Promise<BanModel> {
  const [version, bans] = await Promise.all([ctl.version(), ctl.banned()]);
  const current = bans.filter((b) => b.ip === ip).sort((a, b) => a.jail.localeCompare(b.jail));
  const history = ctl.banHistory ? await (async () => ctl.banHistory!(0))().catch(() => null) : null;
  const records = history === null ? null : history.filter((e) => e.ip === ip).sort((a, b) => b.time - a.time).map((e): BanRecordView => {
    const live = current.find((b) => b.jail === e.jail && b.timeOfBan === e.time);
    return {
      jail: e.jail, start: e.time, bantime: live?.bantime ?? 0, banCount: live?.banCount ?? 1, failures: null, matches: [], users: [],
      ended: live ? null : { at: null, how: "ended" },
    };
  });
  return { version, host: hostname(), now, ip, current, records, failing: [] };
}

const endOf = (start: number, bantime: number): number | null => (bantime < 0 ? null : start + bantime);

function matchLines(r: BanRecordView): Html {
  if (r.matches.length === 0) return html`<p class="none">No matched lines recorded (a ban by hand, or dbmaxmatches = 0).</p>`;
  const shown = r.matches.slice(-MAX_MATCH_LINES);
  const cut = r.matches.length - shown.length;
  return html`${cut > 0 ? html`<p class="none">The last ${shown.length} of ${r.matches.length} lines:</p>` : ""}<ol class="lines">${shown.map((l) => html`<li>${logText(l)}</li>`)}</ol>`;
}

function currentBlock(b: BanInfo, r: BanRecordView | undefined, m: BanModel): Html {
  const end = endOf(b.timeOfBan, b.bantime);
  const users = r?.users ?? [];
  return html`<section class="ban-now" data-jail="${b.jail}"><h2>Banned in ${b.jail} <span class="note">${b.remaining === null ? "permanent" : `${duration(b.remaining)} left`}</span></h2>
<dl class="facts">
<dt>Banned at</dt><dd>${timeAgo(b.timeOfBan, m.now)}</dd>
<dt>Ends</dt><dd>${end === null ? html`<span class="perm">never (permanent)</span>` : localTime(end)}</dd>
<dt>Ban time</dt><dd>${b.bantime < 0 ? "permanent" : duration(b.bantime)}</dd>
<dt>Times banned</dt><dd>${b.banCount}</dd>
<dt>Failures</dt><dd>${r?.failures ?? "—"}</dd>
<dt>User names</dt><dd class="mono">${users.length ? users.map((u) => logText(u)).join(", ") : "—"}</dd>
</dl>
<h3>Matched log lines</h3>${r ? matchLines(r) : html`<p class="none">This server keeps no record of the matches.</p>`}</section>`;
}

function historyTable(m: BanModel, earlier: BanRecordView[]): Html {
  if (m.records === null) return html`<p class="none">This server keeps no ban history.</p>`;
  if (earlier.length === 0) return html`<p class="none">No earlier bans of this address.</p>`;
  return stackTable("history", [
    { label: "Jail" }, { label: "Banned at" }, { label: "Ended" }, { label: "How" }, { label: "Failures", num: true }, { label: "Matched lines" },
  ], earlier.map((r) => ({
    attrs: html`data-jail="${r.jail}" data-start="${r.start}"`,
    cells: [
      r.jail,
      localTime(r.start),
      r.ended?.at != null ? localTime(r.ended.at) : r.bantime < 0 ? "—" : r.bantime > 0 ? localTime(r.start + r.bantime) : "—",
      r.ended?.how ?? "",
      r.failures ?? "—",
      r.matches.length ? html`<details><summary>${r.matches.length} line${r.matches.length === 1 ? "" : "s"}${r.users.length ? ` · users: ${r.users.map((u) => logText(u)).join(", ")}` : ""}</summary>${matchLines(r)}</details>` : "—",
    ],
  })));
}

export function renderBanPage(m: BanModel): string {
  const live = (b: BanInfo): BanRecordView | undefined => m.records?.find((r) => r.ended === null && r.jail === b.jail && r.start === b.timeOfBan);
  const earlier = (m.records ?? []).filter((r) => !m.current.some((b) => live(b) === r));
  const status = m.current.length
    ? html`<span class="bad">✗ banned now</span> in ${m.current.map((b, i) => html`${i > 0 ? ", " : ""}<strong>${b.jail}</strong>`)}`
    : html`<span class="ok">✓ not banned now</span>`;
  const failing = m.failing.length
    ? html`<section id="failing-here"><h2>Failing now</h2>${stackTable("failing", [{ label: "Jail" }, { label: "Failures" }, { label: "First seen" }, { label: "Last seen" }], m.failing.map((f) => ({
      attrs: html`data-jail="${f.jail}"`,
      cells: [f.jail, f.maxretry !== null ? meter(f.failures, f.maxretry) : f.failures, timeAgo(f.firstSeen, m.now), timeAgo(f.lastSeen, m.now)],
    })))}</section>`
    : "";
  const main = html`<p><a href="/">← All jails</a></p>
<section id="address"><h2><span class="mono" id="ip">${m.ip}</span></h2><p id="ban-status">${status}</p></section>
${m.current.map((b) => currentBlock(b, live(b), m))}
${failing}
<section id="history"><h2>Earlier bans <span class="note">newest first</span></h2>${historyTable(m, earlier)}</section>`;
  return pageDocument({ title: `${m.ip} — f2b`, host: m.host, version: m.version, now: m.now, refresh: false, main });
}
