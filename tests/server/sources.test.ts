// What a jail reads, in the running server: a jail with nothing to read is reported (log and
// status) and waits for its file while the other jails run; backend = auto reads the journal
// when the jail has its own journalmatch (fail2ban 1.1.1), or when the journal holds entries for
// its filter's journalmatch; status says when journalctl fails.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { entry, HAVE_JOURNAL_TOOLS, writeJournal } from "../source/journal-helpers.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { serverBed } from "./in-process.ts";

const { pool, sink, keep } = serverBed();

function newRoot(jailLocal: (dir: string) => string): TestRoot {
  const r = makeRoot("");
  r.writeJailLocal(jailLocal(r.dir));
  keep(r);
  return r;
}

const stamp = (): string => {
  const d = new Date();
  const p = (x: number): string => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

describe.each(["auto", "polling", "pyinotify"])("backend = %s", (backend) => {
  test("a jail without its log file starts beside the others, is reported, and reads the file once it appears", async () => {
    const root = newRoot((dir) => `[nolog]\nenabled = true\nfilter = testd\nbackend = ${backend}\nlogpath = ${join(dir, "later.log")}\n`);
    const later = join(root.dir, "later.log");
    const from = sink.lines.length;
    const { ctl } = await pool.start(root.conf);
    expect(ctl.status().jails).toEqual(["nolog", "testd"]);
    const logged = sink.lines.slice(from).filter((l) => /ERROR/u.test(l) && l.includes("jail [nolog]"));
    expect(logged.length).toBe(1);
    expect(logged[0]).toContain(`has nothing to read: ${later} does not exist`);
    expect(logged[0]).toMatch(/jail\.local:1\)/u);
    const st = ctl.jailStatus("nolog");
    expect(st.filter.fileList).toEqual([later]);
    expect(st.filter.problems).toEqual([`${later}: does not exist yet (waiting for it)`]);
    expect(ctl.jailStatus("testd").filter.problems).toEqual([]);
    // The other jail works meanwhile.
    root.fail("10.9.0.1", 3);
    await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "a ban in the healthy jail");
    // The file appears: read from its start, without a reload.
    let text = "";
    for (let i = 0; i < 3; i++) text += `${stamp()} testd[${i}]: login failed for root from 10.9.0.2\n`;
    writeFileSync(later, text);
    await until(() => ctl.jailStatus("nolog").actions.currentlyBanned === 1, "a ban from the file that appeared");
    expect(ctl.jailStatus("nolog").filter.problems).toEqual([]);
  });
});

test("a FIFO as logpath: the server starts, the jail reports it with the logpath's file:line and in status", async () => {
  const root = newRoot((dir) => `[fifo]\nenabled = true\nfilter = testd\n\nlogpath = ${join(dir, "pipe")}\n`);
  const fifo = join(root.dir, "pipe");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const from = sink.lines.length;
  const { ctl } = await pool.start(root.conf);
  expect(ctl.status().jails).toEqual(["fifo", "testd"]);
  const errors = sink.lines.slice(from).filter((l) => /ERROR/u.test(l));
  expect(errors.some((l) => l.includes(`jail.local:5: jail [fifo]: logpath ${fifo} is a FIFO (named pipe), not a log file`))).toBe(true);
  expect(ctl.jailStatus("fifo").filter.problems).toEqual([`${fifo}: is a FIFO (named pipe), not a log file`]);
});

