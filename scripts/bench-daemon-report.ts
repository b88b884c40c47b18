// Markdown report of the daemon benchmark: machine, versions, one table (metric | f2b |
// fail2ban | ratio) and how each number was taken.
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { sh } from "./bench-daemon-env.ts";
import type { HostileOptions, HostileResult, Phase } from "./bench-daemon-hostile.ts";
import type { IdleResult, LatencyResult, StartupResult } from "./bench-daemon-measure.ts";
import { fmtN, JOURNAL_NOTE, LIVE_NOTE, liveRows, mib, ratio, WAVE_NOTE, waveGoals, waveRows, type WaveRun } from "./bench-daemon-report-load.ts";

export interface Results {
  quick: boolean;
  f2bBin: string;
  seconds: number;
  loadavg: string;
  /** /proc/pressure/cpu "some avg60" at start and end: how much the neighbours competed for the CPUs */
  psi: [string, string];
  latency?: { ips: number; f2b: LatencyResult; fail2ban: LatencyResult };
  startup?: { big: StartupResult | null; f2b: StartupResult; fail2ban: StartupResult | null };
  idle?: { warmSec: number; f2b: IdleResult; fail2ban: IdleResult };
  /** attack waves (by size), in order */
  attack?: WaveRun[];
  botnet?: WaveRun;
  journal?: WaveRun;
  hostile?: { o: HostileOptions; f2b: HostileResult; fail2ban: HostileResult };
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
}

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "—");
const startCell = (r: StartupResult): string =>
  r.ms === null
    ? `not done after ${r.capMs / 60_000} min (${fmtN(Math.max(r.reached, 0))} of ${fmtN(r.bans)} in the set)`
    : `${(r.ms / 1000).toFixed(2)} s (${(r.low! / 1000).toFixed(2)}–${(r.high! / 1000).toFixed(2)})`;

function firstLine(argv: string[]): string {
  return sh(argv).stdout.trim().split("\n")[0] || "?";
}

