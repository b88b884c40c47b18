// Runs install.sh for real, as root, into a staging root (--root), inside a network namespace so
// the daemon it starts and every firewall change stay in there.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../e2e/fixtures.ts";
export { until } from "../helpers/wait.ts";

export const INSTALL_SH = join(REPO, "install.sh");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StagedRoot {
  root: string;
  bin: string;
  etc: string;
  share: string;
  socket: string;
  pidfile: string;
  db: string;
  log: string;
  unit: string;
  logrotate: string;
}

export function staged(root: string): StagedRoot {
  return {
    root,
    bin: join(root, "usr/local/bin/f2b"),
    etc: join(root, "etc/f2b"),
    share: join(root, "usr/local/share/f2b"),
    socket: join(root, "run/f2b/f2b.sock"),
    pidfile: join(root, "run/f2b/f2b.pid"),
    db: join(root, "var/lib/f2b/f2b.sqlite3"),
    log: join(root, "var/log/f2b.log"),
    unit: join(root, "etc/systemd/system/f2b.service"),
    logrotate: join(root, "etc/logrotate.d/f2b"),
  };
}

/** install.sh ARGS in namespace `ns` (or on the host when ns is null), with extra environment. */
export async function installSh(ns: string | null, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const argv = [...(ns ? ["ip", "netns", "exec", ns] : []), "sh", INSTALL_SH, ...args];
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SSH_")));
  const p = Bun.spawn(argv, { env: { ...clean, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** The installed binary's CLI against the staged root's socket. */
export async function cli(s: StagedRoot, args: string[]): Promise<Run> {
  const p = Bun.spawn([s.bin, "-s", s.socket, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by its new parent, does not). */
export function pidAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /su.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export function daemonPid(s: StagedRoot): number {
  return Number(readFileSync(s.pidfile, "utf8").trim());
}

/** PIDs of f2b servers running with this staged root's config. */
export function serversOf(s: StagedRoot): number[] {
  const r = spawnSync("pgrep", ["-f", "--", `f2b server -c ${s.etc} `], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean).map(Number);
}
