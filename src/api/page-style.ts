// The status page's stylesheet. It is inline, and the Content-Security-Policy allows exactly this
// text (by hash): no other style, script, image or frame source is allowed on the page.
import { createHash } from "node:crypto";

export const PAGE_CSS = `
:root { --fg: #1d2430; --muted: #5d6878; --line: #e3e7ee; --bg: #f5f7fa; --card: #fff; --head: #fafbfc; --chip: #eef2f7; --chip-on: #fde7e5; --accent: #0b5cad; --bad: #b42318; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ee; --muted: #9aa5b5; --line: #2c3544; --bg: #0f141b; --card: #171e28; --head: #1b2330; --chip: #243041; --chip-on: #4a1f1c; --accent: #3b8ede; --bad: #ff7b6b; }
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
@media (max-width: 720px) { .cards { grid-template-columns: repeat(2, 1fr); } main { padding: 14px; } }
`;

export const PAGE_CSS_HASH = `sha256-${createHash("sha256").update(PAGE_CSS).digest("base64")}`;

/** Nothing runs, loads or frames; the one inline stylesheet is allowed by its hash. The token
 *  form may post to this server only. */
export function pageCsp(form: boolean): string {
  return `default-src 'none'; style-src '${PAGE_CSS_HASH}'; img-src 'none'; base-uri 'none'; form-action ${form ? "'self'" : "'none'"}; frame-ancestors 'none'`;
}
