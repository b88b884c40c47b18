// The status page's cluster parts ([cluster] on): this host's link to the shared stream, its
// peers and counters, and a DOWN line for the attention banner. Host ids come from the network
// (any peer, or anyone who can write to the stream): made visible, bounded and escaped.
import type { ClusterStatus } from "../cluster/cluster.ts";
import { DROPS } from "../cluster/report.ts";
import { html, type Html } from "./html.ts";
import { logText } from "./visible-text.ts";
import { timeAgo } from "./page-format.ts";
import { stackTable } from "./page-layout.ts";

/** Longest host id shown whole (a real one is a host name). */
const MAX_HOSTID_CHARS = 80;

/** A host id as text: controls and bidi overrides shown, cut to a sane length; `html` escapes it. */
export const hostText = (id: string): string => logText(id, MAX_HOSTID_CHARS);

/** "✓ up" or "⚠ DOWN" (the word, not colour alone) with since when and, when down, why. */
export function linkBadge(c: ClusterStatus, now: number): Html {
  if (c.link.up) return html`<span class="ok">✓ link up</span> since ${timeAgo(c.link.since, now)}`;
  const why = c.link.lastError ? html`: <span class="reason">${logText(c.link.lastError)}</span>` : "";
  return html`<span class="bad">⚠ link DOWN</span> since ${timeAgo(c.link.since, now)}${why}`;
}

/** The attention banner's line when the link is down; nothing while it is up. */
export function clusterAttention(c: ClusterStatus | null, now: number): Html | null {
  if (!c || c.link.up) return null;
  return html`<li><a href="#cluster"><strong>cluster</strong></a> ${linkBadge(c, now)}${c.outbox ? html` (${c.outbox} waiting to be sent)` : ""}</li>`;
}

function dropped(c: ClusterStatus): Html | string {
  const some = DROPS.filter(([k]) => c.counters[k] > 0);
  if (some.length === 0) return "none";
  const total = some.reduce((n, [k]) => n + c.counters[k], 0);
  return html`${total} (${some.map(([k, reason], i) => html`${i > 0 ? ", " : ""}<span data-reason="${reason}">${reason.replace(/_/gu, " ")} ${c.counters[k]}</span>`)})`;
}

function peerTable(c: ClusterStatus, now: number): Html {
  const peers = Object.entries(c.peers).sort(([, a], [, b]) => b - a);
  if (peers.length === 0) return html`<p class="none">No entry from another host yet.</p>`;
  return stackTable(
    "peers",
    [{ label: "Peer" }, { label: "Last entry accepted" }],
    peers.map(([id, at]) => ({ attrs: html`data-peer="${hostText(id)}"`, cells: [html`<span class="mono">${hostText(id)}</span>`, timeAgo(at, now)] })),
  );
}

export function clusterSection(c: ClusterStatus, now: number): Html {
  const n = Object.keys(c.peers).length;
  return html`<section id="cluster"${c.link.up ? "" : html` class="down"`}><h2>Cluster <span class="note">bans shared with ${n} peer${n === 1 ? "" : "s"} over ${hostText(c.stream)}</span></h2>
<dl class="facts">
<dt>This host</dt><dd class="mono" id="cluster-host">${hostText(c.hostid)}</dd>
<dt>Link</dt><dd id="cluster-link">${linkBadge(c, now)}</dd>
<dt>Sent</dt><dd>${c.counters.published} bans and unbans decided here</dd>
<dt>Applied</dt><dd>${c.counters.applied} bans, ${c.counters.unbansApplied} unbans from peers (${c.counters.received} entries read)</dd>
<dt>Dropped</dt><dd id="cluster-dropped">${dropped(c)}</dd>
<dt>Waiting</dt><dd id="cluster-outbox">${c.outbox ? html`<span class="warn">${c.outbox} to send when the link is back</span>` : "0"}</dd>
</dl>${peerTable(c, now)}</section>`;
}
