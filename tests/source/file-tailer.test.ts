import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, mkdirSync, readlinkSync, renameSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { Collector, MODES, tailer, tempDir, waitFor } from "./helpers.ts";
import type { FileTailer } from "../../src/source/file-tailer.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function setup(): { tmp: ReturnType<typeof tempDir>; c: Collector; run(t: FileTailer): Promise<FileTailer> } {
  const tmp = tempDir();
  const c = new Collector();
  cleanups.push(() => tmp.cleanup());
  return {
    tmp,
    c,
    run: async (t) => {
      cleanups.push(() => t.stop());
      await t.start();
      return t;
    },
  };
}

describe.each(MODES)("FileTailer (%s)", (mode) => {
  test("head: reads existing lines, holds a partial line until its newline, tracks byte positions", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("a.log");
    writeFileSync(f, "one\ntwo\r\npart");
    await run(tailer(mode, c, { patterns: [f] }));
    expect(c.texts()).toEqual(["one", "two"]);
    expect(c.lines.map((l) => l.pos)).toEqual([4, 9]);
    expect(c.lines[0]!.source).toBe(f);
    appendFileSync(f, "ial");
    appendFileSync(f, " line\nthree\n");
    await c.waitLines(4);
    expect(c.texts()).toEqual(["one", "two", "partial line", "three"]);
    expect(c.lines.map((l) => l.pos)).toEqual([4, 9, 22, 28]);
    expect(c.errors).toEqual([]);
  });

  test("tail: skips old content but keeps the line being written", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("a.log");
    writeFileSync(f, "old1\nold2\nbeing wri");
    const t = await run(tailer(mode, c, { patterns: [f], start: "tail" }));
    expect(t.positions()[0]!.pos).toBe(10);
    appendFileSync(f, "tten\nnew\n");
    await c.waitLines(2);
    expect(c.texts()).toEqual(["being written", "new"]);
  });

  test("rename rotation: old file read to its end (also after the switch), then the new one from 0", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("a.log");
    writeFileSync(f, "a1\n");
    await run(tailer(mode, c, { patterns: [f] }));
    await c.waitLines(1);
    renameSync(f, f + ".1");
    appendFileSync(f + ".1", "a2-after-rename\n");
    writeFileSync(f, "b1\n");
    appendFileSync(f, "b2\n");
    await c.waitLines(3, "new file's lines");
    appendFileSync(f + ".1", "a3-late\n");
    await c.waitLines(5, "late line of the rotated file");
    const t = c.texts();
    // Everything the old file got before the switch comes before the new file's lines.
    expect(t.slice(0, 2)).toEqual(["a1", "a2-after-rename"]);
    expect([...t].sort()).toEqual(["a1", "a2-after-rename", "a3-late", "b1", "b2"]);
    expect(t.filter((x) => x.startsWith("b"))).toEqual(["b1", "b2"]);
    await Bun.sleep(50);
    expect(c.lines.length).toBe(5);
    expect(c.errors).toEqual([]);
  });

  test("copytruncate: restarts at 0 and never re-delivers the old lines", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("a.log");
    writeFileSync(f, "first-1\nfirst-2\n");
    await run(tailer(mode, c, { patterns: [f] }));
    copyFileSync(f, f + ".1");
    truncateSync(f, 0);
    await Bun.sleep(60);
    appendFileSync(f, "second-1\n");
    await c.waitLines(3);
    // Truncated and regrown past the old position before we look: the first-line hash tells.
    copyFileSync(f, f + ".2");
    truncateSync(f, 0);
    appendFileSync(f, "third-1 is a longer line than before\nthird-2\n");
    await c.waitLines(5);
    await Bun.sleep(80);
    expect(c.texts()).toEqual(["first-1", "first-2", "second-1", "third-1 is a longer line than before", "third-2"]);
    expect(c.warnings.some((w) => /truncated|first line changed/.test(w))).toBe(true);
  });

  test("delete and re-create", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("a.log");
    writeFileSync(f, "x1\n");
    const t = await run(tailer(mode, c, { patterns: [f] }));
    await c.waitLines(1);
    unlinkSync(f);
    await waitFor(() => t.positions().length === 0, "the deleted file to be let go");
    writeFileSync(f, "y1\ny2\n");
    await c.waitLines(3);
    expect(c.texts()).toEqual(["x1", "y1", "y2"]);
    expect(t.files()).toEqual([f]);
  });

  test("file (and directory) missing at start: one warning, then read from 0 when created", async () => {
    const { tmp, c, run } = setup();
    const f = tmp.path("later/a.log");
    const t = await run(tailer(mode, c, { patterns: [f], start: "tail" }));
    expect(t.files()).toEqual([f]);
    await Bun.sleep(100);
    expect(c.errors).toEqual([]);
    expect(c.warnings.length).toBe(1);
    expect(c.warnings[0]).toContain("does not exist");
    mkdirSync(tmp.path("later"));
    writeFileSync(f, "hello\nworld\n");
    await c.waitLines(2);
    expect(c.texts()).toEqual(["hello", "world"]);
    expect(c.errors).toEqual([]);
  });

  test("glob picks up new files; a rotated name that also matches is not read twice", async () => {
    const { tmp, c, run } = setup();
    writeFileSync(tmp.path("app.log"), "app-1\n");
    writeFileSync(tmp.path("other.txt"), "ignored\n");
    const t = await run(tailer(mode, c, { patterns: [tmp.path("app*")] }));
    expect(c.texts()).toEqual(["app-1"]);
    writeFileSync(tmp.path("app-new.log"), "new-1\n");
    await c.waitLines(2);
    expect(t.files()).toEqual([tmp.path("app-new.log"), tmp.path("app.log")]);
    renameSync(tmp.path("app.log"), tmp.path("app.log.1"));
    appendFileSync(tmp.path("app.log.1"), "app-2\n");
    writeFileSync(tmp.path("app.log"), "app-fresh\n");
    await c.waitLines(4);
    await waitFor(() => t.files().includes(tmp.path("app.log.1")), "the rotated name to be matched");
    await Bun.sleep(80);
    expect([...c.texts()].sort()).toEqual(["app-1", "app-2", "app-fresh", "new-1"]);
    expect(c.errors).toEqual([]);
  });

  test("several paths, and stop() closes every descriptor", async () => {
    const { tmp, c, run } = setup();
    const fdsBefore = openFds();
    const paths = ["a", "b", "c"].map((n) => tmp.path(`${n}.log`));
    for (const p of paths) writeFileSync(p, `${p}\n`);
    const t = await run(tailer(mode, c, { patterns: paths }));
    expect(c.lines.length).toBe(3);
    expect(openFds()).toBeGreaterThanOrEqual(fdsBefore + 3);
    await t.stop();
    expect(openFds()).toBe(fdsBefore);
  });
});

