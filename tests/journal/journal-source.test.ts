// JournalSource against the real journalctl on real journal files: the exact lines and times it
// delivers (long, binary, multi-line and repeated MESSAGE fields), journal matches, cursors.
import { systemClock } from "../../src/system/clock.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalSource, type JournalOptions } from "../../src/source/journal.ts";
import type { LogLine } from "../../src/source/types.ts";
import { until } from "../server/helpers.ts";
import { appendJournal, entry, journalToolsMissing } from "./journal-files.ts";

const missing = journalToolsMissing();
if (missing) console.warn(`journal source tests skipped: ${missing}`);

const T = 1763776800;
let dir: string;
let file: string;
beforeAll(() => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), "f2b-jsrc-"));
  file = join(dir, "a.journal");
  appendJournal(file, [
    entry(T, `login failed for ${"y".repeat(6000)} from 10.1.1.1`, { SYSLOG_IDENTIFIER: "jtest" }),
    entry(T + 0.5, Buffer.from([0x61, 0xff, 0x0a, 0x62]), { SYSLOG_IDENTIFIER: "jtest", SYSLOG_PID: "0x10" }),
    entry(T + 1.000001, ["one", "two"], { SYSLOG_IDENTIFIER: "jtest" }),
    entry(T + 2, "not for this jail", { SYSLOG_IDENTIFIER: "other" }),
  ]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function read(opts: Partial<JournalOptions>, want: number): Promise<{ lines: LogLine[]; errors: string[]; cursor: string | null }> {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  const src = new JournalSource(
    { matches: [["SYSLOG_IDENTIFIER=jtest"]], start: "head", files: [file], ...opts },
    {
      clock: systemClock,
      onLines: (l) => {
        lines.push(...l);
      },
      onError: (_s, e) => errors.push(e.message),
      log: memoryLog(),
    },
  );
  await src.start();
  try {
    if (want > 0) await until(() => lines.length >= want || errors.length > 0, `${want} lines`);
    await Bun.sleep(want > 0 ? 100 : 700); // nothing more arrives
  } finally {
    await src.stop();
  }
  const st = src.state();
  return { lines, errors, cursor: st.kind === "journal" ? st.cursor : null };
}

test.skipIf(!!missing)("lines as fail2ban formats them, with the entry times; fields over 4 KiB are kept", async () => {
  const { lines, errors } = await read({ flags: 1 }, 3);
  expect(errors).toEqual([]);
  expect(lines.map((l) => l.text)).toEqual([
    `host1 jtest[4242]: login failed for ${"y".repeat(6000)} from 10.1.1.1`,
    "host1 jtest[16]: a\ufffd\\nb", // int("0x10", 0), invalid UTF-8 replaced, newline escaped
    "host1 jtest[4242]: one two",
  ]);
  expect(lines.map((l) => l.time)).toEqual([T, T + 0.5, T + 1.000001]);
  expect(lines.every((l) => l.source === "journal" && /^s=[0-9a-f]+;i=\d+;/u.test(l.cursor ?? ""))).toBe(true);
});

test.skipIf(!!missing)("resumes after a cursor; OR-ed match groups", async () => {
  const all = await read({}, 3);
  const after = await read({ cursor: all.lines[0]!.cursor!, matches: [["SYSLOG_IDENTIFIER=jtest"], ["SYSLOG_IDENTIFIER=other"]] }, 3);
  expect(after.lines.map((l) => l.text.slice(0, 30))).toEqual(["host1 jtest[16]: a\ufffd\\nb", "host1 jtest[4242]: one two", "host1 other[4242]: not for thi"]);
  expect(after.cursor).toMatch(/;i=4;/u);
});

test.skipIf(!!missing)("start = tail without cursor or time: nothing old is delivered", async () => {
  const { lines, errors } = await read({ start: "tail" }, 0);
  expect(errors).toEqual([]);
  expect(lines).toEqual([]);
});