export function report(r: Results): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  const goals: string[] = [];
  if (r.latency) {
    const { f2b, fail2ban, ips } = r.latency;
    for (const [label, p] of [
      ["p50", 0.5],
      ["p99", 0.99],
      ["max", 1],
    ] as const) {
      const a = pct(f2b.samples, p);
      const b = pct(fail2ban.samples, p);
      rows.push([`ban latency ${label} (log line → kernel set)`, ms(a), ms(b), ratio(b, a)]);
    }
    goals.push(`p99 ban latency < 20 ms: ${pct(f2b.samples, 0.99) < 20 ? "met" : "**missed**"}`);
    notes.push(
      `Ban latency: ${ips} addresses per daemon after ${f2b.warmup} warm-up addresses, one at a time; 4 failure lines, ` +
        `40 ms pause, then the 5th line; time from that write to the address's "add element" event in a long-running ` +
        `\`nft monitor new elements\`. Missed (no ban within 5 s): f2b ${f2b.missed}, fail2ban ${fail2ban.missed}.`,
    );
  }
  if (r.startup) {
    const { big, f2b, fail2ban } = r.startup;
    if (big) rows.push([`startup with ${fmtN(big.bans)} bans → all in the set`, startCell(big), `not run (see the ${fmtN(f2b.bans)} row)`, "—"]);
    rows.push([
      `startup with ${fmtN(f2b.bans)} bans → all in the set`,
      startCell(f2b),
      fail2ban ? startCell(fail2ban) : "not run",
      ratio(fail2ban?.ms ?? null, f2b.ms),
    ]);
    const target = big ?? f2b;
    goals.push(`startup with ${fmtN(target.bans)} bans < 3 s: ${target.ms !== null && target.ms < 3000 ? "met" : "**missed**"}`);
    notes.push(
      `Startup: a database of current bans written before the start (with f2b's src/db: fail2ban's jails/bans/bips ` +
        `tables, which fail2ban opens as its own); from inside the namespace, raw netlink lookups of 64 sampled bans ` +
        `(first and last included) every ~5 ms, then a full count of the set. The value is when the samples were all ` +
        `in and the count right after confirmed every ban (otherwise: the first complete count); in brackets the ` +
        `interval the bans certainly arrived in (last look that found one missing – end of the confirming count). ` +
        `fail2ban ran with ${fmtN(f2b.bans)} bans only (it applies one shell \`nft add element\` per ban); nothing is extrapolated.`,
    );
    const live = liveRows(big, f2b, fail2ban);
    rows.push(...live);
    if (live.length > 0) notes.push(LIVE_NOTE);
  }
  if (r.idle) {
    const { f2b, fail2ban, warmSec } = r.idle;
    const perMin = (x: number, i: IdleResult): number => (x * 60) / i.sampleSec;
    rows.push([`idle RSS, ${f2b.jails} jails (process tree, peak)`, mib(f2b.rssKiB), mib(fail2ban.rssKiB), ratio(fail2ban.rssKiB, f2b.rssKiB)]);
    rows.push([`… of which anonymous (RssAnon: heap, not file pages)`, mib(f2b.anonKiB), mib(fail2ban.anonKiB), ratio(fail2ban.anonKiB, f2b.anonKiB)]);
    const cpu = (i: IdleResult): string => `${(perMin(i.cpuSec, i) * 1000).toFixed(0)} ms (${((i.cpuSec / i.sampleSec) * 100).toFixed(2)} %)`;
    rows.push([
      `idle CPU per minute, ${f2b.jails} jails (% of one core)`,
      cpu(f2b),
      cpu(fail2ban),
      ratio(perMin(fail2ban.cpuSec, fail2ban), perMin(f2b.cpuSec, f2b)),
    ]);
    const wake = (i: IdleResult): string => fmtN(Math.round(perMin(i.switches, i)));
    rows.push([
      `idle wake-ups per minute (context switches, all threads)`,
      wake(f2b),
      wake(fail2ban),
      ratio(perMin(fail2ban.switches, fail2ban), perMin(f2b.switches, f2b)),
    ]);
    goals.push(`idle CPU per minute ≤ fail2ban's: ${perMin(f2b.cpuSec, f2b) <= perMin(fail2ban.cpuSec, fail2ban) ? "met" : "**missed**"}`);
    goals.push(`idle anonymous RSS ≤ 20 MiB: ${f2b.anonKiB <= 20 * 1024 ? "met" : "**missed**"}`);
    notes.push(
      `Idle: ${f2b.jails} enabled jails on empty log files, both daemons at once; after ${warmSec} s, VmRSS summed over ` +
        `the process tree (peak of one sample a second; the rest of RSS is clean pages mapped from the executable or ` +
        `the interpreter's files, which the kernel can drop), utime+stime (reaped children included; /proc counts ` +
        `CPU time in 10 ms ticks) and voluntary + involuntary context switches summed over /proc/PID/task/*/status ` +
        `of the tree, over ${f2b.sampleSec} s, scaled to a minute.`,
    );
  }
  for (const w of r.attack ?? []) {
    rows.push(...waveRows(w));
    goals.push(...waveGoals(w, "attack"));
  }
  if (r.botnet) rows.push(...waveRows(r.botnet));
  if (r.attack || r.botnet) notes.push(WAVE_NOTE);
  if (r.journal) {
    rows.push(...waveRows(r.journal));
    goals.push(...waveGoals(r.journal, "journal"));
    notes.push(JOURNAL_NOTE);
  }
  if (r.hostile) hostileRows(r.hostile, rows, notes, goals);
  const cpuModel = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
  return [
    `## Daemon benchmark — f2b vs fail2ban-server${r.quick ? " (--quick)" : ""}`,
    "",
    `Machine: ${firstLine(["nproc"])} CPUs, ${cpuModel}, Linux ${firstLine(["uname", "-r"])}, load average at start ` +
      `${r.loadavg}, CPU pressure (PSI some avg60) ${r.psi[0]} % at start and ${r.psi[1]} % at the end (shared machine).`,
    `Versions: f2b ${firstLine([r.f2bBin, "version"])} (${r.f2bBin} built ${statSync(r.f2bBin).mtime.toISOString().slice(0, 16)}Z, ` +
      `HEAD ${firstLine(["git", "-C", dirname(r.f2bBin), "rev-parse", "--short", "HEAD"])}, Bun ${Bun.version}); ` +
      `${firstLine(["fail2ban-server", "--version"])} (${firstLine(["/usr/bin/python3", "--version"])}); ${firstLine(["nft", "--version"])}.`,
    "",
    "| metric | f2b | fail2ban | f2b better by (× — above 1 is better for f2b) |",
    "|---|---:|---:|---:|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
    "Ratio: fail2ban ÷ f2b for times, CPU and memory, f2b ÷ fail2ban for rates (lines/s, entries/s): above 1 f2b is " + "better, below 1 it is behind.",
    `Setup: each daemon in its own fresh network namespace; config root = a copy of /etc/fail2ban + jail.local (jail sshd, ` +
      `stock sshd filter, backend auto, maxretry 5, bantime 1 h, banaction nftables-multiport: fail2ban runs its action.d ` +
      `shell commands, f2b maps the name to its native nftables backend) + fail2ban.local (socket, pidfile, dbfile, log in a temp dir).`,
    ...notes,
    `Goals for f2b: ${goals.join("; ") || "none measured"}. Total benchmark time: ${r.seconds.toFixed(0)} s.`,
    "",
  ].join("\n");
}

