// Daemon benchmark environment: throw-away network namespaces (each daemon's nftables ruleset
// lives only there, the host's is never touched), config roots copied from /etc/fail2ban, and
// a cleanup list that runs on normal exit, on error and on Ctrl-C.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const cleanups: Array<() => void> = [];
let cleaned = false;

/** Registers fn to run (synchronously, last registered first) when the benchmark ends. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

export function cleanupAll(): void {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) {
    try {
      fn();
    } catch (e) {
      console.error(`bench cleanup: ${(e as Error).message}`);
    }
  }
}

process.on("exit", cleanupAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, cleaning up`);
    cleanupAll();
    process.exit(130);
  });
}

export function sh(argv: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", input, maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? r.error?.message ?? "" };
}

export function shOk(argv: string[]): string {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Kills every process left inside the namespace (all of them were started by this benchmark). */
export function killNetnsProcesses(ns: string): void {
  for (const pid of sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export interface Netns {
  name: string;
  /** kills what is left inside and deletes the namespace (also done at cleanup) */
  destroy(): void;
}

/** A fresh namespace with only loopback up. */
export function createNetns(tag: string): Netns {
  const name = `f2bbench-${tag}-${randomBytes(3).toString("hex")}`;
  shOk(["ip", "netns", "add", name]);
  let gone = false;
  const destroy = (): void => {
    if (gone) return;
    gone = true;
    killNetnsProcesses(name);
    sh(["ip", "netns", "del", name]);
  };
  onCleanup(destroy);
  shOk(["ip", "-n", name, "link", "set", "lo", "up"]);
  return { name, destroy };
}

export interface BenchRoot {
  dir: string;
  conf: string;
  socket: string;
  pidfile: string;
  db: string;
  daemonLog: string;
  /** the jails' log files, in jail order (the first jail is "sshd") */
  logs: string[];
  jails: string[];
}

export interface RootOptions {
  jails: number;
  bantime: number;
  maxretry: number;
  /** seconds; 600 when not given */
  findtime?: number;
  /** a journal file: the jails read it (backend = systemd[journalfiles=...]) instead of log files */
  journalFile?: string;
}

/**
 * A copy of /etc/fail2ban plus jail.local (sshd-filter jails on files in dir or on a journal file, banaction
 * nftables-multiport) and fail2ban.local (socket, pidfile, dbfile, logtarget in dir). The same
 * kind of root serves both daemons; each gets its own copy.
 */
export function makeRoot(dir: string, o: RootOptions): BenchRoot {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "conf");
  cpSync("/etc/fail2ban", conf, { recursive: true });
  const root: BenchRoot = {
    dir,
    conf,
    socket: join(dir, "daemon.sock"),
    pidfile: join(dir, "daemon.pid"),
    db: join(dir, "daemon.sqlite3"),
    daemonLog: join(dir, "daemon.log"),
    logs: [],
    jails: [],
  };
  const sections = [
    "[DEFAULT]",
    "banaction = nftables-multiport",
    "banaction_allports = nftables-allports",
    `bantime = ${o.bantime}`,
    `findtime = ${o.findtime ?? 600}`,
    `maxretry = ${o.maxretry}`,
    "backend = auto",
    "usedns = no",
    "",
  ];
  for (let i = 0; i < o.jails; i++) {
    const name = i === 0 ? "sshd" : `sshd${i + 1}`;
    root.jails.push(name);
    sections.push(`[${name}]`, "enabled = true", "filter = sshd", "port = ssh");
    if (o.journalFile) {
      sections.push(`backend = systemd[journalfiles=${o.journalFile}]`, "");
      continue;
    }
    const log = join(dir, `${name}.log`);
    writeFileSync(log, "");
    root.logs.push(log);
    sections.push(`logpath = ${log}`, "");
  }
  writeFileSync(join(conf, "jail.local"), sections.join("\n"));
  writeFileSync(
    join(conf, "fail2ban.local"),
    [
      "[Definition]",
      "loglevel = INFO",
      `logtarget = ${root.daemonLog}`,
      `socket = ${root.socket}`,
      `pidfile = ${root.pidfile}`,
      `dbfile = ${root.db}`,
      "",
    ].join("\n"),
  );
  return root;
}

/** A syslog timestamp for now (local time, as both daemons read it). */
export function syslogStamp(): string {
  const d = new Date();
  const mon = d.toLocaleString("en-US", { month: "short" });
  const p2 = (x: number): string => String(x).padStart(2, "0");
  return `${mon} ${String(d.getDate()).padStart(2, " ")} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** Syslog-style sshd failure line as sshd writes it, dated now. */
export function sshdFailure(ip: string, n: number): string {
  return `${syslogStamp()} benchhost sshd[${4000 + (n % 1000)}]: Failed password for invalid user bench${n} from ${ip} port ${40000 + (n % 20000)} ssh2\n`;
}

/** The i-th distinct benchmark address (10.x, used only as set elements inside the namespaces). */
export function benchIp(i: number, base = 0): string {
  const n = i + 1 + base * 0x10000;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
