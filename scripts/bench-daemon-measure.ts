// The three daemon measurements, each run for one daemon in a fresh namespace and config root.
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { writeBanDb } from "./bench-daemon-db.ts";
import { benchIp, createNetns, makeRoot, sshdFailure } from "./bench-daemon-env.ts";
import { FIREWALL, NftMonitor, setSize, startDaemon, tail, treeCpuSeconds, treeRss, waitReady, type DaemonKind } from "./bench-daemon-proc.ts";

export interface Ctx {
  /** scratch directory (removed at the end) */
  tmp: string;
  f2bBin: string;
}

const MAXRETRY = 5;
const BANTIME = 3600;

export interface LatencyResult { samples: number[]; missed: number; warmup: number }

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
    const samples: number[] = [];
    let missed = 0;
    let line = 0;
    for (let i = 0; i < warmup + ips; i++) {
      const ip = benchIp(i, 200);
      for (let k = 1; k < MAXRETRY; k++) writeSync(fd, sshdFailure(ip, line++));
      await Bun.sleep(40);
      const text = sshdFailure(ip, line++);
      const t0 = performance.now();
      writeSync(fd, text);
      const t = await monitor.waitFor(ip, i < warmup ? 15_000 : 5_000);
      if (i >= warmup) {
        if (t === null) missed++;
        else samples.push(t - t0);
      } else if (t === null) {
        throw new Error(`${kind}: warm-up address ${ip} was never banned\n${tail(root.daemonLog)}`);
      }
      await Bun.sleep(20);
    }
    return { samples, missed, warmup };
  } finally {
    closeSync(fd);
    monitor.stop();
    await d.stop();
    netns.destroy();
  }
}

export interface StartupResult {
  bans: number;
  /** ms from spawn to the start of the first `nft list set` that counted every ban; null: cap reached first */
  ms: number | null;
  /** the bans arrived after `low` (start of the last poll that counted fewer) and before `high`
   * (end of the first complete poll): listing 100,000 elements takes the nft CLI a second or more */
  low: number | null;
  high: number | null;
  /** elements present at the end */
  reached: number;
  capMs: number;
}

/**
 * (2) Startup: a database holding `bans` current bans of jail sshd (written before the daemon
 * starts), then the time from spawning the daemon until its nftables set holds them all. Polls
 * the set's size (an `nft monitor` would slow a 100,000-element transaction down several times).
 */
export async function startup(kind: DaemonKind, ctx: Ctx, bans: number, capMs: number): Promise<StartupResult> {
  const netns = createNetns(`${kind}-start`);
  const ns = netns.name;
  const root = makeRoot(join(ctx.tmp, `${kind}-startup-${bans}`), { jails: 1, bantime: BANTIME, maxretry: MAXRETRY });
  writeBanDb(root.db, bans, BANTIME);
  const d = startDaemon(kind, ns, root, ctx.f2bBin);
  let reached = -1;
  let lastIncomplete = 0;
  try {
    for (;;) {
      const p0 = performance.now();
      reached = setSize(ns, FIREWALL[kind]);
      const p1 = performance.now();
      if (reached >= bans) return { bans, ms: p0 - d.spawnedAt, low: lastIncomplete - d.spawnedAt, high: p1 - d.spawnedAt, reached, capMs };
      lastIncomplete = p0;
      if (p1 - d.spawnedAt > capMs) return { bans, ms: null, low: null, high: null, reached, capMs };
      if (d.proc.exitCode !== null) throw new Error(`${kind} exited during startup\n${tail(root.daemonLog)}`);
      await Bun.sleep(reached > 0 ? 50 : 10);
    }
  } finally {
    await d.stop();
    netns.destroy();
  }
}

export interface IdleResult { rssKiB: number; anonKiB: number; cpuSec: number; sampleSec: number; jails: number }

/** (3) Idle: 5 jails on empty logs; after warmSec, peak tree RSS (and its anonymous part) and CPU seconds over sampleSec. */
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
    for (let s = 0; s < sampleSec; s++) {
      await Bun.sleep(1000);
      const now = treeRss(d.pid);
      peak.rssKiB = Math.max(peak.rssKiB, now.rssKiB);
      peak.anonKiB = Math.max(peak.anonKiB, now.anonKiB);
    }
    const cpuSec = treeCpuSeconds(d.pid) - c0;
    return { ...peak, cpuSec, sampleSec, jails };
  } finally {
    await d.stop();
    netns.destroy();
  }
}
