// Which lines a source marks as history (fail2ban's "not in operation" phase, where lines older
// than findtime are ignored instead of being timed now): what a file held when it was opened,
// up to its end, and the journal's backlog up to the newest entry at start. The journal runs
// merged, so entries of every boot are read (journalctl --follow alone keeps the newest boot).
import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { journalctlArgs } from "../../src/source/journal-args.ts";
import { JournalSource, type JournalOptions } from "../../src/source/journal.ts";
import { Collector, MODES, tailer, tempDir, waitFor } from "./helpers.ts";
import { appendJournal, entry } from "../journal/journal-files.ts";
import { HAVE_JOURNAL_TOOLS } from "./journal-helpers.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function temp(): ReturnType<typeof tempDir> {
  const t = tempDir();
  cleanups.push(() => t.cleanup());
  return t;
}

const flagged = (c: Collector): [string, boolean][] => c.lines.map((l) => [l.text, l.history === true]);

describe.each(MODES)("files (%s)", (mode) => {
  test("lines there at start are history up to the end; appended ones are not; a rotated log's successor is not", async () => {
    const tmp = temp();
    const log = tmp.path("app.log");
    writeFileSync(log, "a\nb\n");
    const c = new Collector();
    const t = tailer(mode, c, { patterns: [log] });
    cleanups.push(() => t.stop());
    await t.start();
    await c.waitLines(2);
    appendFileSync(log, "c\n");
    await c.waitLines(3);
    renameSync(log, `${log}.1`);
    writeFileSync(log, "d\n");
    await c.waitLines(4, "the new file's line");
    expect(flagged(c)).toEqual([
      ["a", true],
      ["b", true],
      ["c", false],
      ["d", false],
    ]);
  });

  test("tail start: nothing is history; a saved position: what follows it is", async () => {
    const tmp = temp();
    const log = tmp.path("app.log");
    writeFileSync(log, "a\nb\n");
    const c = new Collector();
    const t = tailer(mode, c, { patterns: [log], start: "tail" });
    cleanups.push(() => t.stop());
    await t.start();
    appendFileSync(log, "c\n");
    await c.waitLines(1);
    await t.stop();
    appendFileSync(log, "d\n");
    const c2 = new Collector();
    const t2 = tailer(mode, c2, { patterns: [log], positions: t.positions() });
    cleanups.push(() => t2.stop());
    await t2.start();
    await c2.waitLines(1);
    appendFileSync(log, "e\n");
    await c2.waitLines(2);
    expect(flagged(c)).toEqual([["c", false]]);
    expect(flagged(c2)).toEqual([
      ["d", true],
      ["e", false],
    ]);
  });

  test("a file that appears later is history up to its end (fail2ban: a new log container)", async () => {
    const tmp = temp();
    const log = tmp.path("late.log");
    const c = new Collector();
    const t = tailer(mode, c, { patterns: [log] });
    cleanups.push(() => t.stop());
    await t.start();
    writeFileSync(log, "x\n");
    await c.waitLines(1);
    appendFileSync(log, "y\n");
    await c.waitLines(2);
    expect(c.lines[1]!.history).toBeUndefined();
  });
});

test("journalctl always merges (--follow alone implies --boot); LOCAL_ONLY names the local machine's directory", () => {
  const base: JournalOptions = { matches: [], start: "tail" };
  for (const o of [base, { ...base, files: ["/j/a.journal"] }, { ...base, directory: "/j" }, { ...base, files: ["/j/a.journal"], flags: 1 }]) {
    expect(journalctlArgs(o, null, null)).toContain("--merge");
    expect(journalctlArgs({ ...o, follow: false }, null, null)).toContain("--merge");
  }
  const local = journalctlArgs({ ...base, flags: 1, localJournalDir: "/var/log/journal/0123" }, null, null);
  expect(local).toContain("--merge");
  expect(local).toContain("--directory=/var/log/journal/0123");
  expect(local).not.toContain("--system");
  expect(journalctlArgs({ ...base, flags: 5, localJournalDir: "/x" }, null, null)).toEqual(expect.arrayContaining(["--merge", "--directory=/x", "--system"]));
  // no local journal directory: journalctl's own local-only reading
  expect(journalctlArgs({ ...base, flags: 1, localJournalDir: null }, null, null)).not.toContain("--merge");
  expect(journalctlArgs(base, "s=1", null, true)).toContain("--cursor=s=1");
  expect(journalctlArgs(base, "s=1", null)).toContain("--after-cursor=s=1");
});

