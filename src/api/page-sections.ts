// The overview's "why" sections: what needs attention, who is failing now, whether each jail
// reads its source, what happened recently and each jail's settings. Pure functions of the model.
import { html, logText, type Html } from "./html.ts";
import type { EventView, JailView, PageModel } from "./page-data.ts";
import { bytes, duration, localTime, timeAgo } from "./page-format.ts";
import { ipLink, meter, stackTable, swatch } from "./page-layout.ts";

export const MAX_FAILING_ROWS = 50;
export const MAX_EVENT_ROWS = 100;

/** The id of a jail's source-health block (by position: a jail name may hold anything). */
export const healthId = (i: number): string => `source-${i}`;

const healthy = (j: JailView): boolean => j.source.problems.length === 0;

/** The word and icon for a jail's health: never colour alone. */
export function healthBadge(j: JailView): Html {
  return healthy(j) ? html`<span class="ok">✓ reading</span>` : html`<span class="bad">⚠ NOT READING</span>`;
}

/** Red, on top, only when a jail is blind or its action failed. */
export function attention(m: PageModel): Html {
  const sick = m.jails.map((j, i) => ({ j, i })).filter(({ j }) => !healthy(j));
  if (sick.length === 0) return html``;
  const items = sick.map(({ j, i }) => html`<li><a href="#${healthId(i)}"><strong>${j.status.name}</strong></a>: ${j.source.problems.map((p, k) => html`${k > 0 ? "; " : ""}<span class="reason">${logText(p)}</span>`)}</li>`);
  return html`<section class="alert" id="attention" role="alert"><h2>⚠ ${sick.length} jail${sick.length === 1 ? "" : "s"} need${sick.length === 1 ? "s" : ""} attention</h2><ul>${items}</ul></section>`;
}

export function failingNow(m: PageModel): Html {
  const known = m.jails.filter((j) => j.failing !== null);
  if (known.length === 0) return html`<p class="none">This server does not report failing addresses; the counts per jail are in the table above.</p>`;
  const withAny = known.filter((j) => j.failing!.length > 0);
  if (withAny.length === 0) return html`<p class="none">Nobody is failing right now.</p>`;
  return html`${withAny.map((j) => {
    const maxretry = j.settings?.maxretry ?? null;
    const list = [...j.failing!].sort((a, b) => b.failures - a.failures || b.lastSeen - a.lastSeen);
    const shown = list.slice(0, MAX_FAILING_ROWS);
    const rows = shown.map((f) => ({
      attrs: html`data-ip="${f.ip}" data-jail="${j.status.name}"`,
      cells: [ipLink(f.ip), maxretry !== null ? meter(f.failures, maxretry) : f.failures, timeAgo(f.firstSeen, m.now), timeAgo(f.lastSeen, m.now)],
    }));
    const more = list.length - shown.length;
    return html`<div class="jail-block"><h3>${swatch(m.colors.get(j.status.name))}${j.status.name} <span class="note">${maxretry !== null ? `bans at ${maxretry} failures within ${duration(j.settings?.findtime ?? null)}` : ""}</span></h3>
${stackTable("failing", [{ label: "Address", cls: "ip" }, { label: "Failures" }, { label: "First seen" }, { label: "Last seen" }], rows)}
${more > 0 ? html`<p class="none">… and ${more} more.</p>` : ""}</div>`;
  })}`;
}

function sourceBlock(j: JailView, i: number, m: PageModel): Html {
  const now = m.now;
  const s = j.source;
  const problems = s.problems.length
    ? html`<ul class="problems">${s.problems.map((p) => html`<li class="reason">⚠ ${logText(p)}</li>`)}</ul>`
    : "";
  const last = (t: number | null): Html | string => (t === null ? html`<span class="warn">nothing read yet</span>` : timeAgo(t, now));
  const body = s.journalMatch !== undefined
    ? html`<dl class="facts"><dt>Journal match</dt><dd class="mono">${s.journalMatch || "(all entries)"}</dd><dt>Last entry</dt><dd>${last(s.lastEntryTime)}</dd></dl>`
    : s.files.length === 0
      ? html`<p class="bad">⚠ No log file matches the jail's logpath.</p>`
      : stackTable("files", [{ label: "File", cls: "src" }, { label: "Size", num: true }, { label: "Read up to", num: true }, { label: "Last line" }], s.files.map((f) => ({
        attrs: html`data-path="${f.path}"`,
        cells: [f.path, f.size === null ? "—" : bytes(f.size), f.position === null ? "—" : bytes(f.position), f.size === null && f.lastLineTime === null ? "—" : last(f.lastLineTime)],
      })));
  return html`<div class="jail-block" id="${healthId(i)}" data-jail="${j.status.name}"><h3>${swatch(m.colors.get(j.status.name))}${j.status.name} ${healthBadge(j)}</h3>${problems}${body}</div>`;
}

export function sourceHealth(m: PageModel): Html {
  if (m.jails.length === 0) return html`<p class="none">No jail is running.</p>`;
  return html`${m.jails.map((j, i) => sourceBlock(j, i, m))}`;
}

function eventRow(e: EventView): { attrs: Html; cells: (Html | string)[] } {
  return {
    attrs: html`data-kind="${e.kind}"`,
    cells: [localTime(e.time), html`<span class="kind ${e.kind}">${e.kind}</span>`, e.jail ?? "", e.ip ? ipLink(e.ip) : "", logText(e.detail)],
  };
}

export function recentEvents(m: PageModel): Html {
  if (m.events === null) return html`<p class="none">This server keeps no event log.</p>`;
  if (m.events.length === 0) return html`<p class="none">Nothing has happened yet.</p>`;
  return stackTable("events", [{ label: "Time" }, { label: "What" }, { label: "Jail" }, { label: "Address", cls: "ip" }, { label: "Detail" }], m.events.slice(0, MAX_EVENT_ROWS).map(eventRow));
}

export function jailSettings(m: PageModel): Html {
  if (m.jails.length === 0) return html`<p class="none">No jail is running.</p>`;
  const rows = m.jails.map((j) => {
    const s = j.settings;
    const none = html`<span class="none">—</span>`;
    return {
      attrs: html`data-jail="${j.status.name}"`,
      cells: s === null
        ? [j.status.name, none, none, none, none, none, none]
        : [
          html`${swatch(m.colors.get(j.status.name))}<strong>${j.status.name}</strong>`,
          s.maxretry ?? "—",
          s.findtime === null ? "—" : duration(s.findtime),
          s.bantime === null ? "—" : s.bantime < 0 ? html`<span class="perm">permanent</span>` : duration(s.bantime),
          s.increment,
          s.ignoreip.length ? html`<span class="mono">${s.ignoreip.join(" ")}</span>` : "—",
          s.actions.length ? s.actions.join(", ") : html`<span class="bad">⚠ none</span>`,
        ],
    };
  });
  return stackTable("settings", [{ label: "Jail" }, { label: "Max retry", num: true }, { label: "Find time", num: true }, { label: "Ban time", num: true }, { label: "Increment" }, { label: "Ignore" }, { label: "Actions" }], rows);
}
