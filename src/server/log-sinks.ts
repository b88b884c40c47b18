// Where formatted log lines go: a file (reopened for logrotate), stdout/stderr,
// or syslog (through util-linux `logger`, since Bun has no Unix datagram socket).
import { closeSync, openSync, writeSync, existsSync, statSync } from "node:fs";

export interface LineSink {
  /** `line` has no trailing newline; `level` is the Python logging number. */
  write(line: string, level: number, name: string): void;
  /** Close and reopen the file (logrotate's postrotate / SIGUSR1). */
  reopen(): void;
  close(): Promise<void>;
  /** true when this sink wants fail2ban's syslog shape (no time, no padding). */
  readonly syslog: boolean;
}

/** Appends to a file; a write error is reported once on stderr, then retried on the next reopen. */
export function fileSink(path: string): LineSink {
  let fd: number | null = openSync(path, "a");
  let failed = false;
  return {
    syslog: false,
    write(line) {
      if (fd === null) return;
      try {
        writeSync(fd, line + "\n");
      } catch (e) {
        if (!failed) process.stderr.write(`f2b: cannot write log file ${path}: ${(e as Error).message}\n`);
        failed = true;
      }
    },
    reopen() {
      if (fd !== null) closeSync(fd);
      fd = null;
      try {
        fd = openSync(path, "a");
        failed = false;
      } catch (e) {
        process.stderr.write(`f2b: cannot reopen log file ${path}: ${(e as Error).message}\n`);
      }
    },
    async close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Writes synchronously to fd 1 or 2 so lines keep their order around a crash. */
export function fdSink(fd: 1 | 2): LineSink {
  return {
    syslog: false,
    write(line) {
      try {
        writeSync(fd, line + "\n");
      } catch {
        // stdout closed (e.g. a pipe reader went away): nothing better to do with a log line.
      }
    },
    reopen() {},
    async close() {},
  };
}

export const SYSLOG_FACILITIES: Record<string, number> = {
  KERN: 0,
  USER: 1,
  MAIL: 2,
  DAEMON: 3,
  AUTH: 4,
  SYSLOG: 5,
  LPR: 6,
  NEWS: 7,
  UUCP: 8,
  CRON: 9,
  AUTHPRIV: 10,
  FTP: 11,
  LOCAL0: 16,
  LOCAL1: 17,
  LOCAL2: 18,
  LOCAL3: 19,
  LOCAL4: 20,
  LOCAL5: 21,
  LOCAL6: 22,
  LOCAL7: 23,
};

/** Python SysLogHandler's priority_map, with fail2ban's NOTICE → notice added. */
export function syslogSeverity(level: number): number {
  if (level >= 50) return 2;
  if (level >= 40) return 3;
  if (level >= 30) return 4;
  if (level >= 25) return 5;
  if (level >= 20) return 6;
  return 7;
}

export const AUTO_SYSLOG_SOCKETS = ["/dev/log", "/var/run/syslog"];

export function resolveSyslogSocket(socket: string): string {
  const candidates = socket === "auto" ? AUTO_SYSLOG_SOCKETS : [socket];
  for (const p of candidates) {
    if (existsSync(p) && statSync(p).isSocket()) return p;
  }
  throw new Error(`Syslog socket file: ${socket} does not exist or is not a socket`);
}

/**
 * One long-lived `logger --prio-prefix` per logger name: the tag ("fail2ban.actions")
 * and pid are what fail2ban puts in front of a syslog message.
 */
export function syslogSink(opts: { socket: string; facility: number; pid: number; loggerBin?: string }): LineSink {
  const socket = resolveSyslogSocket(opts.socket);
  const bin = opts.loggerBin ?? "logger";
  if (!Bun.which(bin)) throw new Error(`SYSLOG logging needs the '${bin}' command (util-linux), not found in PATH`);
  const procs = new Map<string, Bun.Subprocess<"pipe", "ignore", "inherit">>();
  const procFor = (name: string): Bun.Subprocess<"pipe", "ignore", "inherit"> => {
    let p = procs.get(name);
    if (!p) {
      p = Bun.spawn([bin, "--prio-prefix", "-u", socket, "--socket-errors=off", "-t", name, `--id=${opts.pid}`], {
        stdin: "pipe",
        stdout: "ignore",
        stderr: "inherit",
      });
      procs.set(name, p);
    }
    return p;
  };
  return {
    syslog: true,
    write(line, level, name) {
      // The tag carries "name[pid]:", so drop it from the formatted line.
      const msg = line.startsWith(name) ? line.slice(line.indexOf("]: ") + 3) : line;
      const pri = opts.facility * 8 + syslogSeverity(level);
      try {
        procFor(name).stdin.write(`<${pri}>${msg}\n`);
        void procFor(name).stdin.flush();
      } catch {
        procs.delete(name); // logger died; spawn a fresh one next time
      }
    },
    reopen() {},
    async close() {
      for (const p of procs.values()) {
        await p.stdin.end();
        await p.exited;
      }
      procs.clear();
    },
  };
}
