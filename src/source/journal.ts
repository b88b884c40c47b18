/**
 * systemd journal source: runs `journalctl -o export --follow` (the only stable journal API
 * without native bindings; export costs journalctl a third of json's CPU) and turns entries into lines with their own time and cursor.
 * Resumes after the last cursor; restarts journalctl with a growing delay if it exits.
 */
import { prefixedLog } from "../system/log.ts";
import { resolveEncoding, type LogEncoding } from "./encoding.ts";
import { firstEntryArgs, journalctlArgs, lastEntryArgs, type JournalArgsOptions } from "./journal-args.ts";
import { formatEntry, type JournalEntry } from "./journal-entry.ts";
import { ExportParser } from "./journal-export.ts";
import type { LogLine, LogSource, SourceDeps, SourceState } from "./types.ts";

export interface JournalOptions extends JournalArgsOptions {
  /** logencoding for binary journal fields (default utf-8). */
  encoding?: string;
  /** Without a cursor: start at this epoch time (fail2ban: max(saved time, now - findtime)). */
  since?: number | null;
  /** First delay before restarting an exited journalctl; doubles up to 30 s (default 1000). */
  restartMs?: number;
  /** Quiet time after which the backlog counts as read (default 1000 ms). */
  catchUpMs?: number;
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

export class JournalSource implements LogSource {
  private readonly enc: LogEncoding;
  private cursor: string | null;
  private lastTime: number | null = null;
  private proc: SpawnedProcess | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /**
   * While the backlog is read (fail2ban: not in operation): the cursor of the newest entry that
   * was there at start; "" = until the first quiet moment; null = in operation.
   */
  private historyEnd: string | null = null;
  /** First run without a saved cursor: start at this entry (inclusive) / after this one. */
  private startAt: string | null = null;
  private startAfter: string | null = null;
  /** First run: nothing matched at start; read from this time on (fail2ban: seeks to now). */
  private startTime: number | null = null;

  constructor(
    private readonly opts: JournalOptions,
    private readonly deps: SourceDeps & { spawn?: Spawner },
  ) {
    this.enc = resolveEncoding(opts.encoding ?? "utf-8");
    this.cursor = opts.cursor ?? null;
  }

