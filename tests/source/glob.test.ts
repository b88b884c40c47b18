import { afterAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { expandPattern, matchesPattern, parsePattern } from "../../src/source/glob.ts";
import { Collector, tailer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("globs match like Python's glob: *, ?, [..], no hidden files, files only, sorted", () => {
  for (const n of ["b.log", "a.log", ".hidden.log", "c1.txt", "c2.txt"]) writeFileSync(tmp.path(n), "");
  mkdirSync(tmp.path("d.log"));
  expect(expandPattern(parsePattern(tmp.path("*.log")))).toEqual([tmp.path("a.log"), tmp.path("b.log")]);
  expect(expandPattern(parsePattern(tmp.path("c?.txt")))).toEqual([tmp.path("c1.txt"), tmp.path("c2.txt")]);
  expect(expandPattern(parsePattern(tmp.path("c[2].txt")))).toEqual([tmp.path("c2.txt")]);
  expect(expandPattern(parsePattern(tmp.path("nodir/*.log")))).toEqual([]);
  const p = parsePattern(tmp.path("*.log"));
  expect(p.watchDir).toBe(tmp.dir);
  expect(matchesPattern(p, tmp.path("x.log"))).toBe(true);
  expect(matchesPattern(p, tmp.path("sub/x.log"))).toBe(false);
  expect(parsePattern(tmp.path("*/x.log")).watchDir).toBeNull();
});

test("a glob with magic in a directory part finds new directories through the periodic check", async () => {
  const c = new Collector();
  const t = tailer("inotify", c, { patterns: [tmp.path("sites/*/access.log")] });
  await t.start();
  mkdirSync(tmp.path("sites/one"), { recursive: true });
  writeFileSync(tmp.path("sites/one/access.log"), "hit\n");
  await c.waitLines(1);
  await t.stop();
  expect(c.lines[0]!.source).toBe(tmp.path("sites/one/access.log"));
});
