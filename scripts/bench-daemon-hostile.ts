// Hostile lines (issue 11): jail sshd's ban latency and the control socket's ping latency, first with
// the other jail quiet, then while it receives hostile lines at a steady rate. Each daemon alone in
// its own namespace, one daemon run for both phases (quiet first, so hostile backlog cannot leak
// into the quiet figures).
// The second jail is stock pam-generic: common.conf's __prefix_line is quadratic on '((((…' lines
// (tests/filters/hostile-lines.ts), in both engines, and it is not flagged by f2b's static check,
// so f2b really runs it on the backtracking engine and must abandon lines at its line budget; each
// line is bounded (≈ 0.85 s in fail2ban's Python at 8,000 '(' on this VM), so fail2ban finishes
// every line — only the backlog grows, which the phase cap bounds. (Stock grafana and dovecot are
// exponential in fail2ban but run on f2b's linear-time engine from the start: not hostile to f2b.)
import { appendFileSync, closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { HOSTILE } from "../tests/filters/hostile-lines.ts";
import { createNetns, makeRoot, syslogStamp, type BenchRoot } from "./bench-daemon-env.ts";
import { BANTIME, measureBans, type Ctx, type LatencyResult } from "./bench-daemon-measure.ts";
import { NftMonitor, startDaemon, waitReady, type DaemonKind } from "./bench-daemon-proc.ts";
import { controlPing, type ControlPing } from "./bench-daemon-status.ts";

export const HOSTILE_JAIL = "pam-generic";
const HOSTILE_CASE = HOSTILE.find((h) => h.filter === HOSTILE_JAIL)!;
/** maxretry of both jails: small, so an address costs few lines */
export const HOSTILE_MAXRETRY = 3;
const PING_EVERY_MS = 200;

export interface HostileOptions {
  ips: number;
  /** hostile lines per second into the second jail */
  rate: number;
  /** '(' per hostile line */
  size: number;
  /** cap of each phase's ban loop (addresses not started by then count as not measured) */
  capMs: number;
}

export interface Phase {
  bans: LatencyResult;
  /** round trips of the pings that answered, ms */
  pings: number[];
  pingsFailed: number;
  /** hostile lines written during the phase */
  hostileLines: number;
  ms: number;
}

export interface HostileResult {
  quiet: Phase;
  hostile: Phase;
  /** f2b: linesAbandoned of the hostile jail at the end (API, as `f2b status pam-generic`); fail2ban: null */
  abandoned: number | null;
  /** hostile lines written in the whole run (the lead-in before the hostile phase included) */
  hostileWritten: number;
}

/** A hostile pam-generic line dated now. */
function hostileLine(size: number): string {
  return `${HOSTILE_CASE.line(size).replace(/^\w{3} \d\d \d\d:\d\d:\d\d/, syslogStamp())}\n`;
}

/** makeRoot's sshd jail plus the stock pam-generic jail on its own log file. */
function hostileRoot(dir: string): { root: BenchRoot; hostileLog: string } {
  const root = makeRoot(dir, { jails: 1, bantime: BANTIME, maxretry: HOSTILE_MAXRETRY });
  const hostileLog = join(dir, `${HOSTILE_JAIL}.log`);
  writeFileSync(hostileLog, "");
  appendFileSync(join(root.conf, "jail.local"), `\n[${HOSTILE_JAIL}]\nenabled = true\nbackend = auto\nlogpath = ${hostileLog}\n`);
  return { root, hostileLog };
}

/** Pings every PING_EVERY_MS until stopped (one at a time: a slow answer delays the next ping). */
function pingLoop(p: ControlPing): { stop(): Promise<{ pings: number[]; failed: number }> } {
  const pings: number[] = [];
  let failed = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const t = await p.ping();
      if (t === null) failed++;
      else pings.push(t);
      await Bun.sleep(PING_EVERY_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { pings, failed };
    },
  };
}

export async function hostileRun(kind: DaemonKind, ctx: Ctx, o: HostileOptions): Promise<HostileResult> {
  const netns = createNetns(`${kind}-host`);
  const { root, hostileLog } = hostileRoot(join(ctx.tmp, `${kind}-hostile`));
  const monitor = new NftMonitor(netns.name);
  const d = startDaemon(kind, netns.name, root, ctx.f2bBin);
  const fd = openSync(root.logs[0]!, "a");
  const hfd = openSync(hostileLog, "a");
  const pinger = controlPing(kind, root);
  let hostileLines = 0;
  const phase = async (base: number, warmup: number): Promise<Phase> => {
    const t0 = performance.now();
    const lines0 = hostileLines;
    const pings = pingLoop(pinger);
    const bans = await measureBans(kind, monitor, fd, {
      ips: o.ips,
      warmup,
      base,
      maxretry: HOSTILE_MAXRETRY,
      waitMs: 30_000,
      daemonLog: root.daemonLog,
      deadline: t0 + o.capMs,
    });
    const p = await pings.stop();
    return { bans, pings: p.pings, pingsFailed: p.failed, hostileLines: hostileLines - lines0, ms: performance.now() - t0 };
  };
  let writer: ReturnType<typeof setInterval> | undefined;
  try {
    await waitReady(d, root, ctx.f2bBin);
    await Bun.sleep(1000); // let the file watchers settle
    const quiet = await phase(201, 3);
    writer = setInterval(() => {
      writeSync(hfd, hostileLine(o.size));
      hostileLines++;
    }, 1000 / o.rate);
    await Bun.sleep(3000); // the hostile jail is busy before the first measured address
    const hostile = await phase(202, 0);
    clearInterval(writer);
    writer = undefined;
    return { quiet, hostile, abandoned: kind === "f2b" ? await f2bAbandoned(root.socket) : null, hostileWritten: hostileLines };
  } finally {
    if (writer) clearInterval(writer);
    pinger.stop();
    closeSync(fd);
    closeSync(hfd);
    monitor.stop();
    await d.stop();
    netns.destroy();
  }
}

async function f2bAbandoned(socket: string): Promise<number | null> {
  try {
    const res = await fetch(`http://localhost/api/v1/jails/${HOSTILE_JAIL}`, { unix: socket, signal: AbortSignal.timeout(60_000) });
    const st = (await res.json()) as { filter: { linesAbandoned?: number } };
    return st.filter.linesAbandoned ?? 0;
  } catch {
    return null;
  }
}
