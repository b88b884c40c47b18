// Load scenarios: a daemon that is up and idle gets a whole wave of input at once (log lines
// appended to its jail's file, or journal entries), then the benchmark watches from outside until
// the jail has counted every failure (its own `status`: Total failed) and every address due for a
// ban is in the kernel set (raw netlink counts of the v4 and v6 sets), sampling the process tree's
// CPU time and memory meanwhile.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SetCounter } from "./bench-daemon-count.ts";
import { createNetns, makeRoot, type BenchRoot, type RootOptions } from "./bench-daemon-env.ts";
import type { Ctx } from "./bench-daemon-measure.ts";
import { FIREWALL, startDaemon, tail, treeCpuSeconds, treeRss, vmHwmKiB, waitReady, type DaemonKind } from "./bench-daemon-proc.ts";
import { jailProbe, type JailCounts } from "./bench-daemon-status.ts";

/** What one wave feeds and what the jail should end with (the same for both daemons). */
export interface Wave {
  /** lines (or journal entries) fed */
  units: number;
  /** expected Total failed once all are read */
  failures: number;
  /** addresses that reach maxretry: expected elements in the sets */
  bans: number;
  root: RootOptions;
  /** appends the wave to the running daemon's input; may still run while the sampling starts */
  feed(root: BenchRoot): Promise<void>;
  /** before the daemon starts (e.g. create the journal file it opens) */
  prepare?(root: BenchRoot): void;
  /** once the daemon is up, before the clock starts (e.g. date the entries) */
  arm?(): void;
}

export interface WaveResult {
  /** ms from the start of the feed until the jail's Total failed reached the expected count */
  linesMs: number | null;
  /** … until the v4 + v6 sets held every expected ban */
  bansMs: number | null;
  reached: JailCounts & { inSets: number };
  /** process-tree CPU seconds from the feed until both were reached (or the run ended) */
  cpuSec: number;
  /** VmHWM of the daemon process, KiB */
  hwmKiB: number;
  /** peak RssAnon of the process tree (sampled), KiB */
  peakAnonKiB: number;
  /** the counts stopped moving for STALL_MS short of the expected values */
  stalled: boolean;
  /** the run ended at the cap */
  capped: boolean;
  capMs: number;
  /** ms from the feed to the end of the run */
  endMs: number;
}

const SAMPLE_MS = 100;
const STALL_MS = 30_000;

/** One wave against one daemon in a fresh namespace and config root. */
export async function runWave(kind: DaemonKind, ctx: Ctx, tag: string, wave: Wave, capMs: number): Promise<WaveResult> {
  const netns = createNetns(`${kind}-${tag}`);
  const root = makeRoot(join(ctx.tmp, `${kind}-${tag}`), wave.root);
  wave.prepare?.(root);
  const fw = FIREWALL[kind];
  const sets = [new SetCounter(netns.name, fw.table, fw.set), new SetCounter(netns.name, fw.table, fw.set6)];
  const d = startDaemon(kind, netns.name, root, ctx.f2bBin);
  const probe = jailProbe(kind, root);
  try {
    await waitReady(d, root, ctx.f2bBin);
    await Bun.sleep(1000); // let the file watchers settle
    for (const s of sets) await s.count(); // the helpers are up before the clock starts
    wave.arm?.();
    const c0 = treeCpuSeconds(d.pid);
    const t0 = performance.now();
    const fed = wave.feed(root);
    const r: WaveResult = {
      linesMs: null,
      bansMs: null,
      reached: { totalFailed: 0, totalBanned: 0, inSets: 0 },
      cpuSec: 0,
      hwmKiB: 0,
      peakAnonKiB: 0,
      stalled: false,
      capped: false,
      capMs,
      endMs: 0,
    };
    let lastChange = t0;
    // the status request runs beside the set counts: a slow answer must not delay the counts
    let asking: Promise<void> | null = null;
    const ask = (): Promise<void> =>
      probe.counts().then((c) => {
        const now = performance.now();
        if (c && c.totalFailed !== r.reached.totalFailed) lastChange = now;
        if (c) Object.assign(r.reached, c);
        if (r.linesMs === null && r.reached.totalFailed >= wave.failures) r.linesMs = now - t0;
        asking = null;
      });
    for (;;) {
      asking ??= ask();
      const inSets = (await Promise.all(sets.map((s) => s.count()))).reduce((n, x) => n + Math.max(x, 0), 0);
      const now = performance.now();
      if (inSets !== r.reached.inSets) lastChange = now;
      r.reached.inSets = inSets;
      if (r.bansMs === null && inSets >= wave.bans) r.bansMs = now - t0;
      r.peakAnonKiB = Math.max(r.peakAnonKiB, treeRss(d.pid).anonKiB);
      r.cpuSec = treeCpuSeconds(d.pid) - c0;
      r.endMs = now - t0;
      if (d.proc.exitCode !== null) throw new Error(`${kind} exited during the wave\n${tail(root.daemonLog)}`);
      if (r.linesMs !== null && r.bansMs !== null) break;
      if (now - t0 > capMs) {
        r.capped = true;
        break;
      }
      if (now - lastChange > STALL_MS) {
        r.stalled = true;
        break;
      }
      await Bun.sleep(SAMPLE_MS);
    }
    r.hwmKiB = vmHwmKiB(d.pid);
    await fed;
    await asking;
    return r;
  } finally {
    probe.stop();
    for (const s of sets) s.stop();
    await d.stop();
    netns.destroy();
  }
}

/** Appends the whole file to the jail's log in one write, as a burst arrives (the daemon may see a partial last line first). */
export function appendAtOnce(file: string): (root: BenchRoot) => Promise<void> {
  return async (root) => {
    const text = readFileSync(file);
    const fd = openSync(root.logs[0]!, "a");
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  };
}
