import { afterEach, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { journalctlArgs } from "../../src/source/journal-args.ts";
import { JournalSource, type JournalOptions } from "../../src/source/journal.ts";
import { Collector, tempDir, waitFor } from "./helpers.ts";
import { entry, HAVE_JOURNAL_TOOLS, writeJournal } from "./journal-helpers.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const T = 1_700_000_000;

function journalDir(): string {
  const tmp = tempDir();
  cleanups.push(() => tmp.cleanup());
  const dir = tmp.path("journal");
  mkdirSync(dir);
  return dir;
}

async function open(dir: string, c: Collector, o: Partial<JournalOptions> = {}): Promise<JournalSource> {
  const s = new JournalSource({ matches: [], start: "head", directory: dir, restartMs: 50, ...o }, c.deps);
  cleanups.push(() => s.stop());
  await s.start();
  return s;
}

test("journalctl command line: matches as argv groups, resume position, fail2ban's default flags", () => {
  const base: JournalOptions = { matches: [["_SYSTEMD_UNIT=sshd.service", "_COMM=sshd"], ["_COMM=x"]], start: "tail" };
  const a = journalctlArgs(base, null, null);
  expect(a).toContain("--system");
  expect(a).toContain("--lines=0");
  expect(a.slice(a.indexOf("--"))).toEqual(["--", "_SYSTEMD_UNIT=sshd.service", "_COMM=sshd", "+", "_COMM=x"]);
  expect(journalctlArgs(base, "s=abc", 5)).toContain("--after-cursor=s=abc");
  expect(journalctlArgs(base, null, 1.5)).toContain("--since=@1.500000");
  expect(journalctlArgs({ ...base, directory: "/j" }, null, null)).not.toContain("--system");
});

test.skipIf(!HAVE_JOURNAL_TOOLS)("reads a real journal: fail2ban line format, entry time, cursor, matches", async () => {
  const dir = journalDir();
  writeJournal(dir, [
    entry(T + 1, "Failed password for root from 10.0.0.1 port 22 ssh2"),
    entry(T + 2, "other unit", { _SYSTEMD_UNIT: "cron.service", SYSLOG_IDENTIFIER: "cron", _PID: "7" }),
    entry(T + 3, "multi\nline", { SYSLOG_PID: "0x10" }),
  ]);
  const c = new Collector();
  const s = await open(dir, c, { matches: [["_SYSTEMD_UNIT=ssh.service"]] });
  await c.waitLines(2);
  expect(c.texts()).toEqual(["host1 sshd[4242]: Failed password for root from 10.0.0.1 port 22 ssh2", "host1 sshd[16]: multi\\nline"]);
  expect(c.lines.map((l) => l.time)).toEqual([T + 1, T + 3]);
  const st = s.state();
  expect(st.kind === "journal" && st.cursor).toBe(c.lines[1]!.cursor!);
  expect(s.lastEntryTime()).toBe(T + 3);
});

test.skipIf(!HAVE_JOURNAL_TOOLS)("follows new entries; a restart resumes after the saved cursor", async () => {
  const dir = journalDir();
  writeJournal(dir, [entry(T + 1, "one"), entry(T + 2, "two")]);
  const c = new Collector();
  const s = await open(dir, c);
  await c.waitLines(2);
  writeJournal(dir, [entry(T + 3, "three")]);
  await c.waitLines(3, "the entry of a journal file added while following");
  await s.stop();
  const st = s.state();
  const cursor = st.kind === "journal" ? st.cursor : null;
  expect(cursor).toBe(c.lines[2]!.cursor!);
  writeJournal(dir, [entry(T + 4, "four")]);
  const c2 = new Collector();
  await open(dir, c2, { cursor });
  await c2.waitLines(1);
  await Bun.sleep(100);
  expect(c2.texts()).toEqual(["host1 sshd[4242]: four"]);
});

test.skipIf(!HAVE_JOURNAL_TOOLS)("`since` (now - findtime) and tail start", async () => {
  const dir = journalDir();
  writeJournal(dir, [entry(T + 1, "old"), entry(T + 100, "recent")]);
  const c = new Collector();
  await open(dir, c, { since: T + 50 });
  await c.waitLines(1);
  const c2 = new Collector();
  await open(dir, c2, { start: "tail" });
  await Bun.sleep(150);
  writeJournal(dir, [entry(T + 200, "new")]);
  await c2.waitLines(1);
  await Bun.sleep(50);
  expect(c.texts()).toEqual(["host1 sshd[4242]: recent", "host1 sshd[4242]: new"]);
  expect(c2.texts()).toEqual(["host1 sshd[4242]: new"]);
});

test.skipIf(!HAVE_JOURNAL_TOOLS)("binary message bytes decoded with logencoding; kernel lines get monotonic time", async () => {
  const dir = journalDir();
  writeJournal(dir, [
    entry(T + 1, Buffer.from("caf\xe9 \x00 ok", "latin1")),
    { __REALTIME_TIMESTAMP: String((T + 2) * 1e6), _HOSTNAME: "h", SYSLOG_IDENTIFIER: "kernel", _SOURCE_MONOTONIC_TIMESTAMP: "1234567", MESSAGE: "IN=eth0" },
  ]);
  const c = new Collector();
  await open(dir, c, { encoding: "latin-1" });
  await c.waitLines(2);
  expect(c.texts()).toEqual(["host1 sshd[4242]: café \0 ok", "h kernel: [    1.234567] IN=eth0"]);
});

test.skipIf(!HAVE_JOURNAL_TOOLS)("an invalid saved cursor is reported once and reading continues by time", async () => {
  const dir = journalDir();
  writeJournal(dir, [entry(T + 1, "one")]);
  const c = new Collector();
  await open(dir, c, { cursor: "s=0000;i=1;b=00;m=0;t=0;x=0", since: T });
  await c.waitLines(1);
  expect(c.texts()).toEqual(["host1 sshd[4242]: one"]);
  expect(c.errors.length).toBe(1);
  expect(c.warnings.join("\n")).toContain("cursor");
});

test("journalctl missing: an error per attempt with backoff, no crash, stop() ends it", async () => {
  const c = new Collector();
  const s = new JournalSource({ matches: [], start: "tail", journalctl: "/nonexistent/journalctl", restartMs: 20 }, c.deps);
  await s.start();
  await waitFor(() => c.errors.length >= 2, "two failed attempts");
  await s.stop();
  const n = c.errors.length;
  await Bun.sleep(100);
  expect(c.errors.length).toBe(n);
  expect(c.errors[0]).toContain("journalctl");
});

const ORACLE = `
import sys, json
from systemd import journal
from fail2ban.server.filtersystemd import FilterSystemd
class Self:
    jailName = "t"
    getJrnEntTime = FilterSystemd.getJrnEntTime
    def getLogEncoding(self): return sys.argv[2]
r = journal.Reader(path=sys.argv[1])
for e in r:
    (a, d, line), tm = FilterSystemd.formatJournalEntry(Self(), e)
    print(json.dumps([line, tm]))
`;

test.skipIf(!HAVE_JOURNAL_TOOLS)("same lines and times as fail2ban's own journal formatting (differential)", async () => {
  const dir = journalDir();
  writeJournal(dir, [
    entry(T + 1.25, "Failed password for invalid user x from 10.0.0.2 port 1 ssh2"),
    entry(T + 2, "no pid", { _PID: "", SYSLOG_IDENTIFIER: "", _COMM: "sshd-session" }),
    { __REALTIME_TIMESTAMP: String((T + 3) * 1e6), MESSAGE: "bare message" },
    {
      __REALTIME_TIMESTAMP: String((T + 4) * 1e6),
      _SOURCE_REALTIME_TIMESTAMP: String((T + 3.5) * 1e6),
      _HOSTNAME: "h2",
      SYSLOG_IDENTIFIER: "kernel",
      __MONOTONIC_TIMESTAMP: "99",
      _SOURCE_MONOTONIC_TIMESTAMP: "7654321",
      MESSAGE: "drop\nIN=eth0",
    },
    entry(T + 5, Buffer.from("bad \xff byte", "latin1"), { SYSLOG_PID: "77" }),
  ]);
  const py = Bun.spawnSync(["/usr/bin/python3", "-c", ORACLE, dir, "utf-8"], { stderr: "pipe", env: { ...process.env, TZ: "UTC" } });
  if (py.exitCode !== 0) {
    console.warn(`fail2ban oracle unavailable, differential journal test skipped: ${py.stderr.toString().trim().split("\n").pop()}`);
    return;
  }
  const expected = py.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as [string, number]);
  const c = new Collector();
  await open(dir, c);
  await c.waitLines(expected.length);
  expect(expected.length).toBe(5);
  expect(c.lines.map((l) => [l.text, l.time])).toEqual(expected);
});
