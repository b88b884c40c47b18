// The daemon measurements one event at a time (ban latency, startup with N bans and the daemon
// holding them, idle), each run for one daemon in a fresh namespace and config root; the load
// scenarios are in bench-daemon-wave.ts.
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { writeBanDb } from "./bench-daemon-db.ts";
import { benchIp, createNetns, makeRoot, sshdFailure, type BenchRoot } from "./bench-daemon-env.ts";
import { SetCounter } from "./bench-daemon-count.ts";
import {
  FIREWALL,
  NftMonitor,
  startDaemon,
  switchesBetween,
  tail,
  treeContextSwitches,
  treeCpuSeconds,
  treeRss,
  waitReady,
  type Daemon,
  type DaemonKind,
} from "./bench-daemon-proc.ts";
import { cliArgv, timeCommand, type CommandTiming } from "./bench-daemon-status.ts";

export interface Ctx {
  /** scratch directory (removed at the end) */
  tmp: string;
  f2bBin: string;
}

export const MAXRETRY = 5;
export const BANTIME = 3600;

export interface LatencyResult {
  samples: number[];
  missed: number;
  warmup: number;
  /** addresses not started because the deadline passed */
  notMeasured?: number;
}

/**
 * (1) Ban latency: per address, maxretry-1 failure lines, a short pause, then the maxretry-th
 * line; the time from that write to the address's "add element" event in `nft monitor`.
 * Addresses go one after another (each waits for its ban), so ban queues never merge.
 */
export async function banLatency(kind: DaemonKind, ctx: Ctx, ips: number, warmup: number): Promise<LatencyResult> {
  const netns = createNetns(`${kind}-lat`);
  const ns = netns.name;
  const root = makeRoot(join(ctx.tmp, `${kind}-latency`), { jails: 1, bantime: BANTIME, maxretry: MAXRETRY });
  const monitor = new NftMonitor(ns);
  const d = startDaemon(kind, ns, root, ctx.f2bBin);
  const fd = openSync(root.logs[0]!, "a"); // kept open like syslog's: every line is one append
  try {
    await waitReady(d, root, ctx.f2bBin);
    await Bun.sleep(1000); // let the file watchers settle
    return await measureBans(kind, monitor, fd, { ips, warmup, base: 200, maxretry: MAXRETRY, waitMs: 5000, daemonLog: root.daemonLog });
  } finally {
    closeSync(fd);
    monitor.stop();
    await d.stop();
    netns.destroy();
  }
}

export interface BanLoopOptions {
  ips: number;
  warmup: number;
  /** benchIp base: each loop in one namespace needs its own addresses */
  base: number;
  maxretry: number;
  /** how long one measured address may take before it counts as missed */
  waitMs: number;
  daemonLog: string;
  /** performance.now() after which no further address is started (the rest count as not measured) */
  deadline?: number;
}

/**
 * The ban latency loop on an open log fd (see banLatency): maxretry-1 lines, 40 ms, the
 * maxretry-th line, wait for its add event in the monitor.
 */
export async function measureBans(kind: DaemonKind, monitor: NftMonitor, fd: number, o: BanLoopOptions): Promise<LatencyResult> {
  const samples: number[] = [];
  let missed = 0;
  let line = 0;
  for (let i = 0; i < o.warmup + o.ips; i++) {
    if (o.deadline !== undefined && performance.now() > o.deadline) return { samples, missed, warmup: o.warmup, notMeasured: o.warmup + o.ips - i };
    const ip = benchIp(i, o.base);
    for (let k = 1; k < o.maxretry; k++) writeSync(fd, sshdFailure(ip, line++));
    await Bun.sleep(40);
    const text = sshdFailure(ip, line++);
    const t0 = performance.now();
    writeSync(fd, text);
    const t = await monitor.waitFor(ip, i < o.warmup ? Math.max(15_000, o.waitMs) : o.waitMs);
    if (i >= o.warmup) {
      if (t === null) missed++;
      else samples.push(t - t0);
    } else if (t === null) {
      throw new Error(`${kind}: warm-up address ${ip} was never banned\n${tail(o.daemonLog)}`);
    }
    await Bun.sleep(20);
  }
  return { samples, missed, warmup: o.warmup };
}

export interface StartupResult {
  bans: number;
  /** ms from spawn until every ban was seen in the set; null when the cap was reached first */
  ms: number | null;
  /** the bans arrived after `low` (last look that found one missing) and before `high` (end of
   * the full count that confirmed them all) */
  low: number | null;
  high: number | null;
  /** elements present at the end */
  reached: number;
  capMs: number;
  /** the daemon right after: memory and the admin's commands (with `live`) */
  live?: LiveResult;
}

export interface LiveResult {
  /** bans in the set when measured */
  bans: number;
  rssKiB: number;
  anonKiB: number;
  status: CommandTiming;
  banned: CommandTiming;
}

