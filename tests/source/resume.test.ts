import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { appendFileSync, statSync, writeFileSync } from "node:fs";
import { Collector, tailer, tempDir } from "./helpers.ts";
import type { FilePosition } from "../../src/source/types.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Runs a tailer until its start() delivered the current content, then stops it like a restart. */
async function session(path: string, start: "head" | "tail", positions?: FilePosition[]) {
  const c = new Collector();
  const t = tailer("inotify", c, { patterns: [path], start, positions });
  await t.start();
  await t.stop();
  const pos = t.positions(); // what a daemon persists on shutdown
  return { texts: c.texts(), pos, warnings: c.warnings };
}

test("resume from saved positions: no line re-read, none skipped, partial line kept for later", async () => {
  const f = tmp.path("resume.log");
  writeFileSync(f, "l1\nl2\nl3-part");
  const s1 = await session(f, "head");
  expect(s1.texts).toEqual(["l1", "l2"]);
  expect(s1.pos).toEqual([{ path: f, inode: statSync(f).ino, firstLineHash: createHash("md5").update("l1\n").digest("hex"), pos: 6 }]);
  appendFileSync(f, "ial\nl4\n"); // written while "down"
  const s2 = await session(f, "head", s1.pos);
  expect(s2.texts).toEqual(["l3-partial", "l4"]);
  // A saved position wins over tail mode too: lines written during the downtime are not lost.
  appendFileSync(f, "l5\n");
  const s3 = await session(f, "tail", s2.pos);
  expect(s3.texts).toEqual(["l5"]);
  expect(s3.pos[0]!.pos).toBe(statSync(f).size);
});

test("first line changed while down: the file was replaced, read it from 0", async () => {
  const f = tmp.path("replaced.log");
  writeFileSync(f, "old first\nold second\n");
  const s1 = await session(f, "head");
  writeFileSync(f, "new first line\nnew second\nnew third\n"); // longer than the saved position
  const s2 = await session(f, "head", s1.pos);
  expect(s2.texts).toEqual(["new first line", "new second", "new third"]);
  expect(s2.warnings.join("\n")).toContain("first line differs");
});

test("file shorter than the saved position: read from 0", async () => {
  const f = tmp.path("short.log");
  writeFileSync(f, "same\nlong line number two\n");
  const s1 = await session(f, "head");
  writeFileSync(f, "same\nx\n");
  const s2 = await session(f, "head", s1.pos);
  expect(s2.texts).toEqual(["same", "x"]);
});

test('fail2ban-compatible hash: md5 of the first line with its newline, "" while incomplete', async () => {
  const f = tmp.path("hash.log");
  writeFileSync(f, "no newline yet");
  const s1 = await session(f, "head");
  expect(s1.pos[0]!.firstLineHash).toBe("");
  expect(s1.pos[0]!.pos).toBe(0);
  const oracle = Bun.spawnSync(["/usr/bin/python3", "-c", "import hashlib,sys; print(hashlib.md5(b'first\\n').hexdigest())"]);
  writeFileSync(f, "first\nsecond\n");
  const s2 = await session(f, "head");
  const expected = oracle.exitCode === 0 ? oracle.stdout.toString().trim() : createHash("md5").update("first\n").digest("hex");
  expect(s2.pos[0]!.firstLineHash).toBe(expected);
});
