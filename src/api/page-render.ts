// The status page's overview as one HTML document: what needs attention, summary cards, the 24 h
// ban chart, jails, failing now, current bans, recent events, source health and settings.
// A pure function of the PageModel; every value goes through the escaping `html` tag.
import type { BanInfo } from "./controller.ts";
import { html, type Html } from "./html.ts";
import { banChart } from "./page-chart.ts";
import { clusterSection, hostText } from "./page-cluster.ts";
import type { PageModel } from "./page-data.ts";
import { duration, localTime, utcOffset } from "./page-format.ts";
import { ipLink, pageDocument, stackTable, swatch } from "./page-layout.ts";
import { attention, failingNow, healthBadge, healthId, jailSettings, recentEvents, sourceHealth } from "./page-sections.ts";

/** Beyond this many current bans the table shows the most recent ones and says how many more. */
export const MAX_BAN_ROWS = 500;

function jailRows(m: PageModel): Html {
  if (m.jails.length === 0)
    return html`<p class="none">No jail is enabled. Enable one in jail.local (e.g. <code>[sshd]</code> <code>enabled = true</code>) and run <code>f2b reload</code>.</p>`;
  return stackTable(
    "jails",
    [
      { label: "Jail" },
      { label: "Health" },
      { label: "Banned now", num: true },
      { label: "Bans total", num: true },
      { label: "Failing now", num: true },
      { label: "Failures total", num: true },
    ],
    m.jails.map((j, i) => ({
      attrs: html`data-jail="${j.status.name}"`,
      cells: [
        html`${swatch(m.colors.get(j.status.name))}<strong>${j.status.name}</strong>`,
        html`<a href="#${healthId(i)}">${healthBadge(j)}</a>`,
        html`<span class="badge${j.status.actions.currentlyBanned > 0 ? " on" : ""}">${j.status.actions.currentlyBanned}</span>`,
        j.status.actions.totalBanned,
        j.status.filter.currentlyFailed,
        j.status.filter.totalFailed,
      ],
    })),
  );
}

function banRow(b: BanInfo, m: PageModel, from: boolean): { attrs: Html; cells: (Html | string | number)[] } {
  const perm = b.remaining === null;
  return {
    attrs: html`data-ip="${b.ip}" data-jail="${b.jail}"`,
    cells: [
      ipLink(b.ip),
      html`${swatch(m.colors.get(b.jail))}${b.jail}`,
      localTime(b.timeOfBan),
      perm ? html`<span class="perm">permanent</span>` : duration(b.remaining),
      perm ? "forever" : duration(b.bantime),
      b.banCount,
      ...(from ? [b.origin === undefined ? html`<span class="none">here</span>` : html`<span class="mono origin">${hostText(b.origin)}</span>`] : []),
    ],
  };
}

function banTable(m: PageModel): Html {
  if (m.bans.length === 0) return html`<p class="none">Nobody is banned right now.</p>`;
  const shown = m.bans.slice(0, MAX_BAN_ROWS);
  const more = m.bans.length - shown.length;
  // "From" (the cluster peer that decided a ban) only when some ban came from one, as `f2b banned`.
  const from = shown.some((b) => b.origin !== undefined);
  return html`${stackTable(
    "bans",
    [
      { label: "Address", cls: "ip" },
      { label: "Jail" },
      { label: "Banned at" },
      { label: "Remaining", num: true },
      { label: "Ban time", num: true },
      { label: "Times banned", num: true },
      ...(from ? [{ label: "From" }] : []),
    ],
    shown.map((b) => banRow(b, m, from)),
  )}
${more > 0 ? html`<p class="none">… and ${more} more (the full list: <code>f2b banned</code> or <code>/api/v1/bans</code>).</p>` : ""}`;
}

export function renderPage(m: PageModel): string {
  const banned = m.jails.reduce((n, j) => n + j.status.actions.currentlyBanned, 0);
  const total = m.jails.reduce((n, j) => n + j.status.actions.totalBanned, 0);
  const failing = m.jails.reduce((n, j) => n + j.status.filter.currentlyFailed, 0);
  const last24 = m.hours.reduce((n, h) => n + h.total, 0);
  const chartJails = [...m.colors.keys()].filter((j) => m.hours.some((h) => h.perJail.has(j)));
  const note = m.historySource === "history" ? "all bans that started in each hour" : "bans still in force only (the server keeps no ban history)";
  const main = html`${attention(m)}
<div class="cards">
<div class="card hot" id="card-banned"><div class="n">${banned}</div><div class="l">Banned now</div></div>
<div class="card" id="card-24h"><div class="n">${last24}</div><div class="l">Bans, last 24 h</div></div>
<div class="card" id="card-total"><div class="n">${total}</div><div class="l">Bans since start</div></div>
<div class="card" id="card-failing"><div class="n">${failing}</div><div class="l">Addresses failing now</div></div>
</div>
<nav class="toc"><a href="#jails">Jails</a><a href="#failing">Failing now</a><a href="#bans">Current bans</a>${m.cluster ? html`<a href="#cluster">Cluster</a>` : ""}<a href="#events">Recent events</a><a href="#health">Source health</a><a href="#settings">Settings</a></nav>
<section id="chart"><h2>Bans per hour, last 24 hours <span class="note">${note}; times ${utcOffset(m.now)}</span></h2>
<div class="chart-wrap">${banChart(m.hours, m.colors)}</div>
<div class="legend">${chartJails.map((j) => html`<span>${swatch(m.colors.get(j))}${j}</span>`)}</div></section>
<section id="jails"><h2>Jails <span class="note">${m.jails.length} running</span></h2>${jailRows(m)}</section>
<section id="failing"><h2>Failing now <span class="note">addresses not banned yet, closest to a ban first</span></h2>${failingNow(m)}</section>
<section id="bans"><h2>Current bans <span class="note">${m.bans.length} address${m.bans.length === 1 ? "" : "es"}; click one for why</span></h2>${banTable(m)}</section>
${m.cluster ? clusterSection(m.cluster, m.now) : ""}
<section id="events"><h2>Recent events <span class="note">newest first; older ones: <code>f2b events</code></span></h2>${recentEvents(m)}</section>
<section id="health"><h2>Source health <span class="note">is every jail reading its log?</span></h2>${sourceHealth(m)}</section>
<section id="settings"><h2>Jail settings</h2>${jailSettings(m)}</section>`;
  return pageDocument({
    title: `${m.host}: ${banned} banned — f2b`,
    host: m.host,
    version: m.version,
    now: m.now,
    refresh: true,
    main,
    elsewhere: html`JSON: /api/v1/jails, /api/v1/bans, /api/v1/failing, /api/v1/events · Prometheus: /metrics · CLI: <code>f2b status</code>, <code>f2b failing</code>, <code>f2b events</code>, <code>f2b health</code>`,
  });
}
