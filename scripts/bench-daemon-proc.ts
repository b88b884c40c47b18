// The two daemons under test, each started inside its own namespace, plus what the benchmark
// reads from the kernel and /proc: nftables set sizes, a timestamped `nft monitor`, and the
// RSS and CPU time of a daemon's whole process tree.
import { readdirSync, readFileSync } from "node:fs";
import type { BenchRoot } from "./bench-daemon-env.ts";
import { onCleanup, sh } from "./bench-daemon-env.ts";

export type DaemonKind = "f2b" | "fail2ban";

export interface Firewall {
  table: string;
  /** the IPv4 set of jail `sshd` */
  set: string;
  /** its IPv6 set */
  set6: string;
}

export const FIREWALL: Record<DaemonKind, Firewall> = {
  f2b: { table: "f2b", set: "addr-sshd-v4", set6: "addr-sshd-v6" },
  fail2ban: { table: "f2b-table", set: "addr-set-sshd", set6: "addr6-set-sshd" },
};

export interface Daemon {
  kind: DaemonKind;
  ns: string;
  pid: number;
  /** performance.now() just before the spawn */
  spawnedAt: number;
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<void>;
}

export function startDaemon(kind: DaemonKind, ns: string, root: BenchRoot, f2bBin: string): Daemon {
  const argv =
    kind === "f2b" ? [f2bBin, "server", "-c", root.conf, "-f"] : ["fail2ban-server", "-f", "-x", "-c", root.conf, "-s", root.socket, "-p", root.pidfile];
  const spawnedAt = performance.now();
  // `ip netns exec` execs the command, so the child's pid is the daemon's own
  const proc = Bun.spawn(["ip", "netns", "exec", ns, ...argv], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await proc.exited;
    clearTimeout(t);
  };
  onCleanup(() => {
    if (proc.exitCode === null) proc.kill("SIGKILL");
  });
  return { kind, ns, pid: proc.pid, spawnedAt, proc, stop };
}

/** Waits until the daemon answers on its socket (fail2ban: its client's ping). */
export async function waitReady(d: Daemon, root: BenchRoot, f2bBin: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  const argv = d.kind === "f2b" ? [f2bBin, "-s", root.socket, "ping"] : ["fail2ban-client", "-s", root.socket, "ping"];
  while (Date.now() < end) {
    if (d.proc.exitCode !== null) {
      const err = await new Response(d.proc.stderr as ReadableStream).text();
      throw new Error(`${d.kind} exited with ${d.proc.exitCode}: ${err.slice(-2000)}\n${tail(root.daemonLog)}`);
    }
    if (sh(argv).code === 0) return;
    await Bun.sleep(100);
  }
  throw new Error(`${d.kind} did not answer within ${ms} ms\n${tail(root.daemonLog)}`);
}

export function tail(file: string, n = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-n).join("\n");
  } catch {
    return `(no ${file})`;
  }
}

/**
 * A long-running `nft monitor new elements` in the namespace. Every address in an "add element"
 * event gets the performance.now() at which its line reached us (first sighting kept).
 */
export class NftMonitor {
  readonly seen = new Map<string, number>();
  private readonly proc: ReturnType<typeof Bun.spawn>;
  private waiters: Array<{ ip: string; resolve: (t: number) => void }> = [];

  constructor(ns: string) {
    this.proc = Bun.spawn(["ip", "netns", "exec", ns, "nft", "monitor", "new", "elements"], { stdout: "pipe", stderr: "ignore" });
    onCleanup(() => this.stop());
    void this.read();
  }

  private async read(): Promise<void> {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of this.proc.stdout as ReadableStream<Uint8Array>) {
      const now = performance.now();
      buf += dec.decode(chunk, { stream: true });
      const cut = buf.lastIndexOf("\n");
      if (cut < 0) continue;
      for (const line of buf.slice(0, cut).split("\n")) {
        if (!line.startsWith("add element")) continue;
        for (const m of line.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)) {
          if (!this.seen.has(m[1]!)) this.seen.set(m[1]!, now);
        }
      }
      buf = buf.slice(cut + 1);
      this.waiters = this.waiters.filter((w) => {
        const t = this.seen.get(w.ip);
        if (t === undefined) return true;
        w.resolve(t);
        return false;
      });
    }
  }

  /** Time the address's add event arrived, or null after ms. */
  waitFor(ip: string, ms: number): Promise<number | null> {
    const t = this.seen.get(ip);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve) => {
      const w = {
        ip,
        resolve: (x: number | null) => {
          clearTimeout(timer);
          resolve(x);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(null);
      }, ms);
      this.waiters.push(w);
    });
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
  childTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the parenthesised command name; utime is field 14 (index 11 here)
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** The daemon and its live descendants. */
function tree(root: number): ProcStat[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((s): s is ProcStat => s !== null);
  const out: ProcStat[] = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of all) {
      if (!want.has(s.pid) && want.has(s.ppid)) {
        want.add(s.pid);
        grew = true;
      }
    }
  }
  for (const s of all) if (want.has(s.pid)) out.push(s);
  return out;
}

export interface TreeRss {
  rssKiB: number;
  anonKiB: number;
}

/** Sum of VmRSS and of its anonymous part RssAnon (KiB) over the daemon's process tree. */
export function treeRss(pid: number): TreeRss {
  const out = { rssKiB: 0, anonKiB: 0 };
  for (const s of tree(pid)) {
    try {
      const status = readFileSync(`/proc/${s.pid}/status`, "utf8");
      out.rssKiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      out.anonKiB += Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const TICKS = Number(sh(["getconf", "CLK_TCK"]).stdout.trim()) || 100;

/** CPU seconds used so far by the daemon, its live children and its reaped children. */
export function treeCpuSeconds(pid: number): number {
  const t = tree(pid);
  const self = t.find((s) => s.pid === pid);
  const ticks = t.reduce((n, s) => n + s.ticks, 0) + (self?.childTicks ?? 0);
  return ticks / TICKS;
}

/** Peak resident set of the daemon process itself (VmHWM, KiB; children not included). */
export function vmHwmKiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Context switches so far, voluntary + involuntary, of every thread of the daemon and of its live
 * children (/proc/PID/task/TID/status), keyed "pid/tid": each is one time a thread went to sleep
 * or was put off the CPU, so their growth over an idle minute counts its wake-ups.
 */
export function treeContextSwitches(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of tree(pid)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${s.pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${s.pid}/task/${tid}/status`, "utf8");
        out.set(
          `${s.pid}/${tid}`,
          Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0),
        );
      } catch {
        // thread exited meanwhile
      }
    }
  }
  return out;
}

/**
 * Switches between two treeContextSwitches() samples: the growth of the threads alive at the
 * second one (a new thread counts from 0). A thread that exited in between takes its last counts
 * with it, so sample often (a plain difference of sums went negative when a thread exited).
 */
export function switchesBetween(before: Map<string, number>, after: Map<string, number>): number {
  let n = 0;
  for (const [k, v] of after) n += v - (before.get(k) ?? 0);
  return n;
}
