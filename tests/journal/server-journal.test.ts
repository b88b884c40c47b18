// The server in-process with `backend = systemd[...]` on real journal files (systemd-journal-remote
// writes them, the real journalctl follows them): counting and bans, the journal match, resume
// from the saved cursor across a restart, growing files and new files, unreadable journals.
import { expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { F2bDatabase } from "../../src/db/database.ts";
import { until } from "../server/helpers.ts";
import { serverBed, type Running } from "../server/in-process.ts";
import { appendJournal, journalToolsMissing } from "./journal-files.ts";
import { jfail, journalRoot, type JournalRoot } from "./server-root.ts";

const missing = journalToolsMissing();
if (missing) console.warn(`journal server tests skipped: ${missing}`);

const { pool, sink, keep } = serverBed();

const start = (root: JournalRoot): Promise<Running> => pool.start(root.conf);
const stop = (r: Running["server"]): Promise<void> => pool.stop(r);

function newRoot(jails: (r: JournalRoot) => string): JournalRoot {
  const r = journalRoot(jails);
  keep(r);
  return r;
}

/** "Found" lines the jail logged since `from` (index into the captured log), as ip list. */
function found(jail: string, from: number): string[] {
  return sink.lines.slice(from).flatMap((l) => {
    const m = new RegExp(`\\[${jail}\\] Found (\\S+) - `, "u").exec(l);
    return m ? [m[1]!] : [];
  });
}

const now = (): number => Date.now() / 1000;

test.skipIf(!!missing)("counts and bans from journal entries: only matching entries, none older than findtime, follows the growing file", async () => {
  const root = newRoot((r) => `[jtest]\nenabled = true\nfilter = jtest\nbackend = systemd[journalfiles=${r.jdir}/a.journal]\n`);
  const file = join(root.jdir, "a.journal");
  appendJournal(file, [
    jfail("10.6.0.1", now() - 1200), // older than findtime: not counted at the first start
    jfail("10.6.0.1"),
    { ...jfail("10.6.0.9"), SYSLOG_IDENTIFIER: "other", _COMM: "other" }, // not matched by journalmatch
  ]);
  const mark = sink.lines.length;
  const { ctl } = await start(root);
  await until(() => ctl.jailStatus("jtest").filter.totalFailed === 1, "the recent entry counted");
  // entries appended by another writer while journalctl follows the file
  appendJournal(file, [jfail("10.6.0.1"), jfail("10.6.0.2"), { ...jfail("10.6.0.9"), SYSLOG_IDENTIFIER: "other", _COMM: "other" }]);
  await until(() => ctl.jailStatus("jtest").filter.totalFailed === 3, "3 failures counted");
  expect(ctl.jailStatus("jtest").actions.bannedIPs).toEqual([]);
  appendJournal(file, [jfail("10.6.0.1")]);
  await until(() => ctl.jailStatus("jtest").actions.currentlyBanned === 1, "a ban");
  expect(ctl.jailStatus("jtest").actions.bannedIPs).toEqual(["10.6.0.1"]);
  expect(found("jtest", mark).sort()).toEqual(["10.6.0.1", "10.6.0.1", "10.6.0.1", "10.6.0.2"]);
  expect(sink.lines.slice(mark).some((l) => /NOTICE\s+\[jtest\] Ban 10\.6\.0\.1$/u.test(l))).toBe(true);
});

test.skipIf(!!missing)("a restart resumes after the saved cursor: entries written while stopped are counted once, none re-counted", async () => {
  const root = newRoot((r) => `[jtest]\nenabled = true\nfilter = jtest\nmaxretry = 10\nbackend = systemd[journalfiles=${r.jdir}/a.journal]\n`);
  const file = join(root.jdir, "a.journal");
  appendJournal(file, [jfail("10.7.0.1"), jfail("10.7.0.1")]);
  const first = await start(root);
  await until(() => first.ctl.jailStatus("jtest").filter.totalFailed === 2, "2 failures before the restart");
  await stop(first.server);
  const db = F2bDatabase.open(root.db);
  const cursor = db.getJournalCursor("jtest");
  db.close();
  expect(cursor).toMatch(/^s=[0-9a-f]+;i=2;/u); // the second entry of the file

  appendJournal(file, [jfail("10.7.0.2"), jfail("10.7.0.3"), jfail("10.7.0.2")]);
  const mark = sink.lines.length;
  const second = await start(root);
  await until(() => second.ctl.jailStatus("jtest").filter.totalFailed === 3, "the 3 entries written while stopped");
  await Bun.sleep(300);
  expect(second.ctl.jailStatus("jtest").filter.totalFailed).toBe(3);
  expect(found("jtest", mark).sort()).toEqual(["10.7.0.2", "10.7.0.2", "10.7.0.3"]);
});

test.skipIf(!!missing)(
  "deliberate: resume by cursor reads an entry written while stopped with an older time than the last one read (fail2ban resumes by time and skips it)",
  async () => {
    const root = newRoot((r) => `[jtest]\nenabled = true\nfilter = jtest\nmaxretry = 10\nbackend = systemd[journalfiles=${r.jdir}/a.journal]\n`);
    const file = join(root.jdir, "a.journal");
    appendJournal(file, [jfail("10.7.1.1")]);
    const first = await start(root);
    await until(() => first.ctl.jailStatus("jtest").filter.totalFailed === 1, "the first entry");
    await stop(first.server);
    appendJournal(file, [jfail("10.7.1.2", now() - 120)]); // inside findtime, but before the entry read last
    const mark = sink.lines.length;
    const second = await start(root);
    await until(() => second.ctl.jailStatus("jtest").filter.totalFailed === 1, "the older entry written while stopped");
    expect(found("jtest", mark)).toEqual(["10.7.1.2"]);
  },
);

test.skipIf(!!missing)("journalpath: a new journal file appearing in the directory is read", async () => {
  const root = newRoot((r) => `[jtest]\nenabled = true\nfilter = jtest\nbackend = systemd[journalpath=${r.jdir}]\n`);
  appendJournal(join(root.jdir, "first.journal"), [jfail("10.8.0.1")]);
  const { ctl } = await start(root);
  await until(() => ctl.jailStatus("jtest").filter.totalFailed === 1, "the entry of the first file");
  appendJournal(join(root.jdir, "second.journal"), [jfail("10.8.0.1"), jfail("10.8.0.1")]);
  await until(() => ctl.jailStatus("jtest").actions.bannedIPs.includes("10.8.0.1"), "a ban from the new file", 8000);
  expect(ctl.jailStatus("jtest").filter.totalFailed).toBe(3);
});

test.skipIf(!!missing)("an unreadable journal: the jail logs why and keeps retrying; the other jails keep running", async () => {
  const root = newRoot(
    (r) =>
      `[jtest]\nenabled = true\nfilter = jtest\nbackend = systemd[journalpath=${r.dir}/no-such-dir]\n\n` +
      `[garbage]\nenabled = true\nfilter = jtest\nbackend = systemd[journalfiles=${r.jdir}/garbage.journal]\n\n` +
      `[testd]\nenabled = true\nfilter = testd\nlogpath = ${r.dir}/testd.log\n`,
  );
  writeFileSync(join(root.jdir, "garbage.journal"), "this is not a journal file\n");
  writeFileSync(join(root.dir, "testd.log"), "");
  const mark = sink.lines.length;
  const { ctl } = await start(root);
  await until(
    () => sink.lines.slice(mark).some((l) => /ERROR\s+\[jtest\] journal: journalctl exited with code 1: .*no-such-dir: No such file or directory/u.test(l)),
    "the missing directory logged",
  );
  await until(() => sink.lines.slice(mark).some((l) => /ERROR\s+\[garbage\] journal: journalctl exited with code 1: /u.test(l)), "the bad file logged");
  appendFileSync(join(root.dir, "testd.log"), "testd: login failed from 10.9.0.1\n".repeat(3));
  await until(() => ctl.jailStatus("testd").actions.bannedIPs.includes("10.9.0.1"), "the file jail still bans");
  expect(ctl.status().jails.sort()).toEqual(["garbage", "jtest", "testd"]);
});

test.skipIf(!!missing)("journalctl not on PATH: the journal jail says it cannot run journalctl, the file jail bans", async () => {
  const root = newRoot(
    (r) =>
      `[jtest]\nenabled = true\nfilter = jtest\nbackend = systemd[journalpath=${r.jdir}]\n\n` +
      `[testd]\nenabled = true\nfilter = testd\nlogpath = ${r.dir}/testd.log\n`,
  );
  writeFileSync(join(root.dir, "testd.log"), "");
  const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
  // a server process of its own: Bun.spawn looks commands up in the PATH the process started with
  const proc = Bun.spawn([process.execPath, main, "server", "-c", root.conf, "-f"], {
    env: { ...process.env, PATH: root.dir },
    stdout: "ignore",
    stderr: "pipe",
  });
  const logText = (): string => {
    try {
      return readFileSync(root.f2bLog, "utf8");
    } catch {
      return "";
    }
  };
  try {
    await until(() => /ERROR\s+\[jtest\] journal: cannot run journalctl \(the systemd backend needs it\)/u.test(logText()), "the reason logged", 10_000);
    await until(() => logText().includes("Jail 'testd' started"), "the file jail started", 10_000);
    appendFileSync(join(root.dir, "testd.log"), "testd: login failed from 10.9.0.2\n".repeat(3));
    await until(() => /NOTICE\s+\[testd\] Ban 10\.9\.0\.2/u.test(logText()), "the file jail bans", 10_000);
    expect(proc.exitCode).toBeNull();
  } finally {
    proc.kill();
    await proc.exited;
  }
});

// The host's journal holds no jtest entry: backend = auto does not switch to it (it would read
// nothing), the jail says so and waits for its file. The switch itself is tested on a journal with
// matching entries in tests/server/sources.test.ts.
test.skipIf(!!missing)("backend = auto with no log file and no matching journal entry: the jail says it has nothing to read", async () => {
  const root = newRoot((r) => `[jtest]\nenabled = true\nfilter = jtest\nbackend = auto\nlogpath = ${r.dir}/missing.log\n`);
  const mark = sink.lines.length;
  const { ctl } = await start(root);
  const said = sink.lines.slice(mark).find((l) => l.includes("jail [jtest]") && l.includes("has nothing to read"));
  expect(said).toContain(`${root.dir}/missing.log does not exist`);
  expect(ctl.jailStatus("jtest").filter.totalFailed).toBe(0);
});
