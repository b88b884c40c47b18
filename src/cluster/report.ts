// How the cluster shows itself: a status line for `f2b status` and Prometheus lines for /metrics.
// (The API hands out ClusterStatus as it is; these two only format it.)
import type { ClusterCounters, ClusterStatus } from "./cluster.ts";

const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/u, "Z");

/** "pve1 on f2b:bans, link up since 2026-…Z, 2 peers" (down: since when, and why). */
export function clusterLine(s: ClusterStatus): string {
  const peers = Object.keys(s.peers).length;
  const link = s.link.up ? `link up since ${iso(s.link.since)}` : `link DOWN since ${iso(s.link.since)}${s.link.lastError ? ` (${s.link.lastError})` : ""}`;
  const dropped = s.counters.unsigned + s.counters.badSignature + s.counters.malformed;
  return `${s.hostid} on ${s.stream}, ${link}, ${peers} peer${peers === 1 ? "" : "s"}, ${s.counters.published} sent, ${s.counters.applied} applied${dropped ? `, ${dropped} forged dropped` : ""}${s.outbox ? `, ${s.outbox} waiting` : ""}`;
}

/** Why a stream entry was not applied: the counter and its name in /metrics and on the status page. */
export const DROPS: ReadonlyArray<[keyof ClusterCounters, string]> = [
  ["unsigned", "unsigned"],
  ["badSignature", "bad_signature"],
  ["malformed", "malformed"],
  ["replayed", "replayed"],
  ["notShared", "not_shared"],
  ["refused", "refused_network"],
  ["expired", "expired"],
  ["rateLimited", "rate_limited"],
  ["noJail", "no_jail"],
  ["ignored", "ignored"],
];

export function clusterMetrics(s: ClusterStatus | null | undefined): string {
  if (!s) return "";
  const out = [
    "# HELP f2b_cluster_link_up Whether the link to the cluster's Redis is up.",
    "# TYPE f2b_cluster_link_up gauge",
    `f2b_cluster_link_up ${s.link.up ? 1 : 0}`,
    "# HELP f2b_cluster_link_since_seconds Epoch seconds the link last went up or down.",
    "# TYPE f2b_cluster_link_since_seconds gauge",
    `f2b_cluster_link_since_seconds ${s.link.since}`,
    "# HELP f2b_cluster_published_total Bans and unbans decided here and published.",
    "# TYPE f2b_cluster_published_total counter",
    `f2b_cluster_published_total ${s.counters.published}`,
    "# HELP f2b_cluster_received_total Stream entries read.",
    "# TYPE f2b_cluster_received_total counter",
    `f2b_cluster_received_total ${s.counters.received}`,
    "# HELP f2b_cluster_applied_total Remote bans put into a jail.",
    "# TYPE f2b_cluster_applied_total counter",
    `f2b_cluster_applied_total ${s.counters.applied}`,
    "# HELP f2b_cluster_unbans_applied_total Remote unbans applied.",
    "# TYPE f2b_cluster_unbans_applied_total counter",
    `f2b_cluster_unbans_applied_total ${s.counters.unbansApplied}`,
    "# HELP f2b_cluster_dropped_total Stream entries not applied, by reason.",
    "# TYPE f2b_cluster_dropped_total counter",
    ...DROPS.map(([k, reason]) => `f2b_cluster_dropped_total{reason="${reason}"} ${s.counters[k]}`),
    "# HELP f2b_cluster_outbox Entries waiting for the link to publish them.",
    "# TYPE f2b_cluster_outbox gauge",
    `f2b_cluster_outbox ${s.outbox}`,
  ];
  return out.join("\n") + "\n";
}
