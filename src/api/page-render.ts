// The status page as one HTML document: summary cards, the 24 h ban chart, jails and current bans.
// A pure function of the PageModel; every value goes through the escaping `html` tag.
import type { BanInfo, JailStatus } from "./controller.ts";
import { Html, html } from "./html.ts";
import { banChart } from "./page-chart.ts";
import type { PageModel } from "./page-data.ts";
import { duration, localTime, utcOffset } from "./page-format.ts";
import { PAGE_CSS } from "./page-style.ts";

/** Beyond this many current bans the table shows the most recent ones and says how many more. */
export const MAX_BAN_ROWS = 500;
const REFRESH_SECONDS = 30;

const swatch = (color: string | undefined): Html =>
  html`<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${color ?? "#888"}"/></svg>`;

function source(j: JailStatus): string {
  const problems = j.filter.problems?.length ? ` (problems: ${j.filter.problems.join("; ")})` : "";
  if (j.filter.journalMatches !== undefined) return `journal: ${j.filter.journalMatches || "(all)"}${problems}`;
  const files = j.filter.fileList ?? [];
  return (files.length ? files.join(", ") : "no log file found yet") + problems;
}

function jailRows(m: PageModel): Html {
  if (m.jails.length === 0) return html`<p class="none">No jail is enabled. Enable one in jail.local (e.g. <code>[sshd]</code> <code>enabled = true</code>) and run <code>f2b reload</code>.</p>`;
  const rows = m.jails.map((j) => html`<tr data-jail="${j.name}">
<td>${swatch(m.colors.get(j.name))}<strong>${j.name}</strong></td>
<td class="num"><span class="badge${j.actions.currentlyBanned > 0 ? " on" : ""}">${j.actions.currentlyBanned}</span></td>
<td class="num">${j.actions.totalBanned}</td>
<td class="num">${j.filter.currentlyFailed}</td>
<td class="num">${j.filter.totalFailed}</td>
<td class="src">${source(j)}</td></tr>`);
  return html`<table class="jails"><thead><tr><th>Jail</th><th class="num">Banned now</th><th class="num">Bans total</th><th class="num">Failing now</th><th class="num">Failures total</th><th>Reads</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function banRow(b: BanInfo, m: PageModel): Html {
  const perm = b.remaining === null;
  return html`<tr data-ip="${b.ip}" data-jail="${b.jail}">
<td class="ip">${b.ip}</td>
<td>${swatch(m.colors.get(b.jail))}${b.jail}</td>
<td>${localTime(b.timeOfBan)}</td>
<td class="num${perm ? " perm" : ""}">${duration(b.remaining)}</td>
<td class="num">${perm ? "forever" : duration(b.bantime)}</td>
<td class="num">${b.banCount}</td></tr>`;
}

function banTable(m: PageModel): Html {
  if (m.bans.length === 0) return html`<p class="none">Nobody is banned right now.</p>`;
  const shown = m.bans.slice(0, MAX_BAN_ROWS);
  const more = m.bans.length - shown.length;
  return html`<table class="bans"><thead><tr><th>Address</th><th>Jail</th><th>Banned at</th><th class="num">Remaining</th><th class="num">Ban time</th><th class="num">Times banned</th></tr></thead>
<tbody>${shown.map((b) => banRow(b, m))}</tbody></table>
${more > 0 ? html`<p class="none">… and ${more} more (the full list: <code>f2b banned</code> or <code>/api/v1/bans</code>).</p>` : ""}`;
}

export function renderPage(m: PageModel): string {
  const banned = m.jails.reduce((n, j) => n + j.actions.currentlyBanned, 0);
  const total = m.jails.reduce((n, j) => n + j.actions.totalBanned, 0);
  const failing = m.jails.reduce((n, j) => n + j.filter.currentlyFailed, 0);
  const last24 = m.hours.reduce((n, h) => n + h.total, 0);
  const chartJails = [...m.colors.keys()].filter((j) => m.hours.some((h) => h.perJail.has(j)));
  const note = m.historySource === "history" ? "all bans that started in each hour" : "bans still in force only (the server keeps no ban history)";
  const doc = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${m.host}: ${banned} banned — f2b</title>
<style>${new Html(PAGE_CSS) /* our constant, byte for byte: the CSP allows it by hash */}</style></head>
<body>
<header><h1>f2b</h1><span class="host">${m.host}</span><span class="sub">v${m.version}</span><span class="when">${localTime(m.now)} ${utcOffset(m.now)} · refreshes every ${REFRESH_SECONDS}s</span></header>
<main>
<div class="cards">
<div class="card hot" id="card-banned"><div class="n">${banned}</div><div class="l">Banned now</div></div>
<div class="card" id="card-24h"><div class="n">${last24}</div><div class="l">Bans, last 24 h</div></div>
<div class="card" id="card-total"><div class="n">${total}</div><div class="l">Bans since start</div></div>
<div class="card" id="card-failing"><div class="n">${failing}</div><div class="l">Addresses failing now</div></div>
</div>
<section id="chart"><h2>Bans per hour, last 24 hours <span class="note">${note}; times ${utcOffset(m.now)}</span></h2>
${banChart(m.hours, m.colors)}
<div class="legend">${chartJails.map((j) => html`<span>${swatch(m.colors.get(j))}${j}</span>`)}</div></section>
<section id="jails"><h2>Jails <span class="note">${m.jails.length} running</span></h2>${jailRows(m)}</section>
<section id="bans"><h2>Current bans <span class="note">${m.bans.length} address${m.bans.length === 1 ? "" : "es"}</span></h2>${banTable(m)}</section>
<footer>JSON: /api/v1/jails, /api/v1/bans · Prometheus: /metrics</footer>
</main></body></html>
`;
  return doc.text;
}