  /** With `follow: false` (`f2b regex`) this resolves once journalctl has printed every entry. */
  async start(): Promise<void> {
    this.loop ??= this.run();
    if (this.opts.follow === false) await this.loop;
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
    if (this.opts.follow !== false) {
      await this.startPosition();
      if (this.historyEnd === null) this.inOperation();
    }
    let delay = this.opts.restartMs ?? 1000;
    while (!this.stopped) {
      const startedAt = Date.now();
      const { code, stderr, entries, spawnError, cutShort } = await this.once();
      if (this.stopped) return;
      const why = stderr.trim().split("\n")[0] || "no message";
      const bin = this.opts.journalctl ?? "journalctl";
      const failed = new Error(spawnError ? `cannot run ${bin} (the systemd backend needs it): ${spawnError}` : `${bin} exited with code ${code}: ${why}`);
      if (this.opts.follow === false) {
        // one pass over what is there (f2b regex): done, or say why not
        if (spawnError || code !== 0) this.deps.onError("journal", failed);
        else if (cutShort) this.deps.onError("journal", new Error(`${bin}'s output ended inside an entry`));
        return;
      }
      this.deps.onError("journal", failed);
      if (/cursor/i.test(stderr) && entries === 0 && this.cursor) {
        // The saved cursor is gone (journal vacuumed/rotated): fall back to time.
        this.deps.log.warning("journal: saved journal cursor is no longer valid; continuing by time");
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

  /** The first entry `argv` prints (a one-shot journalctl; killed after its first line), or null. */
  private async firstEntry(argv: string[]): Promise<JournalEntry | null> {
    let proc: SpawnedProcess;
    try {
      proc = (this.deps.spawn ?? bunSpawner)(argv);
    } catch {
      return null; // the follow run reports why journalctl cannot run
    }
    void new Response(proc.stderr).text().catch(() => "");
    const reader = proc.stdout.getReader();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done) break;
      text += Buffer.from(value).toString("utf8");
      if (text.includes("\n")) break;
    }
    proc.kill();
    await proc.exited;
    try {
      const e = JSON.parse(text.split("\n")[0] || "null") as JournalEntry | null;
      return e && typeof e["__CURSOR"] === "string" ? e : null;
    } catch {
      return null;
    }
  }

  /**
   * Where the first run starts, as fail2ban's reader: it seeks to now - findtime (a position, not
   * a filter: entries appended later with older dates are still read) and is not in operation up
   * to the newest matching entry there was at start. journalctl's --since would also filter.
   */
  private async startPosition(): Promise<void> {
    if (this.cursor) {
      const last = await this.firstEntry(lastEntryArgs(this.opts));
      const end = last?.["__CURSOR"] as string | undefined;
      if (end && end !== this.cursor) this.historyEnd = end;
      return;
    }
    const since = this.opts.since;
    if (since === null || since === undefined) return;
    const startedAt = this.now();
    const last = await this.firstEntry(lastEntryArgs(this.opts));
    if (!last) {
      // nothing matches yet: in operation from now on (by time, not journalctl's tail: entries
      // written before journalctl has found the end are not lost)
      this.startTime = startedAt;
      return;
    }
    const end = last["__CURSOR"] as string;
    if (Number(last["__REALTIME_TIMESTAMP"]) / 1e6 < since) {
      this.startAfter = end; // nothing recent to read back
      return;
    }
    const first = await this.firstEntry(firstEntryArgs(this.opts, since));
    this.startAt = (first?.["__CURSOR"] as string | undefined) ?? null;
    if (!this.startAt) this.startAfter = end;
    else this.historyEnd = end;
  }

  /** One journalctl run: returns when it exits. */
  private async once(): Promise<{ code: number; stderr: string; entries: number; spawnError?: string; cutShort?: boolean }> {
    const since = this.lastTime ?? this.startTime ?? this.opts.since ?? null;
    const spawn = this.deps.spawn ?? bunSpawner;
    const argv = this.cursor
      ? journalctlArgs(this.opts, this.cursor, null)
      : this.startAt
        ? journalctlArgs(this.opts, this.startAt, null, true)
        : this.startAfter
          ? journalctlArgs(this.opts, this.startAfter, null)
          : journalctlArgs(this.opts, null, since);
    let proc: SpawnedProcess;
    try {
      proc = spawn(argv);
    } catch (err) {
      return { code: -1, stderr: "", entries: 0, spawnError: err instanceof Error ? err.message : String(err) };
    }
    this.proc = proc;
    const stderrText = new Response(proc.stderr).text();
    const parser = new ExportParser(prefixedLog(this.deps.log, "journal: "));
    let entries = 0;
    const reader = proc.stdout.getReader();
    let pending = reader.read().catch(() => ({ done: true as const, value: undefined }));
    for (;;) {
      const quiet = this.historyEnd === null ? null : this.quiet();
      const got = quiet ? await Promise.race([pending, quiet.promise]) : await pending;
      quiet?.cancel(); // one timer at a time, not one left pending per chunk of a long backlog
      if (got === "quiet") {
        this.inOperation(); // nothing more to read: the backlog is done (fail2ban: get_next() is None)
        continue;
      }
      const { done, value } = got;
      if (done || this.stopped) break;
      pending = reader.read().catch(() => ({ done: true as const, value: undefined }));
      const out: LogLine[] = [];
      for (const e of parser.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) out.push(this.toLine(e));
      entries += out.length;
      // Backpressure: stdout is not read meanwhile, so journalctl blocks on the full pipe.
      if (out.length > 0) await this.deliver(out);
    }
    if (this.stopped) proc.kill();
    const code = await proc.exited;
    this.proc = null;
    return { code, stderr: await stderrText, entries, cutShort: parser.incomplete() };
  }

  private toLine(entry: JournalEntry): LogLine {
    const f = formatEntry(entry, this.enc);
    if (f.cursor) this.cursor = f.cursor;
    this.lastTime = f.time;
    const line: LogLine = { source: "journal", text: f.text, pos: 0, time: f.time, ...(f.cursor ? { cursor: f.cursor } : {}) };
    if (this.historyEnd !== null) {
      // fail2ban's switch to operation mode: an entry of about now, or the newest one at start
      if (f.time >= this.now() - 1) this.inOperation();
      else {
        line.history = true;
        if (f.cursor === this.historyEnd) this.inOperation();
      }
    }
    return line;
  }

  private inOperation(): void {
    this.historyEnd = null;
    this.deps.log.info("Jail is in operation now (process new journal entries)");
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private quiet(): { promise: Promise<"quiet">; cancel(): void } {
    let timer!: ReturnType<typeof setTimeout>;
    const promise = new Promise<"quiet">((r) => {
      timer = setTimeout(() => r("quiet"), this.opts.catchUpMs ?? 1000);
    });
    return { promise, cancel: () => clearTimeout(timer) };
  }

  private async deliver(lines: LogLine[]): Promise<void> {
    try {
      await this.deps.onLines(lines);
    } catch (err) {
      this.deps.onError("journal", err instanceof Error ? err : new Error(String(err)));
    }
  }
}
