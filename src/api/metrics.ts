// Prometheus text exposition of the per-jail counters the controller supplies, and the ban
// latency histogram (a Histogram the server fills, one per jail).
import type { JailCounters, JailHealth, LatencySnapshot } from "./controller.ts";

interface Metric {
  name: string;
  type: "counter" | "gauge";
  help: string;
  pick: (j: JailCounters) => number;
}

const METRICS: Metric[] = [
  { name: "f2b_failures_total", type: "counter", help: "Failures found by the jail's filter (fail2ban's Total failed).", pick: (j) => j.totalFailed },
  { name: "f2b_failures_current", type: "gauge", help: "IPs with failures not yet banned (fail2ban's Currently failed).", pick: (j) => j.currentlyFailed },
  { name: "f2b_bans_total", type: "counter", help: "Bans made by the jail (fail2ban's Total banned).", pick: (j) => j.totalBanned },
  { name: "f2b_bans_current", type: "gauge", help: "IPs banned right now (fail2ban's Currently banned).", pick: (j) => j.currentlyBanned },
  { name: "f2b_lines_read_total", type: "counter", help: "Log lines read by the jail.", pick: (j) => j.linesRead },
  { name: "f2b_lines_matched_total", type: "counter", help: "Log lines that matched a failregex.", pick: (j) => j.linesMatched },
  {
    name: "f2b_jail_healthy",
    type: "gauge",
    help: "1 when every action of the jail started; 0 while one failed to start and the jail cannot ban (f2b status JAIL says why).",
    pick: (j) => (j.healthy === false ? 0 : 1),
  },
  {
    name: "f2b_filter_lines_abandoned_total",
    type: "counter",
    help: "Log lines abandoned over the line budget (linebudget), each logged as a WARNING.",
    pick: (j) => j.linesAbandoned,
  },
];

const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const num = (n: number): string => (Number.isFinite(n) ? String(n) : "NaN");

/** Upper bounds (seconds) of the ban-latency buckets: a ban should land in milliseconds. */
export const BAN_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A Prometheus histogram the server observes into (seconds), e.g. one per jail. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly buckets: readonly number[] = BAN_LATENCY_BUCKETS) {
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return; // a clock step must not poison the sum
    const i = this.buckets.findIndex((b) => seconds <= b);
    if (i >= 0) this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
  snapshot(jail: string): LatencySnapshot {
    return { jail, buckets: this.buckets, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

const LATENCY = "f2b_ban_latency_seconds";

function renderLatency(hists: readonly LatencySnapshot[]): string[] {
  const out = [`# HELP ${LATENCY} Time from reading the log line that completed a ban to the firewall confirming the ban.`, `# TYPE ${LATENCY} histogram`];
  for (const h of hists) {
    const jail = `jail="${escapeLabel(h.jail)}"`;
    let cumulative = 0;
    h.buckets.forEach((le, i) => {
      cumulative += h.counts[i] ?? 0;
      out.push(`${LATENCY}_bucket{${jail},le="${le}"} ${cumulative}`);
    });
    out.push(`${LATENCY}_bucket{${jail},le="+Inf"} ${h.count}`, `${LATENCY}_sum{${jail}} ${num(h.sum)}`, `${LATENCY}_count{${jail}} ${h.count}`);
  }
  return out;
}

/** One jail's health, for the gauges an alert fires on when a jail goes blind. */
export interface JailHealthSample {
  jail: string;
  health: JailHealth;
}

function renderHealth(samples: readonly JailHealthSample[]): string[] {
  const out: string[] = [];
  const gauge = (name: string, help: string, rows: Array<[string, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) out.push(`${name}{${labels}} ${num(v)}`);
  };
  const jail = (s: JailHealthSample): string => `jail="${escapeLabel(s.jail)}"`;
  gauge(
    "f2b_source_healthy",
    "1 when the jail reads every log file (or the journal) it should.",
    samples.map((s) => [jail(s), s.health.source.ok ? 1 : 0]),
  );
  gauge(
    "f2b_source_last_line_age_seconds",
    "Seconds since the jail's source delivered its last line (or, when none came yet, since it started).",
    samples.flatMap((s) => (s.health.source.silentSec === null ? [] : [[jail(s), s.health.source.silentSec] as [string, number]])),
  );
  const files = samples.flatMap((s) => s.health.source.files.map((f) => ({ labels: `${jail(s)},path="${escapeLabel(f.path)}"`, f })));
  gauge(
    "f2b_source_file_healthy",
    "1 when the log file exists and is read (0: missing, empty or unreadable).",
    files.map(({ labels, f }) => [labels, f.state === "ok" ? 1 : 0]),
  );
  gauge(
    "f2b_source_file_unread_bytes",
    "Bytes of the log file not read yet (size minus read position).",
    files.flatMap(({ labels, f }) => (f.size === null || f.position === null ? [] : [[labels, Math.max(0, f.size - f.position)] as [string, number]])),
  );
  return out;
}

export function renderMetrics(jails: JailCounters[], version: string, latency?: readonly LatencySnapshot[], health?: readonly JailHealthSample[]): string {
  const out: string[] = [
    "# HELP f2b_up Whether the f2b server answers.",
    "# TYPE f2b_up gauge",
    "f2b_up 1",
    "# HELP f2b_build_info f2b version.",
    "# TYPE f2b_build_info gauge",
    `f2b_build_info{version="${escapeLabel(version)}"} 1`,
    "# HELP f2b_jails Number of jails running.",
    "# TYPE f2b_jails gauge",
    `f2b_jails ${jails.length}`,
  ];
  for (const m of METRICS) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const j of jails) out.push(`${m.name}{jail="${escapeLabel(j.jail)}"} ${num(m.pick(j))}`);
  }
  if (latency) out.push(...renderLatency(latency));
  if (health) out.push(...renderHealth(health));
  return out.join("\n") + "\n";
}
