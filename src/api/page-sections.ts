// The overview's "why" sections: what needs attention, who is failing now, whether each jail
// reads its source, what happened recently and each jail's settings. Pure functions of the model.
import type { IncrementView, ServerEvent, SourceFileHealth } from "./controller.ts";
import { html, type Html } from "./html.ts";
import { logText } from "./visible-text.ts";
import { clusterAttention } from "./page-cluster.ts";
import type { JailView, PageModel } from "./page-data.ts";
import { bytes, duration, localTime, timeAgo } from "./page-format.ts";
import { ipLink, meter, stackTable, swatch } from "./page-layout.ts";

export const MAX_FAILING_ROWS = 50;

/** The id of a jail's source-health block (by position: a jail name may hold anything). */
export const healthId = (i: number): string => `source-${i}`;

/** Every reason the jail is not working, one line each (the status's when health is unknown). */
const problemsOf = (j: JailView): string[] => j.health?.problems ?? j.status.filter.problems ?? [];
const readingOk = (j: JailView): boolean => j.health?.source.ok ?? (j.status.filter.problems ?? []).length === 0;
const actionOk = (j: JailView): boolean => j.health?.action?.ok ?? true;

/** The word and icon for a jail's health: never colour alone. */
export function healthBadge(j: JailView): Html {
  if (!readingOk(j)) return html`<span class="bad">⚠ NOT READING</span>`;
  if (!actionOk(j)) return html`<span class="bad">⚠ ACTION FAILED</span>`;
  return html`<span class="ok">✓ reading</span>`;
}

