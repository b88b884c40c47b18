// A promise returned by onLines holds the source: the stream and the journal reader take no
// further chunk until it settles (journalctl then blocks on its full pipe), and every line still
// arrives, in order, afterwards. (The file tailer's pause is covered in tests/server/wave.test.ts.)
import { systemClock } from "../../src/system/clock.ts";
import { expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { JournalSource, type SpawnedProcess } from "../../src/source/journal.ts";
import { StreamSource } from "../../src/source/stream-source.ts";
import type { LogLine } from "../../src/source/types.ts";
import { until } from "../helpers/wait.ts";

/** A byte stream of `chunks` chunks of 10 lines each that counts how often it was pulled. */
function counted(chunks: number, line: (i: number) => string): { stream: ReadableStream<Uint8Array>; pulls: () => number } {
  let pulls = 0;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (pulls >= chunks) return c.close();
        const from = pulls++ * 10;
        c.enqueue(enc.encode(Array.from({ length: 10 }, (_, k) => line(from + k) + "\n").join("")));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls };
}

/** onLines that holds the source after the first batch until release() is called. */
function holder(): { onLines(l: LogLine[]): void | Promise<void>; lines: string[]; release(): void } {
  const lines: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  return {
    lines,
    release: () => release(),
    onLines(l) {
      const first = lines.length === 0;
      lines.push(...l.map((x) => x.text));
      return first ? gate : undefined;
    },
  };
}

test("stream source: no chunk is read while onLines holds it; all lines arrive after", async () => {
  const h = holder();
  const { stream, pulls } = counted(50, (i) => `line ${i}`);
  const src = new StreamSource(
    { input: stream, encoding: "utf-8" },
    {
      clock: systemClock,
      onLines: h.onLines,
      onError: (_s, e) => {
        throw e;
      },
      log: memoryLog(),
    },
  );
  await src.start();
  await until(() => h.lines.length > 0, "first batch");
  await Bun.sleep(100);
  expect(h.lines).toHaveLength(10);
  expect(pulls()).toBeLessThanOrEqual(2); // the one delivered and at most one read ahead by the stream itself
  h.release();
  await src.done();
  expect(h.lines).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}`));
});

test("journal source: journalctl's output is not read while onLines holds it; the cursor waits; all entries arrive after", async () => {
  const h = holder();
  // journalctl -o export: one "NAME=value" line per field, a blank line after each entry
  const entry = (i: number): string => `__CURSOR=c${i}\n__REALTIME_TIMESTAMP=${1_700_000_000_000_000 + i}\n_HOSTNAME=h\nSYSLOG_IDENTIFIER=t\nMESSAGE=m ${i}\n`;
  const { stream, pulls } = counted(50, entry);
  let exit!: (code: number) => void;
  const exited = new Promise<number>((r) => {
    exit = r;
  });
  const proc: SpawnedProcess = { stdout: stream, stderr: new ReadableStream({ start: (c) => c.close() }), exited, kill: () => exit(0) };
  const src = new JournalSource(
    { matches: [], start: "head" },
    { clock: systemClock, onLines: h.onLines, onError: () => {}, log: memoryLog(), spawn: () => proc },
  );
  await src.start();
  await until(() => h.lines.length > 0, "first batch");
  await Bun.sleep(100);
  expect(h.lines).toHaveLength(10);
  expect(pulls()).toBeLessThanOrEqual(2);
  expect(src.state()).toEqual({ kind: "journal", cursor: "c9" });
  h.release();
  await until(() => h.lines.length === 500, "all 500 entries");
  expect(h.lines.at(-1)).toBe("h t: m 499");
  expect(src.state()).toEqual({ kind: "journal", cursor: "c499" });
  await src.stop();
});
