/** Real journal files for tests, written by systemd-journal-remote from journal export format. */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const JOURNAL_REMOTE = ["/usr/lib/systemd/systemd-journal-remote", "/lib/systemd/systemd-journal-remote"].find((p) => existsSync(p));
export const HAVE_JOURNAL_TOOLS = !!JOURNAL_REMOTE && Bun.which("journalctl") !== null;
if (!HAVE_JOURNAL_TOOLS) console.warn("journal tests skipped: journalctl or systemd-journal-remote is not installed");

export type ExportEntry = Record<string, string | Buffer>;

/** Export format: text fields as NAME=value, binary ones as NAME\n<u64le length><bytes>. */
function exportFormat(entries: ExportEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    for (const [k, v] of Object.entries(e)) {
      if (typeof v === "string" && !v.includes("\n")) parts.push(Buffer.from(`${k}=${v}\n`));
      else {
        const b = typeof v === "string" ? Buffer.from(v) : v;
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(b.length));
        parts.push(Buffer.from(`${k}\n`), len, b, Buffer.from("\n"));
      }
    }
    parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

let seq = 0;
/** Writes a new journal file `<dir>/<name>.journal` holding `entries`. */
export function writeJournal(dir: string, entries: ExportEntry[]): string {
  const src = join(dir, `..${seq++}.export`);
  writeFileSync(src, exportFormat(entries));
  const out = join(dir, `part${seq}.journal`);
  const r = Bun.spawnSync([JOURNAL_REMOTE!, `--output=${out}`, src], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`systemd-journal-remote failed: ${r.stderr.toString()}`);
  return out;
}

export function entry(sec: number, message: string | Buffer, extra: ExportEntry = {}): ExportEntry {
  return {
    __REALTIME_TIMESTAMP: String(Math.round(sec * 1e6)),
    _HOSTNAME: "host1",
    SYSLOG_IDENTIFIER: "sshd",
    _PID: "4242",
    _SYSTEMD_UNIT: "ssh.service",
    MESSAGE: message,
    ...extra,
  };
}
