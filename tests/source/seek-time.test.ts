import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { Collector, tailer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const N = 200_000;
const T0 = 1_700_000_000;
const text = (i: number) => (i % 7 === 3 ? `continuation line ${i} without date` : `${T0 + i} host app: event ${i}`);
const lineTime = (s: string) => (/^\d{10} /.test(s) ? Number(s.slice(0, 10)) : null);

function write(name: string): string {
  const f = tmp.path(name);
  const parts: string[] = [];
  for (let i = 0; i < N; i++) parts.push(text(i));
  writeFileSync(f, parts.join("\n") + "\n");
  return f;
}

function eventIndex(s: string): number {
  return Number(/(\d+)(?: without date)?$/.exec(s)![1]);
}

test("head start skips lines older than `since` by bisection, losing no recent line", async () => {
  const f = write("seek.log");
  const c = new Collector();
  let probes = 0;
  const t = tailer("polling", c, {
    patterns: [f],
    seek: {
      since: T0 + 150_000,
      lineTime: (s) => {
        probes++;
        return lineTime(s);
      },
    },
  });
  await t.start();
  await t.stop();
  const first = eventIndex(c.texts()[0]!);
  console.log(`seek: first delivered line ${first} (target 150000), ${probes} date probes`);
  expect(first).toBeLessThanOrEqual(150_000);
  expect(first).toBeGreaterThan(150_000 - 5_000);
  expect(c.lines.length).toBe(N - first);
  expect(eventIndex(c.texts().at(-1)!)).toBe(N - 1);
  expect(probes).toBeLessThan(200);
});

test("nothing older than `since`: reads from the start; tail mode ignores the seek", async () => {
  const f = write("seek2.log");
  const c = new Collector();
  const t = tailer("polling", c, { patterns: [f], seek: { since: T0 - 10, lineTime } });
  await t.start();
  await t.stop();
  expect(c.lines.length).toBe(N);
  const c2 = new Collector();
  const t2 = tailer("polling", c2, { patterns: [f], start: "tail", seek: { since: T0 - 10, lineTime } });
  await t2.start();
  await t2.stop();
  expect(c2.lines.length).toBe(0);
});

test("lines without any date: the seek gives up and reads everything", async () => {
  const f = tmp.path("nodate.log");
  writeFileSync(f, "no date here\n".repeat(50_000));
  const c = new Collector();
  const t = tailer("polling", c, { patterns: [f], seek: { since: T0, lineTime } });
  await t.start();
  await t.stop();
  expect(c.lines.length).toBe(50_000);
});
