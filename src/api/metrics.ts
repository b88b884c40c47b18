// Prometheus text exposition of the per-jail counters the controller supplies.
import type { JailCounters } from "./controller.ts";

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
];

const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const num = (n: number): string => (Number.isFinite(n) ? String(n) : "NaN");

export function renderMetrics(jails: JailCounters[], version: string): string {
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
  return out.join("\n") + "\n";
}
