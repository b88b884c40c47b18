// Real journal files for the journal tests: entries in journal export format, written (and
// appended) by systemd-journal-remote, read back by the real journalctl.
import { existsSync } from "node:fs";

export const JOURNAL_REMOTE = ["/usr/lib/systemd/systemd-journal-remote", "/lib/systemd/systemd-journal-remote"].find((p) => existsSync(p));
export const JOURNALCTL = Bun.which("journalctl");

/** Why the journal tests cannot run here, or null. */
export function journalToolsMissing(): string | null {
  if (!JOURNAL_REMOTE) return "systemd-journal-remote is not installed (Debian package systemd-journal-remote)";
  if (!JOURNALCTL) return "journalctl is not installed (Debian package systemd)";
  return null;
}

/** Field values: text, or bytes (written in export format's binary encoding). Arrays repeat the field. */
export type FieldValue = string | Buffer | (string | Buffer)[];
export type ExportEntry = Record<string, FieldValue>;

function field(name: string, v: string | Buffer): Buffer {
  if (typeof v === "string" && !v.includes("\n")) return Buffer.from(`${name}=${v}\n`);
  const b = typeof v === "string" ? Buffer.from(v) : v;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([Buffer.from(`${name}\n`), len, b, Buffer.from("\n")]);
}

/** Journal export format: one field per line (binary ones length-prefixed), entries end with a blank line. */
export function exportFormat(entries: ExportEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    for (const [k, v] of Object.entries(e)) for (const one of Array.isArray(v) ? v : [v]) parts.push(field(k, one));
    parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

/** Writes `entries` to the journal file `file` (created, or appended to when it exists). */
export function appendJournal(file: string, entries: ExportEntry[]): void {
  const r = Bun.spawnSync([JOURNAL_REMOTE!, `--output=${file}`, "-"], { stdin: exportFormat(entries), stderr: "pipe", stdout: "pipe" });
  if (r.exitCode !== 0) throw new Error(`systemd-journal-remote failed (${r.exitCode}): ${r.stderr.toString()}`);
}

// A fixed boot id: journal-remote needs one per entry to order by monotonic time.
const BOOT = "6a7f1c0e2b3d4e5f8091a2b3c4d5e6f7";
let mono = 1_000_000;

/** An entry as journald would store it for a syslog-style daemon line. */
export function entry(sec: number, message: string | Buffer | (string | Buffer)[], extra: ExportEntry = {}): ExportEntry {
  mono += 1000;
  return {
    __REALTIME_TIMESTAMP: String(Math.round(sec * 1e6)),
    __MONOTONIC_TIMESTAMP: String(mono),
    _BOOT_ID: BOOT,
    _HOSTNAME: "host1",
    SYSLOG_IDENTIFIER: "sshd",
    _PID: "4242",
    _COMM: "sshd",
    _SYSTEMD_UNIT: "ssh.service",
    PRIORITY: "6",
    MESSAGE: message,
    ...extra,
  };
}

/** An sshd "Failed password" entry naming `ip`. */
export function sshFail(sec: number, ip: string, user = "root", extra: ExportEntry = {}): ExportEntry {
  return entry(sec, `Failed password for ${user} from ${ip} port ${40000 + (Math.round(sec) % 20000)} ssh2`, extra);
}
