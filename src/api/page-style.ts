// The status page's stylesheet. It is inline, and the Content-Security-Policy allows exactly this
// text (by hash): no other style, script, image or frame source is allowed on the page.
import { createHash } from "node:crypto";

export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5d6878; --line: #e3e7ee; --bg: #f5f7fa; --card: #fff; --head: #fafbfc; --chip: #eef2f7; --chip-on: #fde7e5; --accent: #0b5cad; --bad: #b42318; --bad-bg: #fff1ef; --good: #067647; --good-bg: #e8f6ee; --warn: #9a6700; --warn-bg: #fff6d6; --code: #f0f3f7; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ee; --muted: #9aa5b5; --line: #2c3544; --bg: #0f141b; --card: #171e28; --head: #1b2330; --chip: #243041; --chip-on: #4a1f1c; --accent: #6cb0f5; --bad: #ff7b6b; --bad-bg: #3a1a18; --good: #5fd49a; --good-bg: #15302a; --warn: #f0c04a; --warn-bg: #3a3117; --code: #111821; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { background: #17202e; color: #fff; padding: 14px 28px; display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
header h1 { font-size: 20px; margin: 0; letter-spacing: .5px; }
header .host { font-size: 16px; font-weight: 600; }
header .sub { color: #b8c2d1; font-size: 13px; }
header .when { margin-left: auto; color: #b8c2d1; font-size: 13px; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 40px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px; margin-bottom: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card .n { font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.card.hot .n { color: var(--bad); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px 16px; margin-bottom: 18px; }
section h2 { font-size: 15px; margin: 0 0 10px; display: flex; align-items: baseline; gap: 10px; }
section h2 .note { font-weight: 400; color: var(--muted); font-size: 12px; }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
.chart .tick { fill: var(--muted); font-size: 11px; }
.chart .count { fill: var(--fg); font-size: 10px; font-weight: 600; }
.chart .empty { fill: var(--muted); font-size: 15px; }
.chart .bar:hover { opacity: .8; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 8px; font-size: 12px; color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .4px; background: var(--head); }
td.num, th.num { text-align: right; }
tr:last-child td { border-bottom: 0; }
td.ip { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; word-break: break-all; }
td.src { color: var(--muted); font-size: 12px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--chip); }
.badge.on { background: var(--chip-on); color: var(--bad); font-weight: 600; }
.perm { color: var(--bad); font-weight: 600; }
.none { color: var(--muted); padding: 10px 0 2px; }
.login { max-width: 520px; margin: 40px auto; }
.login form { display: flex; gap: 8px; margin: 14px 0; }
.login input { flex: 1; font: inherit; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
.login button { font: inherit; font-weight: 600; padding: 8px 16px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
.login .err { color: var(--bad); font-weight: 600; }
.login p { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; }
a { color: var(--accent); }
header a { color: #fff; text-decoration: none; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: -4px 0 14px; font-size: 13px; }
.ok { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.alert { border: 2px solid var(--bad); background: var(--bad-bg); }
.alert h2 { color: var(--bad); }
section.down { border: 2px solid var(--bad); }
.alert ul { margin: 0; padding-left: 20px; }
.reason { color: var(--bad); overflow-wrap: anywhere; }
.meter { width: 90px; height: 10px; vertical-align: -1px; margin-right: 6px; }
.meter .track { fill: var(--chip); }
.meter .fill { fill: var(--warn); }
.meter .fill.full { fill: var(--bad); }
.kind { display: inline-block; min-width: 64px; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; background: var(--chip); text-align: center; }
.kind.ban, .kind.error { background: var(--chip-on); color: var(--bad); }
.kind.unban { background: var(--good-bg); color: var(--good); }
.kind.prolong, .kind.warn { background: var(--warn-bg); color: var(--warn); }
.mono, td.ip, code { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
ol.lines { margin: 6px 0 0; padding: 0; list-style: none; }
ol.lines li { font: 12px/1.5 ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--code); border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; margin-bottom: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 8px; }
table + dl.facts { margin-top: 8px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
h3 { font-size: 14px; margin: 14px 0 6px; }
#address h2 { font-size: 20px; }
.jail-block { border-top: 1px solid var(--line); padding-top: 6px; margin-top: 10px; }
.jail-block:first-of-type { border-top: 0; margin-top: 0; }
@media (max-width: 720px) {
  .cards { grid-template-columns: repeat(2, 1fr); } main { padding: 14px; } header { padding: 12px 14px; } header .when { margin-left: 0; }
  section { padding: 12px; }
  .chart-wrap { overflow-x: auto; direction: rtl; } .chart { min-width: 620px; direction: ltr; } /* rtl: opens scrolled to "now" */
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 4px 0; }
  table.stack tr:last-child { border-bottom: 0; }
  table.stack td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 2px; text-align: right; }
  table.stack td::before { content: attr(data-label); color: var(--muted); font-size: 12px; text-align: left; flex: none; }
  table.stack td.ip, table.stack td.src { word-break: break-all; }
}
`;

export const PAGE_CSS_HASH = `sha256-${createHash("sha256").update(PAGE_CSS).digest("base64")}`;

/** Nothing runs, loads or frames; the one inline stylesheet is allowed by its hash. The token
 *  form may post to this server only. */
export function pageCsp(form: boolean): string {
  return `default-src 'none'; style-src '${PAGE_CSS_HASH}'; img-src 'none'; base-uri 'none'; form-action ${form ? "'self'" : "'none'"}; frame-ancestors 'none'`;
}
