// GET /ban/ADDR — why one address is banned: per jail its matched log lines, user names,
// failures, times banned, start and end, and the earlier bans of that address. Log text is
// hostile: it is cut to a bounded length, made visible (controls, bidi) and escaped.
import { hostname } from "node:os";
import type { BanDetail, BanRecord, Controller } from "./controller.ts";
import { html, type Html } from "./html.ts";
import { logText } from "./visible-text.ts";
import { hostText } from "./page-cluster.ts";
import { duration, localTime, timeAgo } from "./page-format.ts";
import { meter, pageDocument, stackTable } from "./page-layout.ts";

/** Matched lines shown per ban (fail2ban keeps at most dbmaxmatches of them anyway). */
export const MAX_MATCH_LINES = 50;

export interface BanModel {
  version: string;
  host: string;
  now: number;
  detail: BanDetail;
}

export async function loadBanModel(ctl: Controller, ip: string, now: number): Promise<BanModel> {
  const [version, detail] = await Promise.all([ctl.version(), ctl.banDetail(ip)]);
  return { version, host: hostname(), now, detail };
}

/** "expired", "unbanned by hand (cli)", or why a ban no longer counts without an end recorded. */
export function endText(r: BanRecord): string {
  if (!r.ended) return r.active ? "in force" : "not in force (its jail is not running)";
  if (r.ended.how === "expired") return "expired";
  return r.ended.by === "server" ? "lifted by the server (reload --unban)" : `unbanned by hand (${r.ended.by ?? "unknown"})`;
}

function matchLines(r: { matches: readonly string[] }): Html {
  if (r.matches.length === 0) return html`<p class="none">No matched lines recorded (a ban by hand, or dbmaxmatches = 0).</p>`;
  const shown = r.matches.slice(-MAX_MATCH_LINES);
  const cut = r.matches.length - shown.length;
  return html`${cut > 0 ? html`<p class="none">The last ${shown.length} of ${r.matches.length} lines:</p>` : ""}<ol class="lines">${shown.map((l) => html`<li>${logText(l)}</li>`)}</ol>`;
}

const userList = (users: readonly string[]): string => (users.length ? users.map((u) => logText(u)).join(", ") : "—");

function currentBlock(r: BanRecord, m: BanModel): Html {
  const left = r.end === null ? "permanent" : `${duration(Math.max(0, r.end - m.now))} left`;
  return html`<section class="ban-now" data-jail="${r.jail}"><h2>Banned in ${r.jail} <span class="note">${left}</span></h2>
<dl class="facts">
${r.origin === undefined ? "" : html`<dt>Decided by</dt><dd class="origin">received from <span class="mono">${hostText(r.origin)}</span> (a cluster peer)</dd>`}
<dt>Banned at</dt><dd>${timeAgo(r.timeOfBan, m.now)}</dd>
<dt>Ends</dt><dd>${r.end === null ? html`<span class="perm">never (permanent)</span>` : localTime(r.end)}</dd>
<dt>Ban time</dt><dd>${r.bantime < 0 ? "permanent" : duration(r.bantime)}</dd>
<dt>Times banned</dt><dd>${r.banCount}</dd>
<dt>Failures</dt><dd>${r.failures}</dd>
<dt>User names</dt><dd class="mono">${userList(r.users)}</dd>
</dl>
<h3>Matched log lines</h3>${r.origin !== undefined && r.matches.length === 0 ? html`<p class="none">Decided on <span class="mono">${hostText(r.origin)}</span>: its log lines are there.</p>` : matchLines(r)}</section>`;
}

function historyTable(history: readonly BanRecord[]): Html {
  if (history.length === 0) return html`<p class="none">No earlier bans of this address in the database.</p>`;
  return stackTable(
    "history",
    [{ label: "Jail" }, { label: "Banned at" }, { label: "Ended" }, { label: "How" }, { label: "Failures", num: true }, { label: "Matched lines" }],
    history.map((r) => ({
      attrs: html`data-jail="${r.jail}" data-start="${r.timeOfBan}"`,
      cells: [
        r.jail,
        localTime(r.timeOfBan),
        r.ended ? localTime(r.ended.at) : r.end !== null ? localTime(r.end) : "—",
        endText(r),
        r.failures,
        r.matches.length
          ? html`<details><summary>${r.matches.length} line${r.matches.length === 1 ? "" : "s"}${r.users.length ? ` · users: ${userList(r.users)}` : ""}</summary>${matchLines(r)}</details>`
          : "—",
      ],
    })),
  );
}

function failingTable(m: BanModel): Html {
  const f = m.detail.failing;
  if (f.length === 0) return html``;
  return html`<section id="failing-here"><h2>Failing now <span class="note">counted, not banned yet</span></h2>${stackTable(
    "failing",
    [{ label: "Jail" }, { label: "Failures" }, { label: "First seen" }, { label: "Last seen" }, { label: "Matched lines" }],
    f.map((e) => ({
      attrs: html`data-jail="${e.jail}"`,
      cells: [
        e.jail,
        meter(e.failures, e.maxretry),
        timeAgo(e.firstSeen, m.now),
        timeAgo(e.lastSeen, m.now),
        e.matches.length
          ? html`<details><summary>${e.matches.length} line${e.matches.length === 1 ? "" : "s"}${e.users.length ? ` · users: ${userList(e.users)}` : ""}</summary>${matchLines(e)}</details>`
          : "—",
      ],
    })),
  )}</section>`;
}

export function renderBanPage(m: BanModel): string {
  const d = m.detail;
  const status = d.current.length
    ? html`<span class="bad">✗ banned now</span> in ${d.current.map(
        (r, i) =>
          html`${i > 0 ? ", " : ""}<strong>${r.jail}</strong>${r.origin === undefined ? "" : html` (received from <span class="mono">${hostText(r.origin)}</span>)`}`,
      )}`
    : d.failing.length
      ? html`<span class="warn">⚠ not banned, but failing</span>`
      : html`<span class="ok">✓ not banned now</span>`;
  const main = html`<p><a href="/">← All jails</a></p>
<section id="address"><h2><span class="mono" id="ip">${d.ip}</span></h2><p id="ban-status">${status}</p></section>
${d.current.map((r) => currentBlock(r, m))}
${failingTable(m)}
<section id="history"><h2>Earlier bans <span class="note">newest first</span></h2>${historyTable(d.history)}</section>`;
  return pageDocument({
    title: `${d.ip} — f2b`,
    host: m.host,
    version: m.version,
    now: m.now,
    refresh: false,
    main,
    elsewhere: html`JSON: /api/v1/bans/${d.ip}/why · CLI: <code>f2b banned --why ${d.ip}</code>`,
  });
}
