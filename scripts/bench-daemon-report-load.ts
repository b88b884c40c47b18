// Report rows of the load scenarios (attack and botnet waves, journal ingestion) and of the daemon
// holding N bans, plus the issue-10 goals they decide. Every ratio reads "how many times better
// f2b is": fail2ban ÷ f2b for times, CPU and memory, f2b ÷ fail2ban for rates.
import type { LiveResult, StartupResult } from "./bench-daemon-measure.ts";
import type { WaveResult } from "./bench-daemon-wave.ts";

export const fmtN = (n: number): string => n.toLocaleString("en-US");
export const mib = (k: number): string => `${(k / 1024).toFixed(1)} MiB`;
/** ref ÷ ours with a × sign; pass (ours, ref) for rates */
export const ratio = (ref: number | null, ours: number | null): string =>
  ref !== null && ours !== null && ours > 0 && Number.isFinite(ref) ? `${(ref / ours).toFixed(ref / ours < 10 ? 2 : 1)}×` : "—";

export interface WaveRun {
  /** "attack wave, 100,000 lines" */
  name: string;
  /** "line" or "entry" */
  unit: string;
  units: number;
  failures: number;
  bans: number;
  f2b: WaveResult;
  /** the result, or why fail2ban was not run */
  fail2ban: WaveResult | string;
}

type Row = string[];

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Why a run has no value: capped, stalled, with how far it got. */
function unfinished(w: WaveRun, r: WaveResult): string {
  const why = r.capped ? `not done after ${(r.capMs / 60_000).toFixed(0)} min` : `stalled (no progress for 30 s) after ${sec(r.endMs)}`;
  // the share of the failures counted stands for the share of the input read
  const perSec = w.failures > 0 && r.endMs > 0 ? ((r.reached.totalFailed / w.failures) * w.units * 1000) / r.endMs : 0;
  return (
    `${why}: ${fmtN(r.reached.totalFailed)} of ${fmtN(w.failures)} failures (≈ ${fmtN(Math.round(perSec))} ${w.unit === "entry" ? "entries" : "lines"}/s), ` +
    `${fmtN(r.reached.inSets)} of ${fmtN(w.bans)} bans`
  );
}

/** rate of units per second once every failure was counted */
const rate = (w: WaveRun, r: WaveResult): number | null => (r.linesMs === null ? null : (w.units / r.linesMs) * 1000);
/** CPU µs per unit, when the wave was complete */
const cpuPer = (w: WaveRun, r: WaveResult): number | null => (r.linesMs !== null && r.bansMs !== null ? (r.cpuSec / w.units) * 1e6 : null);

export function waveRows(w: WaveRun): Row[] {
  const ref = typeof w.fail2ban === "string" ? null : w.fail2ban;
  let reasonShown = false; // the reason once, in the first row
  const refCell = (f: (r: WaveResult) => string): string => {
    if (typeof w.fail2ban !== "string") return f(w.fail2ban);
    const cell = reasonShown ? "not run" : `not run: ${w.fail2ban}`;
    reasonShown = true;
    return cell;
  };
  const orUnfinished = (r: WaveResult, v: number | null, show: (x: number) => string): string => (v === null ? unfinished(w, r) : show(v));
  const head = `${w.name} (${fmtN(w.failures)} failures, ${fmtN(w.bans)} bans)`;
  const rows: Row[] = [];
  if (w.bans > 0) {
    const cell = (r: WaveResult): string => orUnfinished(r, r.bansMs, sec);
    rows.push([`${head}: all bans in the kernel set`, cell(w.f2b), refCell(cell), ratio(ref?.bansMs ?? null, w.f2b.bansMs)]);
  } else {
    rows.push([head, "", refCell(() => ""), ""]);
  }
  const rateCell = (r: WaveResult): string => orUnfinished(r, rate(w, r), (x) => `${fmtN(Math.round(x))} ${w.unit === "entry" ? "entries" : "lines"}/s`);
  rows.push([
    `… ${w.unit === "entry" ? "entries" : "lines"}/s (until Total failed was complete)`,
    rateCell(w.f2b),
    refCell(rateCell),
    ratio(rate(w, w.f2b), ref && rate(w, ref)),
  ]);
  const cpuCell = (r: WaveResult): string => {
    const v = cpuPer(w, r);
    return v === null ? `${r.cpuSec.toFixed(1)} s CPU, unfinished` : `${v.toFixed(1)} µs (${r.cpuSec.toFixed(1)} s)`;
  };
  rows.push([`… CPU per ${w.unit} (process tree, children included)`, cpuCell(w.f2b), refCell(cpuCell), ratio(ref && cpuPer(w, ref), cpuPer(w, w.f2b))]);
  rows.push([`… peak RSS of the daemon (VmHWM)`, mib(w.f2b.hwmKiB), refCell((r) => mib(r.hwmKiB)), ratio(ref?.hwmKiB ?? null, w.f2b.hwmKiB)]);
  rows.push([
    `… peak anonymous RSS (process tree, sampled)`,
    mib(w.f2b.peakAnonKiB),
    refCell((r) => mib(r.peakAnonKiB)),
    ratio(ref?.peakAnonKiB ?? null, w.f2b.peakAnonKiB),
  ]);
  return rows;
}