/** (5) N bans live: memory of the process tree and the wall time of `status sshd` and `banned` (median of 3). */
function liveState(d: Daemon, root: BenchRoot, f2bBin: string, bans: number): LiveResult {
  const { rssKiB, anonKiB } = treeRss(d.pid);
  const status = timeCommand(cliArgv(d.kind, root, f2bBin, ["status", "sshd"]), 3);
  const banned = timeCommand(cliArgv(d.kind, root, f2bBin, ["banned"]), 3);
  return { bans, rssKiB, anonKiB, status, banned };
}

const SENTINELS = 64;

/**
 * (2) Startup: a database holding `bans` current bans of jail sshd (written before the daemon
 * starts), then the time from spawning the daemon until its nftables set holds them all.
 * Cheap lookups of 64 sampled bans (first and last included) run every few ms; once all are in,
 * a full count checks the rest. When it confirms all, the time is when the samples were all
 * there (exact for a daemon that applies them in one transaction, as f2b does); otherwise the
 * count is polled and its time is used. (An `nft monitor` would slow a 100,000-element
 * transaction down several times, and a full listing takes about a second.)
 */
export async function startup(kind: DaemonKind, ctx: Ctx, bans: number, capMs: number, live = false): Promise<StartupResult> {
  const netns = createNetns(`${kind}-start`);
  const ns = netns.name;
  const root = makeRoot(join(ctx.tmp, `${kind}-startup-${bans}`), { jails: 1, bantime: BANTIME, maxretry: MAXRETRY });
  writeBanDb(root.db, bans, BANTIME);
  const sample = [...new Set(Array.from({ length: SENTINELS }, (_, k) => benchIp(Math.round((k * (bans - 1)) / (SENTINELS - 1)))))];
  const counter = new SetCounter(ns, FIREWALL[kind].table, FIREWALL[kind].set);
  await counter.count(); // the helper is up before the clock starts
  const d = startDaemon(kind, ns, root, ctx.f2bBin);
  const since = (t: number): number => t - d.spawnedAt;
  let reached = -1;
  let low = d.spawnedAt;
  let seenAll: number | null = null;
  const allIn = async (): Promise<StartupResult> => {
    for (;;) {
      const p0 = performance.now();
      if (since(p0) > capMs) return { bans, ms: null, low: null, high: null, reached: await counter.count(), capMs };
      if (d.proc.exitCode !== null) throw new Error(`${kind} exited during startup\n${tail(root.daemonLog)}`);
      if (seenAll === null) {
        if ((await counter.has(sample)) < sample.length) {
          low = p0;
          await Bun.sleep(5);
          continue;
        }
        seenAll = p0;
      }
      reached = await counter.count();
      const p1 = performance.now();
      if (reached >= bans) return { bans, ms: since(Number.isFinite(seenAll) ? seenAll : p0), low: since(low), high: since(p1), reached, capMs };
      low = p0; // the samples were all there, others were not yet: from now on the count decides
      seenAll = -Infinity;
      await Bun.sleep(20);
    }
  };
  try {
    const res = await allIn();
    if (live) res.live = liveState(d, root, ctx.f2bBin, res.reached);
    return res;
  } finally {
    counter.stop();
    await d.stop();
    netns.destroy();
  }
}

export interface IdleResult {
  rssKiB: number;
  anonKiB: number;
  cpuSec: number;
  /** context switches (voluntary + involuntary) of all threads over the sample */
  switches: number;
  sampleSec: number;
  jails: number;
}

/**
 * (4) Idle: 5 jails on empty logs; after warmSec, over sampleSec: peak tree RSS (and its anonymous
 * part), CPU seconds, and context switches of every thread (the wake-ups).
 */
export async function idle(kind: DaemonKind, ctx: Ctx, warmSec: number, sampleSec: number): Promise<IdleResult> {
  const jails = 5;
  const netns = createNetns(`${kind}-idle`);
  const ns = netns.name;
  const root = makeRoot(join(ctx.tmp, `${kind}-idle`), { jails, bantime: BANTIME, maxretry: MAXRETRY });
  const d = startDaemon(kind, ns, root, ctx.f2bBin);
  try {
    await waitReady(d, root, ctx.f2bBin);
    await Bun.sleep(warmSec * 1000);
    const peak = treeRss(d.pid);
    const c0 = treeCpuSeconds(d.pid);
    let seen = treeContextSwitches(d.pid);
    let switches = 0;
    for (let s = 0; s < sampleSec; s++) {
      await Bun.sleep(1000);
      const sw = treeContextSwitches(d.pid);
      switches += switchesBetween(seen, sw);
      seen = sw;
      const now = treeRss(d.pid);
      peak.rssKiB = Math.max(peak.rssKiB, now.rssKiB);
      peak.anonKiB = Math.max(peak.anonKiB, now.anonKiB);
    }
    const cpuSec = treeCpuSeconds(d.pid) - c0;
    return { ...peak, cpuSec, switches, sampleSec, jails };
  } finally {
    await d.stop();
    netns.destroy();
  }
}
