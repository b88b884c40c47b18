// Attack-wave scenarios of the daemon benchmark (issue 10), one daemon at a time in a fresh
// namespace with the stock sshd jail (maxretry 5, nftables-multiport), a log appended at once:
//   authlog: a realistic auth.log (scripts/gen-authlog.ts), 100k or 1M lines
//   botnet:  many addresses, few failures each (sshdFailure lines)
// Measured: time until the ban count in the kernel set stops growing (all bans in), time until
// the daemon's CPU goes quiet (all lines handled → lines/s), CPU seconds per line, peak RSS.
//   bun scripts/bench-daemon-wave.ts [authlog|botnet] [LINES] [f2b,fail2ban]   (needs dist/f2b, root)
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, createNetns, makeRoot, benchIp, sshdFailure } from "./bench-daemon-env.ts";
import { SetCounter } from "./bench-daemon-count.ts";
import { FIREWALL, startDaemon, tail, treeCpuSeconds, treeRss, waitReady, type DaemonKind } from "./bench-daemon-proc.ts";

export interface WaveCtx { tmp: string; f2bBin: string }
export type WaveKind = "authlog" | "botnet";

export interface WaveResult {
  kind: DaemonKind;
  scenario: WaveKind;
  lines: number;
  /** IPv4 bans in the kernel set at the end */
  bans: number;
  /** ms from the append until the last new ban appeared in the set */
  allBansMs: number;
  /** ms from the append until the daemon's CPU went quiet (every line handled) */
  busyMs: number;
  cpuSec: number;
  peakRssKiB: number;
  peakAnonKiB: number;
  /** the cap was reached before the daemon went quiet */
  capped: boolean;
}

const MAXRETRY = 5;
const BANTIME = 3600;
const QUIET_MS = 5000;

/** The log text of a scenario, dated so that its last line is now (all within findtime). */
export function waveLog(scenario: WaveKind, lines: number, tmp: string): string {
  if (scenario === "botnet") {
    // 15 failures per address, interleaved as a botnet's would be
    const addresses = Math.max(1, Math.round(lines / 15));
    const out: string[] = [];
    for (let n = 0; n < lines; n++) out.push(sshdFailure(benchIp(n % addresses, 1), n));
    return out.join("");
  }
  const gen = join(import.meta.dir, "gen-authlog.ts");
  const probe = join(tmp, "authlog-probe.log");
  // First pass from epoch 0 tells the span the generator covers; the second ends it at now.
  Bun.spawnSync([process.execPath, gen, probe, String(lines), "0"], { stderr: "ignore" });
  const last = readFileSync(probe, "utf8").trimEnd().split("\n").at(-1) ?? "";
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)/.exec(last);
  const span = m ? Date.parse(`${m[1]} ${m[2]} 1970 ${m[3]}:${m[4]}:${m[5]} UTC`) / 1000 : 0;
  const out = join(tmp, "authlog.log");
  Bun.spawnSync([process.execPath, gen, out, String(lines), String(Math.floor(Date.now() / 1000 - span - 5))], { stderr: "ignore" });
  return readFileSync(out, "utf8");
}

export async function attackWave(kind: DaemonKind, ctx: WaveCtx, scenario: WaveKind, text: string, capMs: number): Promise<WaveResult> {
  const lines = text.length ? text.split("\n").length - 1 : 0;
  const netns = createNetns(`${kind}-wave`);
  const root = makeRoot(join(ctx.tmp, `${kind}-${scenario}-${lines}`), { jails: 1, bantime: BANTIME, maxretry: MAXRETRY, findtime: 2 * 86400 });
  const counter = new SetCounter(netns.name, FIREWALL[kind].table, FIREWALL[kind].set);
  const d = startDaemon(kind, netns.name, root, ctx.f2bBin);
  try {
    await waitReady(d, root, ctx.f2bBin);
    await Bun.sleep(1000); // file watchers settle
    const cpu0 = treeCpuSeconds(d.pid);
    const peak = treeRss(d.pid);
    const t0 = performance.now();
    appendFileSync(root.logs[0]!, text);
    let bans = 0;
    let lastBan = t0;
    let lastBusy = t0;
    let cpuPrev = cpu0;
    let tPrev = t0;
    for (;;) {
      await Bun.sleep(250);
      if (d.proc.exitCode !== null) throw new Error(`${kind} exited during the wave\n${tail(root.daemonLog)}`);
      const now = performance.now();
      const n = await counter.count();
      if (n > bans) { bans = n; lastBan = now; }
      const cpu = treeCpuSeconds(d.pid);
      // busy: more than 5% of a core since the last look
      if (cpu - cpuPrev > 0.05 * ((now - tPrev) / 1000)) lastBusy = now;
      cpuPrev = cpu;
      tPrev = now;
      const r = treeRss(d.pid);
      peak.rssKiB = Math.max(peak.rssKiB, r.rssKiB);
      peak.anonKiB = Math.max(peak.anonKiB, r.anonKiB);
      const capped = now - t0 > capMs;
      if (capped || now - Math.max(lastBan, lastBusy) > QUIET_MS) {
        return {
          kind, scenario, lines, bans, allBansMs: lastBan - t0, busyMs: lastBusy - t0, cpuSec: cpu - cpu0,
          peakRssKiB: peak.rssKiB, peakAnonKiB: peak.anonKiB, capped,
        };
      }
    }
  } finally {
    counter.stop();
    await d.stop();
    netns.destroy();
  }
}

/** One Markdown row per result. */
export function waveRows(rs: WaveResult[]): string {
  const head = "| scenario | daemon | lines | bans | all bans in kernel | lines/s | CPU µs/line | peak RSS MiB (anon) |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |";
  const rows = rs.map((r) => `| ${r.scenario} | ${r.kind} | ${r.lines} | ${r.bans} | ${(r.allBansMs / 1000).toFixed(1)} s${r.capped ? " (cap)" : ""} | ` +
    `${Math.round(r.lines / Math.max(0.001, r.busyMs / 1000))} | ${((r.cpuSec * 1e6) / Math.max(1, r.lines)).toFixed(0)} | ` +
    `${(r.peakRssKiB / 1024).toFixed(0)} (${(r.peakAnonKiB / 1024).toFixed(0)}) |`);
  return [head, ...rows].join("\n");
}

if (import.meta.main) {
  const [scenario = "authlog", linesArg = "100000", kindsArg = "f2b,fail2ban", capArg = "600"] = process.argv.slice(2);
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const tmp = mkdtempSync(join(tmpdir(), "f2b-wave-"));
  const ctx = { tmp, f2bBin: join(import.meta.dir, "..", "dist", "f2b") };
  try {
    const text = waveLog(scenario as WaveKind, Number(linesArg), tmp);
    const out: WaveResult[] = [];
    for (const k of kindsArg.split(",") as DaemonKind[]) out.push(await attackWave(k, ctx, scenario as WaveKind, text, Number(capArg) * 1000));
    console.log(waveRows(out));
  } finally {
    cleanupAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}
