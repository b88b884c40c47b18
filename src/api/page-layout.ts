// The pieces every status page shares: the document around the content, the tables that turn
// into label/value lists on a phone, links to a ban's page. Everything goes through `html`.
import { Html, html, type HtmlValue } from "./html.ts";
import { localTime, utcOffset } from "./page-format.ts";
import { PAGE_CSS } from "./page-style.ts";

export const REFRESH_SECONDS = 30;

export interface Shell {
  title: string;
  host: string;
  version: string;
  now: number;
  /** Reloads the page every REFRESH_SECONDS (the overview); a detail page stays put. */
  refresh: boolean;
  main: Html;
  /** The same data elsewhere, for the footer: the JSON API and the CLI. */
  elsewhere: Html;
}

export function pageDocument(p: Shell): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${p.refresh ? html`<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : ""}
<title>${p.title}</title>
<style>${new Html(PAGE_CSS) /* our constant, byte for byte: the CSP allows it by hash */}</style></head>
<body>
<header><h1><a href="/">f2b</a></h1><span class="host">${p.host}</span><span class="sub">v${p.version}</span><span class="when">${localTime(p.now)} ${utcOffset(p.now)}${p.refresh ? ` · refreshes every ${REFRESH_SECONDS}s` : ""}</span></header>
<main>
${p.main}
<footer>${p.elsewhere}</footer>
</main></body></html>
`.text;
}

/** A page for an address that is not one (or another request the pages cannot answer). */
export function renderNotFound(message: string): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>f2b: not found</title>
<style>${new Html(PAGE_CSS)}</style></head>
<body><header><h1><a href="/">f2b</a></h1><span class="sub">status page</span></header>
<main><section><h2>Not found</h2><p class="bad">${message}</p><p><a href="/">Back to the overview</a></p></section></main></body></html>
`.text;
}

/** The ban page of an address (an IP validated and normalised by the caller). */
export const banPath = (ip: string): string => `/ban/${encodeURIComponent(ip)}`;

export const ipLink = (ip: string): Html => html`<a class="mono" href="${banPath(ip)}">${ip}</a>`;

export const swatch = (color: string | undefined): Html =>
  html`<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${color ?? "#888"}"/></svg>`;

export interface Column {
  label: string;
  /** Numbers: right-aligned. */
  num?: boolean;
  /** Extra class of the column's cells ("ip", "src"). */
  cls?: string;
}

export interface Row {
  /** The row's own attributes (data-ip=…), already built with `html`. */
  attrs?: Html;
  cells: HtmlValue[];
}

/** A table that on a narrow screen shows each row as "label: value" lines (no sideways scroll). */
export function stackTable(cls: string, cols: readonly Column[], rows: readonly Row[]): Html {
  const classOf = (c: Column): string => [c.num ? "num" : "", c.cls ?? ""].filter(Boolean).join(" ");
  const head = cols.map((c) => (c.num ? html`<th class="num">${c.label}</th>` : html`<th>${c.label}</th>`));
  const body = rows.map(
    (r) =>
      html`<tr${r.attrs ? html` ${r.attrs}` : ""}>${r.cells.map((v, i) => {
        const c = cols[i]!;
        const k = classOf(c);
        // one child beside the label, so a swatch and its name stay together on a phone
        return k ? html`<td class="${k}" data-label="${c.label}"><span>${v}</span></td>` : html`<td data-label="${c.label}"><span>${v}</span></td>`;
      })}</tr>`,
  );
  return html`<table class="${cls} stack"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** failures / maxretry as a small bar, with the numbers as text beside it (not colour alone). */
export function meter(value: number, max: number): Html {
  const frac = max > 0 ? Math.min(1, Math.max(0, value / max)) : 1;
  const full = frac >= 1 ? " full" : "";
  return html`<svg class="meter" viewBox="0 0 100 10" role="img" aria-label="${value} of ${max}"><rect class="track" width="100" height="10" rx="3"/><rect class="fill${full}" width="${Math.round(frac * 100)}" height="10" rx="3"/></svg>${value}/${max}`;
}
