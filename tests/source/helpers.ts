/** Shared test helpers: temp dirs, a line collector and a bounded wait. */
import { systemClock } from "../../src/system/clock.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { logFrom } from "../../src/system/log.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTailer, type FileTailerOptions } from "../../src/source/file-tailer.ts";
import type { LogLine } from "../../src/source/types.ts";

export function tempDir(): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "f2b-source-"));
  return { dir, path: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `cond` every 5 ms; throws with `what` after `ms` so a failing test says what it waited for. */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(5);
  }
}

export class Collector {
  lines: LogLine[] = [];
  batches = 0;
  errors: string[] = [];
  warnings: string[] = [];
  infos: string[] = [];
  deps = {
    clock: systemClock,
    onLines: (l: LogLine[]) => {
      this.batches++;
      this.lines.push(...l);
    },
    onError: (p: string, e: Error) => {
      this.errors.push(`${p}: ${e.message}`);
    },
    // the source writes "<path>: <message>" warnings and INFO progress lines
    log: logFrom((level, m) => {
      if (level === 30) this.warnings.push(m);
      else if (level === 20) this.infos.push(m);
    }),
  };
  texts(): string[] {
    return this.lines.map((l) => l.text);
  }
  waitLines(n: number, what = `${n} lines`): Promise<void> {
    return waitFor(() => this.lines.length >= n, `${what} (have ${this.lines.length}: ${JSON.stringify(this.texts().slice(-5))})`);
  }
}

export type Mode = "inotify" | "polling";
export const MODES: Mode[] = ["inotify", "polling"];

/** A tailer with short intervals for tests; the caller stops it. */
export function tailer(mode: Mode, c: Collector, opts: Partial<FileTailerOptions> & { patterns: string[] }): FileTailer {
  return new FileTailer({ start: "head", encoding: "utf-8", pollMs: 20, usePolling: mode === "polling", ...opts }, c.deps);
}
