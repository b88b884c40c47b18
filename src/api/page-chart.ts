// Bans over the last 24 hours as a server-rendered SVG: one stacked bar per hour, one colour per
// jail, a <title> tooltip on every segment (works without JavaScript).
import { html, type Html } from "./html.ts";
import { HOUR, type HourBucket } from "./page-data.ts";
import { localHourMinute } from "./page-format.ts";

const W = 1000;
const H = 240;
const LEFT = 44;
const RIGHT = 8;
const TOP = 14;
const BOTTOM = 206;
const GRID_LINES = 4;

/** An integer step (1, 2, 5 × 10^k) such that GRID_LINES steps cover `max`. */
export function gridStep(max: number): number {
  const raw = Math.max(1, max / GRID_LINES);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return Math.max(1, m * mag);
  return 10 * mag;
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

export function banChart(hours: readonly HourBucket[], colors: ReadonlyMap<string, string>): Html {
  const max = Math.max(0, ...hours.map((h) => h.total));
  const step = gridStep(max);
  const top = step * GRID_LINES;
  const plotW = W - LEFT - RIGHT;
  const plotH = BOTTOM - TOP;
  const slot = plotW / hours.length;
  const barW = slot * 0.7;
  const y = (v: number): number => BOTTOM - (v / top) * plotH;

  const grid = Array.from({ length: GRID_LINES + 1 }, (_, i) => {
    const v = i * step;
    return html`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" class="${i === 0 ? "axis" : "grid"}"/><text x="${LEFT - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" class="tick">${v}</text>`;
  });

  const bars = hours.map((h, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    const span = `${localHourMinute(h.start)}–${localHourMinute(h.start + HOUR)}`;
    let acc = 0;
    const segs = [...h.perJail.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([jail, n]) => {
        const y0 = y(acc + n);
        const hgt = y(acc) - y0;
        acc += n;
        return html`<rect x="${fmt(x)}" y="${fmt(y0)}" width="${fmt(barW)}" height="${fmt(Math.max(hgt, 0.5))}" fill="${colors.get(jail) ?? "#888"}" class="bar"><title>${span} · ${jail}: ${n} ban${n === 1 ? "" : "s"}</title></rect>`;
      });
    const label =
      i % 3 === 0 || i === hours.length - 1
        ? html`<text x="${fmt(LEFT + i * slot + slot / 2)}" y="${BOTTOM + 18}" text-anchor="middle" class="tick">${i === hours.length - 1 ? "now" : localHourMinute(h.start)}</text>`
        : "";
    const total =
      h.total > 0 ? html`<text x="${fmt(LEFT + i * slot + slot / 2)}" y="${fmt(y(h.total) - 4)}" text-anchor="middle" class="count">${h.total}</text>` : "";
    return html`<g>${segs}${total}${label}</g>`;
  });

  const empty =
    max === 0 ? html`<text x="${LEFT + plotW / 2}" y="${TOP + plotH / 2}" text-anchor="middle" class="empty">No bans in the last 24 hours</text>` : "";

  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Bans per hour over the last 24 hours" xmlns="http://www.w3.org/2000/svg">${grid}${bars}${empty}</svg>`;
}
