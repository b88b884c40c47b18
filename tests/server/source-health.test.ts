// A jail's source health over a real file tailer and real files: generated sets of log paths in
// every state (written, empty, missing, a directory), seeded (F2B_SEED replays one). Each file's
// state, size and read position, the problems and the jail's verdict follow from the files.
import { systemClock } from "../../src/system/clock.ts";
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTailer } from "../../src/source/file-tailer.ts";
import type { LogLine } from "../../src/source/types.ts";
import type { JailSettings } from "../../src/server/settings.ts";
import { sourceHealth } from "../../src/server/source-health.ts";
import { LineTimes } from "../../src/server/source-status.ts";
import { memoryLog } from "../../src/system/log.ts";
import { rng } from "../helpers/rng.ts";
import { until } from "./helpers.ts";

const SEED = Number(process.env["F2B_SEED"] ?? 20261207);
const CASES = 12;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Kind = "written" | "empty" | "missing" | "directory";
const KINDS: Kind[] = ["written", "empty", "missing", "directory"];
// sourceHealth reads the settings only for a source that is not running.
const SETTINGS = { name: "gen", backendName: "auto", journalmatch: [] } as unknown as JailSettings;

test(`file states, sizes, positions and the verdict follow the files (seed ${SEED}, ${CASES} cases)`, async () => {
  const pick = rng(SEED);
  for (let c = 0; c < CASES; c++) {
    const dir = mkdtempSync(join(tmpdir(), "f2b-health-"));
    dirs.push(dir);
    const files = Array.from({ length: 1 + pick(4) }, (_, i) => ({ path: join(dir, `f${i}.log`), kind: KINDS[pick(KINDS.length)]!, lines: 1 + pick(5) }));
    for (const f of files) {
      if (f.kind === "written") writeFileSync(f.path, Array.from({ length: f.lines }, (_, i) => `line ${i} of ${f.path}\n`).join(""));
      if (f.kind === "empty") writeFileSync(f.path, "");
      if (f.kind === "directory") mkdirSync(f.path);
    }
    const times = new LineTimes(1000);
    let read = 0;
    const onLines = (lines: LogLine[]): void => {
      times.seen(lines, 2000);
      read += lines.length;
    };
    const tailer = new FileTailer(
      { patterns: files.map((f) => f.path), start: "head", encoding: "utf-8" },
      { clock: systemClock, onLines, onError() {}, log: memoryLog() },
    );
    await tailer.start();
    const want = files.filter((f) => f.kind === "written").reduce((n, f) => n + f.lines, 0);
    try {
      await until(() => read === want, `case ${c}: ${want} lines read`);
      const h = sourceHealth(SETTINGS, { fileList: tailer.files(), problems: tailer.problems(), lines: times }, tailer.state(), 2010);
      const why = `seed ${SEED} case ${c}: ${files.map((f) => f.kind).join(", ")}`;
      expect(h.kind, why).toBe("files");
      for (const f of files) {
        const got = h.files.find((x) => x.path === f.path);
        expect(got, why).toBeDefined();
        const state = ({ written: "ok", empty: "empty", missing: "missing", directory: "unreadable" } as const)[f.kind];
        expect(got!.state, why).toBe(state);
        if (f.kind === "written") {
          expect(got!.position, why).toBe(got!.size);
          expect(got!.lastLineAt, why).toBe(2000);
        }
        if (f.kind === "missing") expect(got!.size, why).toBeNull();
        if (f.kind === "directory") expect(got!.reason, why).toContain("directory");
        if (state !== "ok" && state !== "empty")
          expect(
            h.problems.some((p) => p.startsWith(`${f.path}: `)),
            why,
          ).toBe(true);
      }
      // Healthy only when every file is read; an empty file counts against the jail only while
      // nothing else was read.
      const bad = files.filter((f) => f.kind === "missing" || f.kind === "directory").length;
      const emptyHurts = !files.some((f) => f.kind === "written") && files.some((f) => f.kind === "empty");
      expect(h.ok, why).toBe(bad === 0 && !emptyHurts);
      expect(h.lastLineAt, why).toBe(want ? 2000 : null);
      expect(h.silentSec, why).toBe(want ? 10 : 1010);
    } finally {
      await tailer.stop();
    }
  }
});

test("a source not running is not healthy and says so", () => {
  const h = sourceHealth(SETTINGS, null, null, 5);
  expect(h).toMatchObject({ kind: "none", ok: false, files: [], lastLineAt: null, silentSec: null });
  expect(h.problems[0]).toContain("not reading");
  const journal = sourceHealth({ ...SETTINGS, backendName: "systemd", journalmatch: [["_SYSTEMD_UNIT=ssh.service"]] } as JailSettings, null, null, 5);
  expect(journal).toMatchObject({ kind: "journal", ok: false, journalMatch: "_SYSTEMD_UNIT=ssh.service" });
});
