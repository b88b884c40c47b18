import { afterAll, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { Collector, MODES, tailer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const N = 1_000_000;
const line = (i: number) => `Nov 22 10:00:00 host sshd[123]: Failed password for root from 10.0.${i & 255}.${i % 200} port 22 ssh2`;

let built: Buffer | null = null;
function bigData(): Buffer {
  if (!built) {
    const parts: string[] = [];
    for (let i = 0; i < N; i++) parts.push(line(i));
    built = Buffer.from(parts.join("\n") + "\n");
  }
  return built;
}

test.each(MODES)(
  "1,000,000 lines appended at once are all delivered in order (%s)",
  async (mode) => {
    const f = tmp.path(`big-${mode}.log`);
    writeFileSync(f, "");
    const data = bigData();

    let count = 0;
    let lastPos = 0;
    let ordered = true;
    let sample = "";
    const c = new Collector();
    c.deps.onLines = (lines) => {
      c.batches++;
      for (const l of lines) {
        if (l.pos <= lastPos) ordered = false;
        lastPos = l.pos;
        if (count === 123_456) sample = l.text;
        count++;
      }
    };
    const t = tailer(mode, c, { patterns: [f] });
    await t.start();
    appendFileSync(f, data);
    const t0 = performance.now(); // the append itself is not ours to measure
    const deadline = Date.now() + 60_000;
    while (count < N && Date.now() < deadline) await Bun.sleep(2);
    const ms = performance.now() - t0;
    await t.stop();
    console.log(
      `${mode}: ${count} lines (${(data.length / 1048576).toFixed(1)} MiB) in ${ms.toFixed(0)} ms = ` +
        `${Math.round(count / (ms / 1000)).toLocaleString("en")} lines/s, ${c.batches} batches`,
    );
    expect(count).toBe(N);
    expect(ordered).toBe(true);
    expect(lastPos).toBe(data.length);
    expect(sample).toBe(line(123_456));
  },
  90_000,
);
