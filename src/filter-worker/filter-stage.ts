// A jail's filter stage on the main thread: hands its lines to the jail's filter worker in
// batches, in order, and answers each process() call with one result per line. A watchdog
// abandons a line that runs over the line budget: the worker is terminated and restarted from
// the filter state after the last completed range, the lines before the stuck one are sent
// again, the stuck line is decided on the linear-time engine (src/filter/pike.ts) when the
// filter's regexes allow it, and the jail moves on with the next line.
import type { Log } from "../system/log.ts";
import type { FilterDefinition } from "../config/filter-reader.ts";
import { TimeZone } from "../filter/date/tz.ts";
import type { ExponentialRegex } from "../filter/backtrack-check.ts";
import { Filter, type FilterFailure, type FilterState } from "../filter/filter.ts";
import { linearForExponential, PROBE_SLOT } from "../filter/filter-probe.ts";
import type { LogLine } from "../source/types.ts";
import type { Resolver } from "../system/resolver.ts";
import { readFileSync } from "node:fs";
import { PROGRESS_LENGTH, PROGRESS_LINE, PROGRESS_RANGE, PROGRESS_TID, type RangeResult, type ToWorker, type WorkerFilterOptions } from "./protocol.ts";

export interface LineResult {
  failures: readonly FilterFailure[];
  /** The filter threw on the line (logged by the caller). */
  error?: string;
  /** The line ran over the budget and was abandoned (already logged and counted). */
  abandoned?: true;
}

export interface AbandonedLine {
  line: LogLine;
  /** Probe slot of the step that was running (probeName in filter-probe.ts turns it into a regex). */
  slot: number;
  budgetMs: number;
  /** What the linear-time engine made of it. */
  outcome: { decided: true; failures: readonly FilterFailure[] } | { decided: false; why: string };
}

export interface FilterStageOptions {
  def: FilterDefinition;
  opts: WorkerFilterOptions;
  /** The daemon's TZ (the worker builds the same TimeZone). */
  tz: string | undefined;
  budgetMs: number;
  /** The daemon clock (epoch seconds): the filter's "now" for each batch. */
  now: () => number;
  /** The daemon's resolver, for matching on the main thread when workers cannot run. */
  dns: Resolver;
  /** The jail's filter log ("[name] " prefixed): the filter's warnings, the worker's failures. */
  log: Log;
  onAbandoned: (a: AbandonedLine) => void;
  /** The worker's code (tests give a broken one). */
  workerUrl?: URL;
  /** How long the worker may sit idle before it is stopped (WORKER_IDLE_MS; tests give a short one). */
  idleMs?: number;
}

const NO_FAILURES: LineResult = Object.freeze({ failures: Object.freeze([]) as readonly FilterFailure[] });
const ABANDONED: LineResult = Object.freeze({ failures: NO_FAILURES.failures, abandoned: true as const });
/** Large enough that message overhead vanishes under load, small enough to keep replays cheap. */
const MAX_BATCH = 4096;
/** Worker failures in a row (no range completed in between) before matching moves to the main thread. */
const MAX_CRASHES = 3;
/** Budget of the linear-time retry, in line budgets: it is linear, but in a 64 KiB line. */
const LINEAR_BUDGETS = 20;
/**
 * A worker with nothing to do for this long is stopped (~12 MiB each) and started again, from the
 * filter state after the last range, by the next batch. A restart costs ~0.15–0.4 s of CPU, so a
 * jail whose lines come more often than once a minute keeps its worker, and one that sees a line
 * now and then pays at most one restart a minute (< 1 % of a core).
 */
const WORKER_IDLE_MS = 60_000;

interface Part {
  lines: LogLine[];
  resolve: (r: LineResult[]) => void;
}
/** `linear`: the one abandoned line at `from`, retried on the linear engine; `slot` of its abandon. */
interface Range {
  from: number;
  to: number;
  linear?: { slot: number };
}
interface Batch {
  parts: Part[];
  lines: LogLine[];
  results: LineResult[];
  ranges: Range[];
}

/**
 * Where the worker's code is: next to this file in the source tree; in the compiled binary,
 * scripts/build.ts bundles it as a second entry point, stored under its path below src/.
 */