describe.skipIf(!HAVE_JOURNAL_TOOLS)("backend = auto and the journal", () => {
  const journalJail = (dir: string, journal: string): string =>
    `[fromjournal]\nenabled = true\nfilter = testd\nbackend = auto[journalfiles=${journal}]\nlogpath = ${join(dir, "none.log")}\n` +
    `journalmatch = SYSLOG_IDENTIFIER=testd\nfailregex = login failed for \\S+ from <HOST>$\n`;

  test("no log file, the journal has entries for the match: the jail reads the journal (status: Journal matches)", async () => {
    const root = newRoot(() => "");
    const now = Date.now() / 1000;
    const entries = [1, 2, 3].map((i) => entry(now - 60 + i, "login failed for root from 192.0.2.9", { SYSLOG_IDENTIFIER: "testd" }));
    root.writeJailLocal(journalJail(root.dir, writeJournal(root.dir, entries)));
    const from = sink.lines.length;
    const { ctl } = await pool.start(root.conf);
    expect(
      sink.lines.slice(from).some((l) => l.includes("[fromjournal] no log file") && l.includes("reads the systemd journal (SYSLOG_IDENTIFIER=testd)")),
    ).toBe(true);
    await until(() => ctl.jailStatus("fromjournal").actions.currentlyBanned === 1, "a ban from the journal's history");
    const st = ctl.jailStatus("fromjournal");
    expect(st.filter.journalMatches).toBe("SYSLOG_IDENTIFIER=testd");
    expect(st.filter.fileList).toBeUndefined();
    expect(st.filter.problems).toEqual([]);
  });

  test("no log file, the filter's journalmatch, the journal has no entry for it (or cannot be read): the same error as without a journal", async () => {
    const root = newRoot(() => "");
    const journal = writeJournal(root.dir, [entry(Date.now() / 1000 - 30, "login failed for root from 192.0.2.9", { SYSLOG_IDENTIFIER: "other" })]);
    const dir = root.dir;
    // in the filter, not the jail: a jail's own journalmatch switches to the journal regardless (fail2ban 1.1)
    writeFileSync(join(root.conf, "filter.d", "testdj.conf"), "[INCLUDES]\nbefore = testd.conf\n[Definition]\njournalmatch = SYSLOG_IDENTIFIER=testd\n");
    root.writeJailLocal(
      journalJail(dir, journal).replace("filter = testd\n", "filter = testdj\n").replace("journalmatch = SYSLOG_IDENTIFIER=testd\n", "") +
        `\n[brokenjournal]\nenabled = true\nfilter = testdj\nbackend = auto[journalfiles=${join(dir, "nothing.journal")}]\nlogpath = ${join(dir, "none2.log")}\n`,
    );
    const from = sink.lines.length;
    const { ctl } = await pool.start(root.conf);
    const errors = sink.lines.slice(from).filter((l) => /ERROR/u.test(l));
    expect(errors.some((l) => l.includes("jail [fromjournal]") && l.includes("the journal has no entry for SYSLOG_IDENTIFIER=testd"))).toBe(true);
    expect(errors.some((l) => l.includes("jail [brokenjournal]") && l.includes("the journal cannot be read ("))).toBe(true);
    for (const jail of ["fromjournal", "brokenjournal"]) {
      const st = ctl.jailStatus(jail);
      expect(st.filter.journalMatches).toBeUndefined();
      expect(st.filter.problems![0]).toContain("does not exist yet (waiting for it)");
    }
  });

  test("no log file, the jail's own journalmatch, no entry for it yet: reads the journal anyway (fail2ban 1.1.1), with a warning", async () => {
    const root = newRoot(() => "");
    const journal = writeJournal(root.dir, [entry(Date.now() / 1000 - 30, "login failed for root from 192.0.2.9", { SYSLOG_IDENTIFIER: "other" })]);
    root.writeJailLocal(journalJail(root.dir, journal));
    const from = sink.lines.length;
    const { ctl } = await pool.start(root.conf);
    const errors = sink.lines.slice(from).filter((l) => /ERROR/u.test(l));
    expect(
      errors.some((l) => l.includes("jail [fromjournal]") && l.includes("reads the systemd journal (SYSLOG_IDENTIFIER=testd), which has no entry for it yet")),
    ).toBe(true);
    expect(ctl.jailStatus("fromjournal").filter.journalMatches).toBe("SYSLOG_IDENTIFIER=testd");
  });

  test("backend = systemd with journalctl failing: status shows the journal's problem", async () => {
    const root = newRoot(
      (dir) =>
        `[sd]\nenabled = true\nfilter = testd\nbackend = systemd[journalfiles=${join(dir, "missing.journal")}]\njournalmatch = SYSLOG_IDENTIFIER=testd\n`,
    );
    const { ctl } = await pool.start(root.conf);
    expect(ctl.jailStatus("sd").filter.journalMatches).toBe("SYSLOG_IDENTIFIER=testd");
    await until(() => (ctl.jailStatus("sd").filter.problems ?? []).length > 0, "the journal problem in status");
    expect(ctl.jailStatus("sd").filter.problems![0]).toMatch(/^journal: journalctl exited with code 1: /u);
  });
});