/** The issue-10 targets a wave decides (attack waves; the journal's CPU per entry). */
export function waveGoals(w: WaveRun, kind: "attack" | "botnet" | "journal"): string[] {
  if (typeof w.fail2ban === "string") return [`${w.name}: no fail2ban run, ratios not measured`];
  const ref = w.fail2ban;
  const x = (a: number | null, b: number | null): number => (a !== null && b !== null && b > 0 ? a / b : NaN);
  const met = (ok: boolean): string => (ok ? "met" : "**missed**");
  const times = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)}×` : "a run did not finish");
  if (kind === "journal") {
    const r = x(cpuPer(w, ref), cpuPer(w, w.f2b));
    return [`journal CPU per entry ≤ 1/5 of fail2ban's: ${met(r >= 5)} (${times(r)})`];
  }
  if (kind === "botnet") return [];
  const bans = x(ref.bansMs, w.f2b.bansMs);
  const lines = x(rate(w, w.f2b), rate(w, ref));
  return [
    `${w.name}: all bans ≥ 20× sooner: ${met(bans >= 20)} (${times(bans)})`,
    `lines/s ≥ 20×: ${met(lines >= 20)} (${times(lines)})`,
    `peak RSS ≤ fail2ban's: ${met(w.f2b.hwmKiB <= ref.hwmKiB)}`,
  ];
}

export const WAVE_NOTE =
  "Waves: the daemon is up with jail sshd on an empty file (findtime 1 day so nothing ages out); the whole input is " +
  "appended in one write; then, every 100 ms, a raw netlink count of the jail's v4 and v6 sets and the jail's Total " +
  "failed through the daemon's own control socket (f2b's API, fail2ban's `status sshd short`). Times run from the " +
  "write to the sample that saw the count complete; lines/s = lines ÷ the time Total failed reached the failures " +
  "`f2b regex --json` finds in the input (the same count fail2ban-regex gives); CPU = utime+stime of the daemon, its " +
  "live children and its reaped children (the nft and shell processes), from the write until both were complete. " +
  "A run ends at the cap, or when neither count moved for 30 s (shown as stalled). Attack wave: scripts/gen-authlog.ts " +
  "(a realistic mix of sshd failures of several kinds, logins, CRON, kernel lines from 5,500 addresses incl. IPv6) with " +
  "its timestamps spread over the last 10 minutes. Botnet wave: `Failed password` lines, the addresses taking turns.";

export const JOURNAL_NOTE =
  "Journal: the same generated auth.log as journal entries (MESSAGE, SYSLOG_IDENTIFIER, _PID, _COMM, unit sshd.service " +
  "for sshd lines), appended by systemd-journal-remote to the file a `backend = systemd[journalfiles=FILE]` jail sshd " +
  "reads (stock journalmatch); maxretry is set out of reach so the rows measure reading and matching, not bans. " +
  "f2b reads through a `journalctl` child (counted in its CPU), fail2ban through python3-systemd in-process.";

const liveCells = (l: LiveResult): string[] => [
  mib(l.rssKiB),
  mib(l.anonKiB),
  `${l.status.ms.toFixed(0)} ms${l.status.ok ? "" : " (failed)"}`,
  `${l.banned.ms.toFixed(0)} ms, ${fmtN(l.banned.outBytes)} bytes${l.banned.ok ? "" : " (failed)"}`,
];

/** Rows of the daemons holding their restored bans (after the startup measurement). */
export function liveRows(big: StartupResult | null, f2b: StartupResult, fail2ban: StartupResult | null): Row[] {
  const labels = (n: number): string[] => [
    `${fmtN(n)} bans live: RSS (process tree)`,
    "… of which anonymous",
    "… `status sshd` (whole CLI call, median of 3)",
    "… `banned` (whole CLI call, median of 3)",
  ];
  const rows: Row[] = [];
  if (big?.live) {
    const a = liveCells(big.live);
    for (const [i, l] of labels(big.bans).entries()) rows.push([l, a[i]!, i === 0 ? `not run (see the ${fmtN(f2b.bans)} rows)` : "", "—"]);
  }
  if (f2b.live) {
    const a = liveCells(f2b.live);
    const b = fail2ban?.live ? liveCells(fail2ban.live) : null;
    const num = (l: LiveResult | undefined): number[] | null => (l ? [l.rssKiB, l.anonKiB, l.status.ms, l.banned.ms] : null);
    const na = num(f2b.live)!;
    const nb = num(fail2ban?.live);
    for (const [i, l] of labels(f2b.bans).entries()) rows.push([l, a[i]!, b ? b[i]! : "not run", ratio(nb ? nb[i]! : null, na[i]!)]);
  }
  return rows;
}

export const LIVE_NOTE =
  "Bans live: right after the startup measurement found every ban in the set, the process tree's RSS, then the admin's " +
  "commands on the daemon's socket, timed as a whole (`f2b status sshd` / `fail2ban-client status sshd`, `f2b banned` / " +
  "`fail2ban-client banned`: the client's start-up is part of what the admin waits for).";