const BOOT_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BOOT_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/** What python-systemd (fail2ban's reader) returns from `dir` after seeking to `since`, or null without it. */
function pythonReader(dir: string, since: number): string[] | null {
  const script = `
import sys, json
from systemd import journal
r = journal.Reader(path=sys.argv[1])
r.seek_realtime(float(sys.argv[2]))
print(json.dumps([e["MESSAGE"] for e in r]))`;
  const p = Bun.spawnSync(["/usr/bin/python3", "-c", script, dir, String(since)], { stderr: "pipe" });
  return p.exitCode === 0 ? (JSON.parse(p.stdout.toString()) as string[]) : null;
}

test.skipIf(!HAVE_JOURNAL_TOOLS)(
  "journal, journalflags=1: every boot's entries from now - findtime on; the backlog is history, live entries are not",
  async () => {
    const tmp = temp();
    const dir = tmp.path("machine");
    mkdirSync(dir);
    const now = Date.now() / 1000;
    const since = now - 600;
    const file = `${dir}/system.journal`;
    appendJournal(file, [
      entry(now - 900, "too old", { _BOOT_ID: BOOT_A }),
      entry(now - 300, "boot a", { _BOOT_ID: BOOT_A }),
      entry(now - 200, "boot b", { _BOOT_ID: BOOT_B }),
    ]);
    const oracle = pythonReader(dir, since);
    const c = new Collector();
    const info = c.infos;
    const s = new JournalSource({ matches: [], start: "tail", flags: 1, localJournalDir: dir, since, restartMs: 50, catchUpMs: 300 }, c.deps);
    cleanups.push(() => s.stop());
    await s.start();
    await c.waitLines(2);
    await waitFor(() => info.length > 0, "in operation");
    appendJournal(file, [entry(Date.now() / 1000, "live, boot a", { _BOOT_ID: BOOT_A }), entry(now - 1000, "live, old, boot b", { _BOOT_ID: BOOT_B })]);
    await c.waitLines(4, "the live entries of both boots");
    const texts = c.texts().map((t) => t.replace(/^host1 sshd\[4242\]: /u, ""));
    expect(texts).toEqual(["boot a", "boot b", "live, boot a", "live, old, boot b"]);
    expect(c.lines.map((l) => l.history === true)).toEqual([true, true, false, false]);
    expect(info).toEqual(["Jail is in operation now (process new journal entries)"]);
    if (oracle === null) console.warn("python3-systemd missing: fail2ban's reader not compared");
    else expect(texts.slice(0, 2)).toEqual(oracle);
  },
);

test.skipIf(!HAVE_JOURNAL_TOOLS)("journal with nothing matching at start: entries written while journalctl is still starting are not lost", async () => {
  const tmp = temp();
  const file = tmp.path("a.journal");
  appendJournal(file, [entry(Date.now() / 1000 - 30, "unrelated", { SYSLOG_IDENTIFIER: "other" })]);
  for (let round = 0; round < 3; round++) {
    const c = new Collector();
    const s = new JournalSource({ matches: [["SYSLOG_IDENTIFIER=race"]], start: "tail", files: [file], since: Date.now() / 1000 - 600, restartMs: 50 }, c.deps);
    cleanups.push(() => s.stop());
    await s.start();
    appendJournal(
      file,
      Array.from({ length: 3 }, (_, i) => entry(Date.now() / 1000, `round ${round} entry ${i}`, { SYSLOG_IDENTIFIER: "race" })),
    );
    await c.waitLines(3 * (round + 1), `round ${round}: all entries, also those of the earlier rounds (within findtime)`);
    await s.stop();
  }
});
