// The filter worker: one jail's Filter on its own thread. It processes ranges of lines in the
// order they arrive and answers each with the failures found and the filter's state after it;
// progress (which line, which regex) goes to shared memory for the main thread's watchdog.
/// <reference lib="webworker" />
import { TimeZone } from "../filter/date/tz.ts";
import { Filter, type FilterFailure } from "../filter/filter.ts";
import { linearForExponential, PROBE_SLOT } from "../filter/filter-probe.ts";
import { createSystemDeps } from "../system/deps.ts";
import { discardLog, logFrom } from "../system/log.ts";
import type { ExponentialRegex } from "../filter/backtrack-check.ts";
import { readlinkSync } from "node:fs";
import { PROGRESS_LINE, PROGRESS_RANGE, PROGRESS_TID, type InitMessage, type RangeMessage, type RangeResult, type ToWorker } from "./protocol.ts";

declare const self: Worker;

let filter: Filter | null = null;
let progress: Int32Array<ArrayBufferLike> = new Int32Array(3);
let now = 0;
let warnings: string[] = [];
let linear: ExponentialRegex[] = [];

function init(m: InitMessage): void {
  progress = new Int32Array(m.progress);
  // the watchdog reads this thread's CPU time from /proc/self/task/TID/stat
  try {
    progress[PROGRESS_TID] = Number(readlinkSync("/proc/thread-self").split("/").pop()) || 0;
  } catch {
    progress[PROGRESS_TID] = 0;
  }
  // the filter's usedns lookups: the same getent resolver as the daemon's (own cache per thread)
  const { resolver } = createSystemDeps({ logger: () => discardLog });
  filter = new Filter(m.def, { now: () => now, tz: TimeZone.fromEnv(m.tz), dns: resolver, log: logFrom((_level, w) => warnings.push(w)) }, m.opts);
  // the probe slot lives in the shared progress array (the same index by construction)
  filter.probe = progress;
  if (m.state) filter.restore(m.state);
  linear = linearForExponential(filter, m.linear ?? undefined);
  // said once per jail, by the worker that ran the check
  if (m.linear === null) {
    for (const x of linear)
      warnings.push(`${x.kind} ${x.number} can backtrack exponentially (the repeat ${x.loop.slice(0, 120)}); it runs on the linear-time engine`);
  }
}

function range(m: RangeMessage): RangeResult {
  const f = filter!;
  now = m.now;
  const hits: [number, FilterFailure[]][] = [];
  const errors: [number, string][] = [];
  if (m.linear && !f.linearSupported()) {
    const said = warnings;
    warnings = [];
    return { type: "result", id: m.id, hits, errors, warnings: said, state: f.snapshot(), undecided: true, linear };
  }
  f.linear = m.linear;
  Atomics.store(progress, PROGRESS_RANGE, m.id);
  for (let i = 0; i < m.texts.length; i++) {
    progress[PROGRESS_LINE] = i;
    const time = m.times[i];
    f.inOperation = !m.history[i];
    try {
      const found = f.processLine(m.texts[i]!, time !== undefined ? { time } : undefined);
      if (found.length) hits.push([i, found]);
    } catch (e) {
      errors.push([i, (e as Error).message]);
    }
  }
  f.linear = false;
  progress[PROBE_SLOT] = 0;
  Atomics.store(progress, PROGRESS_RANGE, 0);
  const said = warnings;
  warnings = [];
  return { type: "result", id: m.id, hits, errors, warnings: said, state: f.snapshot(), undecided: false, linear };
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "init") init(m);
  else self.postMessage(range(m));
};