/** Red, on top, only when a jail is blind or its action failed, or the cluster's link is down. */
export function attention(m: PageModel): Html {
  const sick = m.jails.map((j, i) => ({ j, i })).filter(({ j }) => !readingOk(j) || !actionOk(j) || problemsOf(j).length > 0);
  const cluster = clusterAttention(m.cluster, m.now);
  if (sick.length === 0 && !cluster) return html``;
  const items = sick.map(
    ({ j, i }) =>
      html`<li><a href="#${healthId(i)}"><strong>${j.status.name}</strong></a> ${healthBadge(j)}: ${problemsOf(j).map((p, k) => html`${k > 0 ? "; " : ""}<span class="reason">${logText(p)}</span>`)}</li>`,
  );
  const heading = [
    sick.length ? `${sick.length} jail${sick.length === 1 ? "" : "s"} need${sick.length === 1 ? "s" : ""} attention` : "",
    cluster ? "cluster link DOWN" : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return html`<section class="alert" id="attention" role="alert"><h2>⚠ ${heading}</h2><ul>${items}${cluster}</ul></section>`;
}

export function failingNow(m: PageModel): Html {
  if (m.jails.length > 0 && m.jails.every((j) => j.failing === null)) return html`<p class="bad">⚠ The failing addresses could not be read.</p>`;
  const withAny = m.jails.flatMap((j) => (j.failing?.length ? [{ ...j, failing: j.failing }] : []));
  if (withAny.length === 0) return html`<p class="none">Nobody is failing right now.</p>`;
  return html`${withAny.map((j) => {
    const shown = j.failing.slice(0, MAX_FAILING_ROWS);
    const rows = shown.map((f) => ({
      attrs: html`data-ip="${f.ip}" data-jail="${j.status.name}"`,
      cells: [
        ipLink(f.ip),
        meter(f.failures, f.maxretry),
        timeAgo(f.firstSeen, m.now),
        timeAgo(f.lastSeen, m.now),
        f.users.length ? html`<span class="mono">${f.users.map((u) => logText(u)).join(", ")}</span>` : "—",
      ],
    }));
    const more = j.failing.length - shown.length;
    const s = j.settings;
    return html`<div class="jail-block"><h3>${swatch(m.colors.get(j.status.name))}${j.status.name} <span class="note">${s ? `banned at ${s.maxretry} failures within ${duration(s.findtime)}` : ""}</span></h3>
${stackTable("failing", [{ label: "Address", cls: "ip" }, { label: "Failures" }, { label: "First seen" }, { label: "Last seen" }, { label: "Users" }], rows)}
${more > 0 ? html`<p class="none">… and ${more} more (all of them: <code>/api/v1/failing</code>).</p>` : ""}</div>`;
  })}`;
}

const last = (t: number | null, now: number): Html | string => (t === null ? html`<span class="warn">nothing read yet</span>` : timeAgo(t, now));

/** Rounded for reading, the byte count on hover. */
const exact = (n: number): Html => html`<span title="${n} bytes">${bytes(n)}</span>`;

/** " since the jail started, 3d 0h ago" when nothing came yet: how long the jail has been blind. */
const silence = (lastLineAt: number | null, silentSec: number | null): string =>
  lastLineAt === null && silentSec !== null ? ` since the jail started ${duration(silentSec)} ago` : "";

function fileState(f: SourceFileHealth): Html {
  if (f.state === "ok") return html`<span class="ok">✓ ok</span>`;
  return html`<span class="bad">⚠ ${f.state}</span>${f.reason ? html`: <span class="reason">${logText(f.reason)}</span>` : ""}`;
}

function sourceBody(j: JailView, now: number): Html {
  const h = j.health;
  if (h === null) {
    const files = j.status.filter.fileList ?? [];
    if (j.status.filter.journalMatches !== undefined)
      return html`<dl class="facts"><dt>Journal match</dt><dd class="mono">${j.status.filter.journalMatches || "(all entries)"}</dd></dl>`;
    return html`<dl class="facts"><dt>Files</dt><dd class="mono">${files.join(", ") || "—"}</dd></dl>`;
  }
  const s = h.source;
  if (s.kind === "journal") {
    return html`<dl class="facts"><dt>Journal match</dt><dd class="mono">${s.journalMatch || "(all entries)"}</dd><dt>Last entry</dt><dd>${last(s.lastLineAt, now)}${silence(s.lastLineAt, s.silentSec)}</dd></dl>`;
  }
  if (s.files.length === 0) return html`<p class="bad">⚠ No log file to read.</p>`;
  return html`${s.lastLineAt === null && s.silentSec !== null ? html`<p>No line read${silence(null, s.silentSec)}.</p>` : ""}${stackTable(
    "files",
    [
      { label: "File", cls: "src" },
      { label: "State" },
      { label: "Size", num: true },
      { label: "Read up to", num: true },
      { label: "Last line read" },
      { label: "Last written" },
    ],
    s.files.map((f) => ({
      attrs: html`data-path="${f.path}" data-state="${f.state}"`,
      cells: [
        logText(f.path),
        fileState(f),
        f.size === null ? "—" : exact(f.size),
        f.position === null
          ? "—"
          : html`${exact(f.position)}${f.size !== null && f.size > f.position ? html` <span class="warn">(${bytes(f.size - f.position)} behind)</span>` : ""}`,
        last(f.lastLineAt, now),
        f.modifiedAt === null ? "—" : timeAgo(f.modifiedAt, now),
      ],
    })),
  )}`;
}

function sourceBlock(j: JailView, i: number, m: PageModel): Html {
  const problems = problemsOf(j);
  const list = problems.length ? html`<ul class="problems">${problems.map((p) => html`<li class="reason">⚠ ${logText(p)}</li>`)}</ul>` : "";
  const action = j.health?.action;
  const actionLine = action
    ? html`<dl class="facts"><dt>Actions</dt><dd>${action.ok ? html`<span class="ok">✓ working</span>` : html`<span class="bad">⚠ failed</span>`}</dd></dl>`
    : "";
  return html`<div class="jail-block" id="${healthId(i)}" data-jail="${j.status.name}"><h3>${swatch(m.colors.get(j.status.name))}${j.status.name} ${healthBadge(j)}</h3>${list}${sourceBody(j, m.now)}${actionLine}</div>`;
}

export function sourceHealth(m: PageModel): Html {
  if (m.jails.length === 0) return html`<p class="none">No jail is running.</p>`;
  return html`${m.jails.map((j, i) => sourceBlock(j, i, m))}`;
}

function eventRow(e: ServerEvent): { attrs: Html; cells: (Html | string)[] } {
  return {
    attrs: html`data-kind="${e.kind}"`,
    cells: [
      localTime(Math.floor(e.time)),
      html`<span class="kind ${e.kind}">${e.kind}</span>`,
      e.jail ?? html`<span class="none">all</span>`,
      e.ip ? ipLink(e.ip) : "",
      logText(e.message),
    ],
  };
}

export function recentEvents(m: PageModel): Html {
  if (m.events === null) return html`<p class="bad">⚠ The event log could not be read.</p>`;
  if (m.events.length === 0) return html`<p class="none">Nothing has happened yet.</p>`;
  return stackTable(
    "events",
    [{ label: "Time" }, { label: "What" }, { label: "Jail" }, { label: "Address", cls: "ip" }, { label: "Detail" }],
    m.events.map(eventRow),
  );
}

/** "off", or how the ban time grows: "×2 each time, at most 1w, across jails". */
export function incrementText(inc: IncrementView): string {
  if (!inc.enabled) return "off";
  const how = inc.multipliers.trim() ? `multipliers ${inc.multipliers.trim()}` : inc.formula.trim() ? `formula ${inc.formula.trim()}` : `factor ${inc.factor}`;
  return [how, inc.maxtime !== null ? `at most ${duration(inc.maxtime)}` : "", inc.overalljails ? "across jails" : ""].filter(Boolean).join(", ");
}

export function jailSettings(m: PageModel): Html {
  if (m.jails.length === 0) return html`<p class="none">No jail is running.</p>`;
  const rows = m.jails.map((j) => {
    const s = j.settings;
    const name = html`${swatch(m.colors.get(j.status.name))}<strong>${j.status.name}</strong>`;
    return {
      attrs: html`data-jail="${j.status.name}"`,
      cells:
        s === null
          ? [name, "—", "—", "—", "—", "—", "—", "—"]
          : [
              name,
              s.maxretry,
              duration(s.findtime),
              s.bantime < 0 ? html`<span class="perm">permanent</span>` : duration(s.bantime),
              incrementText(s.increment),
              s.ignoreip.length || s.ignoreself ? html`<span class="mono">${[...(s.ignoreself ? ["(self)"] : []), ...s.ignoreip].join(" ")}</span>` : "—",
              s.actions.length ? s.actions.join(", ") : html`<span class="bad">⚠ none</span>`,
              `${s.filter} (${s.backend})`,
            ],
    };
  });
  return stackTable(
    "settings",
    [
      { label: "Jail" },
      { label: "Max retry", num: true },
      { label: "Find time", num: true },
      { label: "Ban time", num: true },
      { label: "Increment" },
      { label: "Ignore" },
      { label: "Actions" },
      { label: "Filter" },
    ],
    rows,
  );
}
