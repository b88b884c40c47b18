// What a running daemon says about jail sshd, asked through its own control socket while a wave is
// under way, and the wall time of the admin's CLI commands. f2b: GET /api/v1/jails/sshd, the
// request behind `f2b status sshd --json`; fail2ban: `status sshd short` through fail2ban's own
// CSocket from one resident Python helper (a fail2ban-client process per poll would cost ~0.1 s of
// CPU each and compete with the daemon for the two cores).
import type { BenchRoot } from "./bench-daemon-env.ts";
import { onCleanup, sh } from "./bench-daemon-env.ts";
import { splitLines } from "./bench-daemon-count.ts";
import type { DaemonKind } from "./bench-daemon-proc.ts";

export interface JailCounts {
  /** fail2ban's "Total failed": failures the filter handed to the jail */
  totalFailed: number;
  /** "Total banned" */
  totalBanned: number;
}

export interface JailProbe {
  /** the counts of jail sshd, or null while the daemon does not answer */
  counts(): Promise<JailCounts | null>;
  stop(): void;
}

const FAIL2BAN_PROBE = String.raw`
import json, sys
from fail2ban.client.csocket import CSocket
def flat(x, out):
    if isinstance(x, (list, tuple)):
        if len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], int): out[x[0]] = x[1]
        else:
            for y in x: flat(y, out)
    return out
for line in sys.stdin:
    try:
        s = CSocket(sys.argv[1], timeout=60)
        code, res = s.send(line.split())
        s.close()
        print(json.dumps(flat(res, {}) if code == 0 else None), flush=True)
    except Exception:
        print("null", flush=True)
`;

export function jailProbe(kind: DaemonKind, root: BenchRoot): JailProbe {
  return kind === "f2b" ? f2bProbe(root.socket) : fail2banProbe(root.socket);
}

function f2bProbe(socket: string): JailProbe {
  return {
    async counts() {
      try {
        const res = await fetch("http://localhost/api/v1/jails/sshd", { unix: socket, signal: AbortSignal.timeout(60_000) });
        if (!res.ok) return null;
        const st = (await res.json()) as { filter: { totalFailed: number }; actions: { totalBanned: number } };
        return { totalFailed: st.filter.totalFailed, totalBanned: st.actions.totalBanned };
      } catch {
        return null;
      }
    },
    stop() {},
  };
}

function fail2banProbe(socket: string): JailProbe {
  const proc = Bun.spawn(["/usr/bin/python3", "-c", FAIL2BAN_PROBE, socket], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const stop = (): void => {
    if (proc.exitCode === null) proc.kill("SIGKILL");
  };
  onCleanup(stop);
  const lines = splitLines(proc.stdout as ReadableStream<Uint8Array>);
  return {
    async counts() {
      proc.stdin.write("status sshd short\n");
      await proc.stdin.flush();
      const r = await lines.next();
      if (r.done) throw new Error("fail2ban status helper exited");
      const st = JSON.parse(r.value) as Record<string, number> | null;
      return st && { totalFailed: st["Total failed"] ?? 0, totalBanned: st["Total banned"] ?? 0 };
    },
    stop,
  };
}

export interface CommandTiming {
  /** median wall time of the runs, ms */
  ms: number;
  runs: number;
  /** bytes the command printed (to show it did list everything) */
  outBytes: number;
  ok: boolean;
}

/** The admin's command for `args` (status sshd, banned): f2b's CLI or fail2ban-client, on the daemon's socket. */
export function cliArgv(kind: DaemonKind, root: BenchRoot, f2bBin: string, args: string[]): string[] {
  return kind === "f2b" ? [f2bBin, "-s", root.socket, ...args] : ["fail2ban-client", "-s", root.socket, ...args];
}

/** Wall time of a whole CLI invocation (start-up, request, answer, printing), median of `runs`. */
export function timeCommand(argv: string[], runs: number): CommandTiming {
  const times: number[] = [];
  let outBytes = 0;
  let ok = true;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = sh(argv);
    times.push(performance.now() - t0);
    outBytes = r.stdout.length;
    ok &&= r.code === 0;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, runs, outBytes, ok };
}