const WORKER_URL = import.meta.url.includes("/$bunfs/") ? new URL("./filter-worker/worker.js", import.meta.url) : new URL("./worker.ts", import.meta.url);

export class FilterStage {
  private worker: Worker | null = null;
  private readonly progress = new Int32Array(new SharedArrayBuffer(PROGRESS_LENGTH * 4));
  private state: FilterState | null = null;
  /** What the first worker's static check switched to the linear engine (null: not known yet). */
  private linear: ExponentialRegex[] | null = null;
  private pending: Part[] = [];
  private batch: Batch | null = null;
  private rangeId = 0;
  private sent: ({ id: number } & Range) | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private stuck = { range: 0, line: -1, since: 0, cpu: 0 };
  private stopped = false;
  private abandons = 0;
  private spare: Worker | null = null;
  private crashes = 0;
  /** Set when workers keep failing: the jail's lines are matched here, on the main thread. */
  private local: Filter | null = null;
  /** performance.now() when the last batch finished; the idle timer compares against it. */
  private idleSince = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly o: FilterStageOptions) {}

  /** A worker thread is up (false before the first batch, after an idle stop, on the main-thread fallback). */
  get hasWorker(): boolean {
    return this.worker !== null;
  }

  /** Failures per line, in the order given; calls are answered in call order. */
  process(lines: LogLine[]): Promise<LineResult[]> {
    if (this.stopped || lines.length === 0) return Promise.resolve(lines.map(() => NO_FAILURES));
    if (this.local && !this.batch) return Promise.resolve(this.matchHere(lines));
    return new Promise((resolve) => {
      this.pending.push({ lines, resolve });
      if (!this.batch) this.next();
    });
  }

  /** Ends the worker; calls still waiting are answered with no failures. */
  stop(): void {
    this.stopped = true;
    this.stopWatchdog();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.worker?.terminate();
    this.worker = null;
    this.spare?.terminate();
    this.spare = null;
    for (const p of [...(this.batch?.parts ?? []), ...this.pending]) p.resolve(p.lines.map(() => NO_FAILURES));
    this.batch = null;
    this.pending = [];
  }

  private start(): Worker {
    const w = this.spare ?? this.spawn();
    this.spare = null;
    // a jail that had to abandon a line keeps a loaded worker ready for the next time: the
    // thread and its modules are the slow part of a restart
    if (this.abandons > 0 && !this.stopped) this.spare = this.spawn();
    const init: ToWorker = {
      type: "init",
      def: this.o.def,
      opts: this.o.opts,
      tz: this.o.tz,
      progress: this.progress.buffer as SharedArrayBuffer,
      state: this.state,
      linear: this.linear,
    };
    w.postMessage(init);
    this.worker = w;
    return w;
  }

  /** A new worker thread, loaded but not initialised (the init message makes it a jail's filter). */
  private spawn(): Worker {
    const w = new Worker(this.o.workerUrl ?? WORKER_URL);
    w.unref();
    w.onmessage = (ev: MessageEvent<RangeResult>) => this.onResult(w, ev.data);
    w.onerror = (ev) => {
      if (w === this.spare)
        this.spare = null; // a spare that failed to load is simply dropped
      else this.onCrash(w, ev.message);
    };
    return w;
  }

  /** Takes the waiting calls (up to MAX_BATCH lines, whole calls) as the next batch. */
  private next(): void {
    if (this.pending.length === 0) {
      this.batch = null;
      this.stopWatchdog();
      this.idleSince = performance.now();
      // armed once, not per batch: when it fires during a busy spell it re-arms for the rest
      if (this.worker && !this.idleTimer) this.armIdle(this.idleMs);
      return;
    }
    const parts: Part[] = [];
    let n = 0;
    while (this.pending.length && (parts.length === 0 || n + this.pending[0]!.lines.length <= MAX_BATCH)) {
      const p = this.pending.shift()!;
      parts.push(p);
      n += p.lines.length;
    }
    const lines = parts.length === 1 ? parts[0]!.lines : parts.flatMap((p) => p.lines);
    this.batch = { parts, lines, results: new Array<LineResult>(lines.length).fill(NO_FAILURES), ranges: [{ from: 0, to: lines.length }] };
    this.sendRange();
  }

  private sendRange(): void {
    const b = this.batch!;
    const r = b.ranges.shift();
    if (!r) {
      this.finish(b);
      return;
    }
    const { from, to } = r;
    if (from >= to) {
      this.sendRange();
      return;
    }
    if (this.local) {
      if (r.linear)
        this.o.onAbandoned({
          line: b.lines[from]!,
          slot: r.linear.slot,
          budgetMs: this.o.budgetMs,
          outcome: { decided: false, why: "the filter worker failed" },
        });
      else
        this.matchHere(b.lines.slice(from, to)).forEach((res, i) => {
          b.results[from + i] = res;
        });
      this.sendRange();
      return;
    }
    const id = ++this.rangeId;
    const texts = new Array<string>(to - from);
    const times = new Array<number | undefined>(to - from);
    const history = new Array<boolean>(to - from);
    for (let i = from; i < to; i++) {
      texts[i - from] = b.lines[i]!.text;
      times[i - from] = b.lines[i]!.time;
      history[i - from] = b.lines[i]!.history === true;
    }
    this.sent = { id, ...r };
    const msg: ToWorker = { type: "range", id, now: this.o.now(), texts, times, history, linear: r.linear !== undefined };
    (this.worker ?? this.start()).postMessage(msg);
    this.startWatchdog();
  }

  private onResult(w: Worker, r: RangeResult): void {
    if (w !== this.worker || !this.sent || r.id !== this.sent.id) return; // a terminated worker's late answer
    const b = this.batch!;
    const { from, linear } = this.sent;
    this.sent = null;
    this.crashes = 0;
    this.state = r.state;
    this.linear = r.linear;
    for (const [i, failures] of r.hits) b.results[from + i] = { failures, ...(linear ? { abandoned: true as const } : {}) };
    for (const [i, error] of r.errors) b.results[from + i] = { failures: [], error };
    for (const w of r.warnings) this.o.log.warning(w);
    if (linear) {
      const outcome = r.undecided
        ? { decided: false as const, why: "a regex of the filter has no linear-time form (backreference, conditional, atomic group or wide lookbehind)" }
        : { decided: true as const, failures: b.results[from]!.failures };
      this.o.onAbandoned({ line: b.lines[from]!, slot: linear.slot, budgetMs: this.o.budgetMs, outcome });
    }
    this.sendRange();
  }

  private finish(b: Batch): void {
    let at = 0;
    for (const p of b.parts) {
      p.resolve(b.parts.length === 1 ? b.results : b.results.slice(at, at + p.lines.length));
      at += p.lines.length;
    }
    this.next();
  }

  private get idleMs(): number {
    return this.o.idleMs ?? WORKER_IDLE_MS;
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => this.onIdle(), ms);
    this.idleTimer.unref?.();
  }

  /** Stops a worker that has been idle for idleMs; the next batch starts one from `state`. */
  private onIdle(): void {
    this.idleTimer = null;
    // busy now: the end of this batch arms the timer again
    if (this.stopped || this.batch || !this.worker) return;
    const left = this.idleSince + this.idleMs - performance.now();
    if (left > 0) {
      this.armIdle(left);
      return;
    }
    this.worker.terminate();
    this.worker = null;
    this.spare?.terminate();
    this.spare = null;
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    // a quarter of the budget: a line is abandoned between 1 and 1.25 budgets after it started
    this.watchdog = setInterval(() => this.check(), Math.max(5, this.o.budgetMs / 4));
    this.watchdog.unref?.();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private check(): void {
    const range = Atomics.load(this.progress, PROGRESS_RANGE);
    const line = this.progress[PROGRESS_LINE]!;
    const t = performance.now();
    if (!this.sent || range !== this.sent.id) {
      this.stuck = { range: 0, line: -1, since: t, cpu: 0 };
      return;
    }
    const tid = this.progress[PROGRESS_TID]!;
    if (range !== this.stuck.range || line !== this.stuck.line) {
      this.stuck = { range, line, since: t, cpu: threadCpuMs(tid) };
      return;
    }
    const budget = this.o.budgetMs * (this.sent.linear ? LINEAR_BUDGETS : 1);
    if (t - this.stuck.since < budget) return;
    // a starved machine (or a GC pause) is not the line's fault: the worker's own CPU time must
    // have reached the budget too (10 ms clock ticks), when the kernel tells it
    const cpu = threadCpuMs(tid);
    if (!Number.isNaN(cpu) && !Number.isNaN(this.stuck.cpu) && cpu - this.stuck.cpu + 10 < budget) return;
    this.abandon(line, this.progress[PROBE_SLOT]!);
  }

  /** Terminates the worker stuck on line `index` of the range in flight and goes on without it. */
  private abandon(index: number, slot: number): void {
    const b = this.batch!;
    const { from, to, linear } = this.sent!;
    const k = from + index;
    this.abandons++;
    this.worker?.terminate();
    this.worker = null;
    this.sent = null;
    this.stuck = { range: 0, line: -1, since: 0, cpu: 0 };
    Atomics.store(this.progress, PROGRESS_RANGE, 0);
    b.results[k] = ABANDONED;
    if (linear) {
      const why = `the linear-time engine took longer than ${LINEAR_BUDGETS} line budgets too`;
      this.o.onAbandoned({ line: b.lines[k]!, slot: linear.slot, budgetMs: this.o.budgetMs, outcome: { decided: false, why } });
    } else {
      // the lines before it are processed again from the state before the range (same
      // results); the line itself once more on the linear-time engine; then the rest
      b.ranges.unshift({ from, to: k }, { from: k, to: k + 1, linear: { slot } }, { from: k + 1, to });
    }
    this.sendRange();
  }

  private onCrash(w: Worker, message: string): void {
    if (w !== this.worker || !this.sent) return;
    this.o.log.warning(`filter worker failed: ${message}`);
    const started = Atomics.load(this.progress, PROGRESS_RANGE) === this.sent.id;
    if (++this.crashes >= MAX_CRASHES) {
      this.o.log.error(
        `filter worker failed ${this.crashes} times in a row (${message}); matching this jail's lines on the main thread, without a line budget`,
      );
      this.local = new Filter(this.o.def, { now: this.o.now, tz: TimeZone.fromEnv(this.o.tz), dns: this.o.dns, log: this.o.log }, this.o.opts);
      if (this.state) this.local.restore(this.state);
      linearForExponential(this.local, this.linear ?? undefined);
      this.worker?.terminate();
      this.worker = null;
      this.stopWatchdog();
      const { id: _id, ...range } = this.sent;
      this.sent = null;
      this.batch!.ranges.unshift(range);
      this.sendRange();
      return;
    }
    // a worker that died before it began the range (e.g. while loading) has no line to blame
    if (!started) {
      this.worker?.terminate();
      this.worker = null;
      const { id: _id, ...range } = this.sent;
      this.sent = null;
      this.batch!.ranges.unshift(range);
      this.sendRange();
      return;
    }
    this.abandon(this.progress[PROGRESS_LINE]!, this.progress[PROBE_SLOT]!);
  }

  /** The main-thread fallback: the same Filter, in the same order. */
  private matchHere(lines: LogLine[]): LineResult[] {
    const f = this.local!;
    return lines.map((line) => {
      try {
        // fail2ban's inOperation: history lines older than findtime are dropped, not timed now
        f.inOperation = line.history !== true;
        const failures = f.processLine(line.text, line.time !== undefined ? { time: line.time } : undefined);
        return failures.length ? { failures } : NO_FAILURES;
      } catch (e) {
        return { failures: [], error: (e as Error).message };
      }
    });
  }
}

/** CPU time (user + system) of a thread of this process in ms, from /proc; NaN when unknown. */
function threadCpuMs(tid: number): number {
  if (tid <= 0) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "latin1");
    // fields after the parenthesised command name: state is the 3rd field, utime the 14th
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100 on Linux
  } catch {
    return Number.NaN;
  }
}