function openFds(): number {
  return [...new Bun.Glob("*").scanSync({ cwd: "/proc/self/fd", onlyFiles: false })].length;
}

/** Descriptors of this process open on `path` (the runtime's own descriptors do not count). */
function fdsOn(path: string): number {
  let n = 0;
  for (const fd of new Bun.Glob("*").scanSync({ cwd: "/proc/self/fd", onlyFiles: false })) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

test("inotify mode reacts to writes without waiting for the periodic check", async () => {
  const { tmp, c, run } = setup();
  const f = tmp.path("a.log");
  writeFileSync(f, "");
  // A 100 s check interval: only inotify can deliver within the wait below.
  const t = await run(tailer("inotify", c, { patterns: [f], pollMs: 10_000 }));
  expect(t.watchedDirs()).toBe(1);
  appendFileSync(f, "fast\n");
  await c.waitLines(1);
  expect(c.texts()).toEqual(["fast"]);
});

test("polling mode uses no inotify watch", async () => {
  const { tmp, c, run } = setup();
  const f = tmp.path("a.log");
  writeFileSync(f, "");
  const t = await run(tailer("polling", c, { patterns: [f] }));
  expect(t.watchedDirs()).toBe(0);
  appendFileSync(f, "polled\n");
  await c.waitLines(1);
});

test("inotify: a log reached through a symlink into another directory, and rotated there", async () => {
  const { tmp, c, run } = setup();
  mkdirSync(tmp.path("real"));
  mkdirSync(tmp.path("links"));
  const real = tmp.path("real/app.log");
  writeFileSync(real, "r1\n");
  symlinkSync(real, tmp.path("links/app.log"));
  await run(tailer("inotify", c, { patterns: [tmp.path("links/app.log")], pollMs: 10_000 }));
  appendFileSync(real, "r2\n");
  await c.waitLines(2, "a write seen through the file watch");
  renameSync(real, real + ".1");
  appendFileSync(real + ".1", "r3-old\n");
  writeFileSync(real, "n1\n");
  await c.waitLines(4, "the rotation seen through the file watch");
  expect(c.texts()).toEqual(["r1", "r2", "r3-old", "n1"]);
});

test("inotify: a rotated file moved to another directory (olddir) is still read to its end", async () => {
  const { tmp, c, run } = setup();
  mkdirSync(tmp.path("old"));
  const f = tmp.path("a.log");
  writeFileSync(f, "a1\n");
  await run(tailer("inotify", c, { patterns: [f], pollMs: 10_000, rotateGraceMs: 5000 }));
  renameSync(f, tmp.path("old/a.log.1"));
  writeFileSync(f, "b1\n");
  await c.waitLines(2);
  appendFileSync(tmp.path("old/a.log.1"), "a2-late\n");
  await c.waitLines(3, "the late write in olddir");
  expect(c.texts()).toEqual(["a1", "b1", "a2-late"]);
});

test("a consumer that throws gets an error report and the tailer keeps going", async () => {
  const { tmp, c, run } = setup();
  const f = tmp.path("a.log");
  writeFileSync(f, "boom\n");
  const orig = c.deps.onLines;
  c.deps.onLines = (l) => {
    orig(l);
    if (l.some((x) => x.text === "boom")) throw new Error("consumer failed");
  };
  await run(tailer("inotify", c, { patterns: [f] }));
  appendFileSync(f, "fine\n");
  await c.waitLines(2);
  expect(c.errors).toEqual([`${f}: consumer failed`]);
});

test("a logpath that is a directory: one clear error, not one per check", async () => {
  const { tmp, c, run } = setup();
  mkdirSync(tmp.path("dir.log"));
  await run(tailer("polling", c, { patterns: [tmp.path("dir.log")] }));
  await Bun.sleep(120);
  expect(c.errors).toEqual([`${tmp.path("dir.log")}: is a directory, not a log file`]);
});

test("an unknown logencoding is refused when the tailer is built", () => {
  const c = new Collector();
  expect(() => tailer("polling", c, { patterns: ["/x"], encoding: "nope" })).toThrow('unknown logencoding "nope"');
});

test.each(MODES)("a rotated file is let go after the grace period; its unterminated last line is delivered (%s)", async (mode) => {
  const { tmp, c, run } = setup();
  const f = tmp.path("a.log");
  writeFileSync(f, "a1\na2-unterminated");
  await run(tailer(mode, c, { patterns: [f], rotateGraceMs: 100 }));
  renameSync(f, f + ".1");
  writeFileSync(f, "b1\n");
  await c.waitLines(2);
  expect(fdsOn(f + ".1")).toBe(1); // the old file is still open while it may grow
  expect(fdsOn(f)).toBe(1); // and the new one is read
  await c.waitLines(3, "the old file's last line after the grace period");
  expect(c.texts()).toEqual(["a1", "b1", "a2-unterminated"]);
  await waitFor(() => fdsOn(f + ".1") === 0, "the old descriptor to be closed");
  expect(fdsOn(f)).toBe(1);
});

test.each(MODES)("glob + copytruncate: the copy (same first line) is not read again; compressed files are skipped (%s)", async (mode) => {
  const { tmp, c, run } = setup();
  const f = tmp.path("app.log");
  writeFileSync(f, "c1\nc2\n");
  await run(tailer(mode, c, { patterns: [tmp.path("app*")] }));
  copyFileSync(f, f + ".1");
  appendFileSync(f + ".1", "c3-only-in-copy\n"); // written between copy and truncate
  truncateSync(f, 0);
  appendFileSync(f, "d1\n");
  writeFileSync(tmp.path("app.log.2.gz"), Bun.gzipSync(Buffer.from("gz1\ngz2\n")));
  await waitFor(() => c.warnings.some((w) => w.includes("compressed")), "the compressed file to be seen");
  await c.waitLines(4);
  await Bun.sleep(60);
  expect([...c.texts()].sort()).toEqual(["c1", "c2", "c3-only-in-copy", "d1"]);
});
