// The inputs of the load scenarios, written once and fed to both daemons: a realistic auth.log
// under attack (scripts/gen-authlog.ts, every line recent), a botnet wave (many addresses, a few
// failures each), and the same auth.log as journal entries (systemd-journal-remote writes them).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { appendJournal, entry, exportFormat, JOURNAL_REMOTE, type ExportEntry } from "../tests/journal/journal-files.ts";
import { splitLines } from "./bench-daemon-count.ts";
import { benchIp, sshdFailure } from "./bench-daemon-env.ts";
import type { Ctx } from "./bench-daemon-measure.ts";
import { appendAtOnce, type Wave } from "./bench-daemon-wave.ts";

export interface WaveLog {
  file: string;
  lines: number;
  /** lines the stock sshd filter matches (f2b regex) */
  failures: number;
  /** addresses with at least maxretry failures */
  bans: number;
}

/** Now as the wall clock reads it, written as a UTC epoch (gen-authlog writes UTC; daemons read local time). */
function localNowEpoch(): number {
  return Math.floor(Date.now() / 1000) - new Date().getTimezoneOffset() * 60;
}

/**
 * A realistic auth.log of `lines` lines spanning the last spanSec seconds, and what the stock sshd
 * filter finds in it: `f2b regex --json` (f2b regex matches fail2ban-regex line for line on this
 * generator's output, see scripts/bench-regex.ts) gives the failures and their addresses.
 */
export async function attackLog(ctx: Ctx, lines: number, maxretry: number, spanSec = 600): Promise<WaveLog> {
  const file = join(ctx.tmp, `attack-${lines}.log`);
  const start = localNowEpoch() - spanSec;
  const gen = spawnSync(process.execPath, [join(import.meta.dir, "gen-authlog.ts"), file, String(lines), String(start), String(spanSec)], {
    stdio: ["ignore", "ignore", 2],
  });
  if (gen.status !== 0) throw new Error("gen-authlog failed");
  const regex = Bun.spawn([ctx.f2bBin, "regex", "--json", file, "sshd"], { stdout: "pipe", stderr: "pipe" });
  const perAddress = new Map<string, number>();
  let failures = 0;
  for await (const line of splitLines(regex.stdout as ReadableStream<Uint8Array>)) {
    if (!line.includes('"match":true')) continue;
    const m = JSON.parse(line) as { fid: string | null };
    failures++;
    // both daemons ban at the maxretry-th matched line (a line's `attempts` does not count extra)
    if (m.fid) perAddress.set(m.fid, (perAddress.get(m.fid) ?? 0) + 1);
  }
  if ((await regex.exited) !== 0) throw new Error(`f2b regex failed: ${await new Response(regex.stderr as ReadableStream).text()}`);
  const bans = [...perAddress.values()].filter((n) => n >= maxretry).length;
  return { file, lines, failures, bans };
}

/** `lines` failures from `ips` addresses taking turns (each reaches maxretry late, as a botnet's do). */
export function botnetLog(ctx: Ctx, ips: number, lines: number, maxretry: number): WaveLog {
  const file = join(ctx.tmp, `botnet-${ips}-${lines}.log`);
  const out: string[] = [];
  for (let n = 0; n < lines; n++) out.push(sshdFailure(benchIp(n % ips, 100), n));
  writeFileSync(file, out.join(""));
  let bans = 0;
  for (let i = 0; i < ips; i++) if (Math.floor(lines / ips) + (i < lines % ips ? 1 : 0) >= maxretry) bans++;
  return { file, lines, failures: lines, bans };
}

// "Mon DD HH:MM:SS host ident[pid]: message" (pid optional), as gen-authlog writes them
const SYSLOG = /^\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^\s[:]+)(?:\[(\d+)\])?: (.*)$/;

/**
 * The auth.log's lines as the journal would hold them: MESSAGE, SYSLOG_IDENTIFIER, _COMM, _PID,
 * _HOSTNAME and the unit (sshd.service for sshd, which the stock filter's journalmatch selects).
 * Their time is set when they are fed (see journalWave).
 */
export function journalEntries(log: WaveLog): ExportEntry[] {
  const lines = readFileSync(log.file, "utf8").split("\n");
  const out: ExportEntry[] = [];
  for (let i = 0; i < log.lines; i++) {
    const m = SYSLOG.exec(lines[i]!);
    if (!m) throw new Error(`${log.file}:${i + 1}: not a syslog line: ${lines[i]}`);
    const [, host, ident, pid, message] = m;
    const comm = ident!.toLowerCase();
    out.push(
      entry(0, message!, {
        _HOSTNAME: host!,
        SYSLOG_IDENTIFIER: ident!,
        _COMM: comm,
        _SYSTEMD_UNIT: `${comm}.service`,
        ...(pid ? { _PID: pid } : {}),
      }),
    );
  }
  return out;
}

/** Appends export-format entries to a journal file with systemd-journal-remote, without blocking the sampling. */
async function writeJournal(file: string, exported: Buffer): Promise<void> {
  const p = Bun.spawn([JOURNAL_REMOTE!, `--output=${file}`, "-"], { stdin: exported, stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`systemd-journal-remote failed: ${await new Response(p.stderr as ReadableStream).text()}`);
}

/** Findtime of the load scenarios: a day, so that no line of a long run ages out of it. */
const FINDTIME = 86_400;

/** A log wave: the jail sshd on an empty file gets the whole log appended at once. */
export function fileWave(log: WaveLog, o: { bantime: number; maxretry: number }): Wave {
  return {
    units: log.lines,
    failures: log.failures,
    bans: log.bans,
    root: { jails: 1, bantime: o.bantime, maxretry: o.maxretry, findtime: FINDTIME },
    feed: appendAtOnce(log.file),
  };
}

/**
 * Journal ingestion: a jail sshd with backend = systemd[journalfiles=FILE] on a journal file that
 * holds one old entry of another unit (under another boot id, so it orders by time) gets the
 * entries appended by systemd-journal-remote. maxretry is out of reach: the row measures reading
 * and matching, the wave rows measure bans. The entries are dated when the daemon is up, a
 * microsecond apart, as journald dates a burst: a reader that started at "now" (fail2ban seeks
 * there) skips entries dated before its start.
 */
export function journalWave(ctx: Ctx, kind: string, log: WaveLog, entries: ExportEntry[], bantime: number): Wave {
  const file = join(ctx.tmp, `journal-${kind}`, "bench.journal");
  let exported: Buffer = Buffer.alloc(0);
  return {
    units: entries.length,
    failures: log.failures,
    bans: 0,
    root: { jails: 1, bantime, maxretry: 1_000_000, findtime: FINDTIME, journalFile: file },
    prepare() {
      mkdirSync(dirname(file), { recursive: true });
      appendJournal(file, [
        entry(Date.now() / 1000 - 7200, "bench journal opened", {
          SYSLOG_IDENTIFIER: "bench",
          _COMM: "bench",
          _SYSTEMD_UNIT: "bench.service",
          _BOOT_ID: "0b0e0c0d0a0b0c0d0e0f101112131415",
        }),
      ]);
    },
    arm() {
      const now = Date.now() * 1000;
      for (const [i, e] of entries.entries()) e.__REALTIME_TIMESTAMP = String(now + i);
      exported = exportFormat(entries);
    },
    feed: () => writeJournal(file, exported),
  };
}
