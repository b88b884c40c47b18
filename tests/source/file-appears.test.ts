// Log files that do not exist (or are no log file) when the tailer starts: problems() says why,
// and a file appearing later is read from its start without a restart, in both modes.
import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Collector, MODES, tailer, tempDir, waitFor } from "./helpers.ts";
import type { FileTailer } from "../../src/source/file-tailer.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function started(t: FileTailer): Promise<FileTailer> {
  cleanups.push(() => t.stop());
  await t.start();
  return t;
}

function tmp(): ReturnType<typeof tempDir> {
  const d = tempDir();
  cleanups.push(() => d.cleanup());
  return d;
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

describe.each(MODES)("files that are not there at start (%s)", (mode) => {
  test("a missing file in an existing directory: problems() names it, then it is read from 0 when it appears", async () => {
    const d = tmp();
    const c = new Collector();
    const f = d.path("app.log");
    const t = await started(tailer(mode, c, { patterns: [f], start: "tail" }));
    expect(t.problems()).toEqual([`${f}: does not exist yet (waiting for it)`]);
    expect(t.files()).toEqual([f]);
    // Created the way many daemons do: written under another name, renamed into place.
    writeFileSync(d.path("app.log.tmp"), "one\ntwo\n");
    renameSync(d.path("app.log.tmp"), f);
    await c.waitLines(2);
    appendFileSync(f, "three\n");
    await c.waitLines(3);
    expect(c.texts()).toEqual(["one", "two", "three"]);
    expect(t.problems()).toEqual([]);
    expect(c.errors).toEqual([]);
  });

  test("a FIFO and a directory as paths: reported once each, the other path is read; a regular file replacing the FIFO is read", async () => {
    const d = tmp();
    const c = new Collector();
    const fifo = d.path("pipe");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const dir = d.path("adir");
    mkdirSync(dir);
    const f = d.path("real.log");
    writeFileSync(f, "real-1\n");
    const t = await started(tailer(mode, c, { patterns: [fifo, dir, f] }));
    await c.waitLines(1);
    await Bun.sleep(100); // several periodic checks: the errors must not repeat
    expect(c.errors.sort()).toEqual([`${dir}: is a directory, not a log file`, `${fifo}: is a FIFO (named pipe), not a log file`]);
    expect(t.problems()).toEqual([`${dir}: is a directory, not a log file`, `${fifo}: is a FIFO (named pipe), not a log file`]);
    unlinkSync(fifo);
    writeFileSync(fifo, "now-a-file\n");
    await c.waitLines(2);
    expect(c.texts()).toEqual(["real-1", "now-a-file"]);
    await waitFor(() => t.problems().length === 1, "the FIFO's problem to clear");
    expect(t.problems()).toEqual([`${dir}: is a directory, not a log file`]);
  });

  test("generated: missing files and directories created later in random order are each read once, from 0", async () => {
    const seed = Number(process.env["F2B_SEED"] ?? Date.now() % 1_000_000);
    const r = rng(seed);
    const d = tmp();
    const c = new Collector();
    const n = 3 + r(4);
    const paths = Array.from({ length: n }, (_, i) => {
      const depth = r(3); // 0: in the temp dir; 1-2: in sub-directories that may not exist yet
      const parts = Array.from({ length: depth }, (_, k) => `d${i}-${k}`);
      return d.path([...parts, `f${i}.log`].join("/"));
    });
    const existing = new Set(paths.filter(() => r(3) === 0));
    const expected: string[] = [];
    for (const p of existing) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, `${p}#0\n`);
      expected.push(`${p}#0`);
    }
    try {
      const t = await started(tailer(mode, c, { patterns: paths, start: "head" }));
      await c.waitLines(expected.length);
      expect(t.problems().length).toBe(n - existing.size);
      const later = paths.filter((p) => !existing.has(p));
      for (let i = later.length - 1; i > 0; i--) {
        const j = r(i + 1);
        [later[i], later[j]] = [later[j]!, later[i]!];
      }
      for (const p of later) {
        mkdirSync(dirname(p), { recursive: true });
        const lines = 1 + r(3);
        const text = Array.from({ length: lines }, (_, k) => `${p}#${k}`);
        expected.push(...text);
        if (r(2) === 0) writeFileSync(p, text.join("\n") + "\n");
        else {
          writeFileSync(`${p}.new`, text.join("\n") + "\n");
          renameSync(`${p}.new`, p);
        }
        if (r(2) === 0) await Bun.sleep(r(30));
      }
      await c.waitLines(expected.length);
      await Bun.sleep(100);
      expect([...c.texts()].sort()).toEqual([...expected].sort());
      await waitFor(() => t.problems().length === 0, `no problems left (have ${JSON.stringify(t.problems())})`);
      expect(c.errors).toEqual([]);
    } catch (e) {
      throw new Error(`seed ${seed} (rerun with F2B_SEED=${seed}): ${(e as Error).message}`);
    }
  });

  test("a glob without a match is a problem until a file matches", async () => {
    const d = tmp();
    const c = new Collector();
    const pattern = d.path("logs/*.log");
    const t = await started(tailer(mode, c, { patterns: [pattern] }));
    expect(t.problems()).toEqual([`${pattern}: no file matches yet (waiting for one)`]);
    mkdirSync(d.path("logs"));
    writeFileSync(d.path("logs/x.log"), "x-1\n");
    await c.waitLines(1);
    expect(t.problems()).toEqual([]);
    rmSync(d.path("logs"), { recursive: true });
    await waitFor(() => t.problems().length === 1, "the vanished match to be a problem again");
  });
});