export function cpuPressure(): string {
  try {
    return /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

/** The hostile part: quiet and hostile phase side by side, then f2b's abandoned-lines counter. */
function hostileRows(h: NonNullable<Results["hostile"]>, rows: string[][], notes: string[], goals: string[]): void {
  const { o, f2b, fail2ban } = h;
  const lost = (p: Phase): number => p.bans.missed + (p.bans.notMeasured ?? 0);
  const cell = (xs: number[], q: number, p: Phase, what: "bans" | "pings"): string => {
    const short = what === "bans" ? lost(p) : p.pingsFailed;
    return `${ms(pct(xs, q))}${short > 0 ? ` (${short} ${what === "bans" ? "not banned/measured" : "failed"})` : ""}`;
  };
  for (const [phase, label] of [
    ["quiet", "other jail quiet"],
    ["hostile", `other jail ${o.rate} hostile lines/s`],
  ] as const) {
    const a = f2b[phase];
    const b = fail2ban[phase];
    for (const [q, ql] of [
      [0.5, "p50"],
      [0.99, "p99"],
    ] as const) {
      rows.push([
        `sshd ban latency ${ql}, ${label}`,
        cell(a.bans.samples, q, a, "bans"),
        cell(b.bans.samples, q, b, "bans"),
        ratio(pct(b.bans.samples, q), pct(a.bans.samples, q)),
      ]);
    }
    for (const [q, ql] of [
      [0.5, "p50"],
      [0.99, "p99"],
    ] as const) {
      rows.push([
        `ping ${ql} (raw control socket), ${label}`,
        cell(a.pings, q, a, "pings"),
        cell(b.pings, q, b, "pings"),
        ratio(pct(b.pings, q), pct(a.pings, q)),
      ]);
    }
  }
  rows.push([
    "hostile lines abandoned (f2b status pam-generic: Lines abandoned)",
    `${f2b.abandoned === null ? "?" : fmtN(f2b.abandoned)} of ${fmtN(f2b.hostileWritten)} written`,
    `no such counter (${fmtN(fail2ban.hostileWritten)} written)`,
    "—",
  ]);
  const hb = f2b.hostile;
  goals.push(`sshd ban p99 < 100 ms with hostile lines: ${lost(hb) === 0 && pct(hb.bans.samples, 0.99) < 100 ? "met" : "**missed**"}`);
  goals.push(`ping p99 < 50 ms with hostile lines: ${hb.pingsFailed === 0 && pct(hb.pings, 0.99) < 50 ? "met" : "**missed**"}`);
  const addrs = (r: HostileResult, p: "quiet" | "hostile"): string => `${r[p].bans.samples.length}`;
  notes.push(
    `Hostile lines: one daemon run each, two jails (sshd and stock pam-generic, maxretry 3, nftables-multiport/allports); ` +
      `${o.ips} sshd addresses per phase, one at a time (2 failure lines, 40 ms, the 3rd; time to its "add element" event), ` +
      `first with pam-generic's log quiet, then while it receives ${o.rate} lines/s of "Mon DD hh:mm:ss host " + ` +
      `${fmtN(o.size)} × "(" + \\x01 (tests/filters/hostile-lines.ts; common.conf's __prefix_line is quadratic on it in both ` +
      `engines and f2b's static check does not flag it, so f2b matches it on the backtracking engine under its 100 ms linebudget). ` +
      `Each phase capped at ${o.capMs / 60_000} min, a ban waited for up to 30 s. Addresses banned: f2b ${addrs(f2b, "quiet")}/${addrs(f2b, "hostile")}, ` +
      `fail2ban ${addrs(fail2ban, "quiet")}/${addrs(fail2ban, "hostile")} (quiet/hostile). Ping: every 200 ms during the phase, one at a time, ` +
      `on the raw control socket (f2b GET /api/v1/ping over its unix socket, what \`f2b ping\` sends; fail2ban ["ping"] through its ` +
      `CSocket from one resident Python helper, pipe hop included) — a CLI process per ping would measure the CLI's start-up. ` +
      `Hostile lines start 3 s before the hostile phase; "abandoned" is f2b's counter when the phase ended (lines still ` +
      `queued for the jail's worker are not in it).`,
  );
}
