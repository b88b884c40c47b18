/**
 * systemd journal source: runs `journalctl -o json --follow` (the only stable journal API
 * without native bindings) and turns entries into lines with their own time and cursor.
 * Resumes after the last cursor; restarts journalctl with a growing delay if it exits.
 */
import { resolveEncoding, type LogEncoding } from "./encoding.ts";
import { formatEntry, JOURNAL_FIELDS, type JournalEntry } from "./journal-entry.ts";
import { LineSplitter } from "./line-splitter.ts";
import type { JournalSourceOptions, LogLine, LogSource, SourceDeps, SourceState } from "./types.ts";

export interface JournalOptions extends JournalSourceOptions {
  /** logencoding for binary journal fields (default utf-8). */
  encoding?: string;
  /** Without a cursor: start at this epoch time (fail2ban: max(saved time, now - findtime)). */
  since?: number | null;
  /** journalpath / journalfiles / namespace / journalflags of fail2ban's systemd backend. */
  directory?: string;
  files?: string[];
  namespace?: string;
  flags?: number;
  /** journalctl binary (default "journalctl"). */
  journalctl?: string;
  /** First delay before restarting an exited journalctl; doubles up to 30 s (default 1000). */
  restartMs?: number;
  /** Keep waiting for new entries (default true); false reads what is there and exits (f2b regex). */
  follow?: boolean;
}

export interface SpawnedProcess {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
  kill(): void;
}
export type Spawner = (argv: string[]) => SpawnedProcess;

const bunSpawner: Spawner = (argv) => {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { stdout: p.stdout, stderr: p.stderr, exited: p.exited, kill: () => p.kill() };
};

const JOURNAL_LOCAL_ONLY = 1;
const JOURNAL_SYSTEM = 4;
const JOURNAL_CURRENT_USER = 8;

/** The journalctl command line (argv, never a shell string: match values are data). */
export function journalctlArgs(o: JournalOptions, cursor: string | null, since: number | null): string[] {
  // --all: without it journalctl prints fields over 4 KiB as null (a long MESSAGE would vanish).
  const args = [o.journalctl ?? "journalctl", "--output=json", "--no-pager", "--quiet", "--all"];
  if (o.follow !== false) args.push("--follow");
  // fail2ban: SYSTEM_ONLY unless a path/files are given or journalflags says otherwise.
  const flags = o.flags ?? (o.directory || (o.files?.length ?? 0) > 0 ? 0 : JOURNAL_SYSTEM);
  // --follow alone implies the current boot; fail2ban's reader sees all boots and, unless
  // journalflags has LOCAL_ONLY, all machines' files.
  if (!(flags & JOURNAL_LOCAL_ONLY)) args.push("--merge");
  args.push(`--output-fields=${JOURNAL_FIELDS.join(",")}`);
  if (o.directory) args.push(`--directory=${o.directory}`);
  for (const f of o.files ?? []) args.push(`--file=${f}`);
  if (o.namespace) args.push(`--namespace=${o.namespace}`);
  if (flags & JOURNAL_SYSTEM) args.push("--system");
  if (flags & JOURNAL_CURRENT_USER) args.push("--user");
  if (cursor) args.push(`--after-cursor=${cursor}`, "--no-tail");
  else if (since !== null) args.push(`--since=@${since.toFixed(6)}`, "--no-tail");
  else if (o.start === "head") args.push("--no-tail");
  else args.push("--lines=0");
  const groups = o.matches.filter((g) => g.length > 0);
  if (groups.length > 0) args.push("--", ...groups.flatMap((g, i) => (i === 0 ? g : ["+", ...g])));
  return args;
}

export class JournalSource implements LogSource {
  private readonly enc: LogEncoding;
  private cursor: string | null;
  private lastTime: number | null = null;
  private proc: SpawnedProcess | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly opts: JournalOptions,
    private readonly deps: SourceDeps & { spawn?: Spawner },
  ) {
    this.enc = resolveEncoding(opts.encoding ?? "utf-8");
    this.cursor = opts.cursor ?? null;
  }

  async start(): Promise<void> {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.proc?.kill();
    this.wake?.();
    await this.loop;
  }

  state(): SourceState {
    return { kind: "journal", cursor: this.cursor };
  }

  /** Time of the last entry delivered (fail2ban persists this for the journal). */
  lastEntryTime(): number | null {
    return this.lastTime;
  }

  private async run(): Promise<void> {
    let delay = this.opts.restartMs ?? 1000;
    while (!this.stopped) {
      const startedAt = Date.now();
      const { code, stderr, entries, spawnError } = await this.once();
      if (this.stopped) return;
      const why = stderr.trim().split("\n")[0] || "no message";
      const bin = this.opts.journalctl ?? "journalctl";
      this.deps.onError(
        "journal",
        new Error(spawnError ? `cannot run ${bin} (the systemd backend needs it): ${spawnError}` : `${bin} exited with code ${code}: ${why}`),
      );
      if (/cursor/i.test(stderr) && entries === 0 && this.cursor) {
        // The saved cursor is gone (journal vacuumed/rotated): fall back to time.
        this.deps.onWarning?.("journal", "saved journal cursor is no longer valid; continuing by time");
        this.cursor = null;
      }
      if (Date.now() - startedAt > 60_000) delay = this.opts.restartMs ?? 1000;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, delay);
      });
      this.wake = null;
      delay = Math.min(delay * 2, 30_000);
    }
  }

  /** One journalctl run: returns when it exits. */
  private async once(): Promise<{ code: number; stderr: string; entries: number; spawnError?: string }> {
    const since = this.lastTime ?? this.opts.since ?? null;
    const spawn = this.deps.spawn ?? bunSpawner;
    let proc: SpawnedProcess;
    try {
      proc = spawn(journalctlArgs(this.opts, this.cursor, since));
    } catch (err) {
      return { code: -1, stderr: "", entries: 0, spawnError: err instanceof Error ? err.message : String(err) };
    }
    this.proc = proc;
    const stderrText = new Response(proc.stderr).text();
    const splitter = new LineSplitter({
      source: "journal",
      encoding: resolveEncoding("utf-8"),
      maxLineBytes: 1 << 20, // one JSON entry; messages themselves are capped by journald
      warn: (m) => this.deps.onWarning?.("journal", m),
    });
    let entries = 0;
    const reader = proc.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done || this.stopped) break;
      const out: LogLine[] = [];
      for (const l of splitter.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) {
        const line = this.toLine(l.text);
        if (line) out.push(line);
      }
      entries += out.length;
      // Backpressure: stdout is not read meanwhile, so journalctl blocks on the full pipe.
      if (out.length > 0) await this.deliver(out);
    }
    if (this.stopped) proc.kill();
    const code = await proc.exited;
    this.proc = null;
    return { code, stderr: await stderrText, entries };
  }

  private toLine(json: string): LogLine | null {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(json) as JournalEntry;
    } catch {
      this.deps.onWarning?.("journal", `unparsable journalctl output: ${json.slice(0, 200)}`);
      return null;
    }
    const f = formatEntry(entry, this.enc);
    if (f.cursor) this.cursor = f.cursor;
    this.lastTime = f.time;
    return { source: "journal", text: f.text, pos: 0, time: f.time, ...(f.cursor ? { cursor: f.cursor } : {}) };
  }

  private async deliver(lines: LogLine[]): Promise<void> {
    try {
      await this.deps.onLines(lines);
    } catch (err) {
      this.deps.onError("journal", err instanceof Error ? err : new Error(String(err)));
    }
  }
}
