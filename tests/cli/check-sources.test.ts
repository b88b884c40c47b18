// `f2b -t` and jails with nothing to read, next to the real `fail2ban-client -t` on the same
// config. fail2ban fails the test for a missing log file and passes a FIFO or a directory
// (its server then hangs on the FIFO or stops on the directory); f2b warns about the missing
// file (the jail waits for it: README, deliberate differences) and fails on the FIFO/directory/device.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeRoot, type TestRoot } from "../server/helpers.ts";
import { entry, HAVE_JOURNAL_TOOLS, writeJournal } from "../source/journal-helpers.ts";
import { oracles } from "../helpers/fail2ban-server.ts";

const ROOT = join(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const FAIL2BAN_CLIENT = Bun.which("fail2ban-client");
if (!FAIL2BAN_CLIENT) console.warn("fail2ban-client not installed: the oracle half of the -t tests is skipped");

const roots: TestRoot[] = [];
afterAll(() => {
  for (const r of roots) r.cleanup();
});

function run(argv: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = Bun.spawnSync(argv, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}
const f2bTest = (conf: string) => run([BUN, "src/cli/main.ts", "-t", "-c", conf]);
const fail2banTest = (conf: string) => run([FAIL2BAN_CLIENT!, "-c", conf, "-t"]);

function root(jailLocal: (dir: string) => string): TestRoot {
  const r = makeRoot("");
  roots.push(r);
  r.writeJailLocal(jailLocal(r.dir));
  return r;
}

describe("f2b -t and logpaths", () => {
  test("a jail whose log file does not exist: f2b warns (exit 0) naming jail, section and path; fail2ban-client -t refuses", () => {
    const r = root((d) => `[nolog]\nenabled = true\nfilter = testd\nlogpath = ${join(d, "missing.log")}\n             ${join(d, "nodir")}/*.log\n`);
    const ours = f2bTest(r.conf);
    expect(ours.code).toBe(0);
    expect(ours.out).toContain("configuration test is successful");
    expect(ours.err).toBe(
      `WARNING: jail [nolog] (${r.conf}/jail.local:1) has nothing to read: ${join(r.dir, "missing.log")} does not exist, ` +
        `${join(r.dir, "nodir")}/*.log matches no file; it waits for the file\n`,
    );
    if (!FAIL2BAN_CLIENT) return;
    const theirs = fail2banTest(r.conf);
    expect(theirs.code).toBe(255);
    expect(theirs.err).toContain("Have not found any log file for nolog jail");
  });

  test("the log file exists: no warning from either", () => {
    const r = root((d) => `[haslog]\nenabled = true\nfilter = testd\nlogpath = ${join(d, "test.log")}\n`);
    const ours = f2bTest(r.conf);
    expect([ours.code, ours.err]).toEqual([0, ""]);
    if (FAIL2BAN_CLIENT) expect(fail2banTest(r.conf).code).toBe(0);
  });

  test.skipIf(!HAVE_JOURNAL_TOOLS)(
    "backend = auto, no log file, the jail's journalmatch: reads the journal (fail2ban 1.1), warning when it has no entry; systemd_if_nologs = false: waits for the file",
    () => {
      const r = root(() => "");
      const journal = writeJournal(r.dir, [entry(Date.now() / 1000 - 5, "hello", { SYSLOG_IDENTIFIER: "testd" })]);
      const jail = (match: string, extra = ""): string =>
        `[auto]\nenabled = true\nfilter = testd\nbackend = auto[journalfiles=${journal}]\nlogpath = ${join(r.dir, "none.log")}\njournalmatch = ${match}\n${extra}`;
      r.writeJailLocal(jail("SYSLOG_IDENTIFIER=testd"));
      const quiet = f2bTest(r.conf);
      expect([quiet.code, quiet.err]).toEqual([0, ""]);
      r.writeJailLocal(jail("SYSLOG_IDENTIFIER=other"));
      const ours = f2bTest(r.conf);
      expect(ours.code).toBe(0);
      expect(ours.err).toContain(
        `${join(r.dir, "none.log")} does not exist): backend = auto reads the systemd journal (SYSLOG_IDENTIFIER=other), which has no entry for it yet`,
      );
      for (const o of oracles("check-sources systemd_if_nologs", ["1.1.1"])) {
        const theirs = run([o.python, o.client, "-c", r.conf, "-t"], o.env);
        expect([theirs.code, theirs.err.includes("Have not found any log file for 'auto' jail. Jail will monitor systemd journal.")]).toEqual([0, true]);
      }
      r.writeJailLocal(jail("SYSLOG_IDENTIFIER=testd", "systemd_if_nologs = false\n"));
      const off = f2bTest(r.conf);
      expect(off.code).toBe(0);
      expect(off.err).toBe(
        `WARNING: jail [auto] (${r.conf}/jail.local:1) has nothing to read: ${join(r.dir, "none.log")} does not exist; it waits for the file\n`,
      );
    },
  );

  test("skip_if_nologs = true and no log file: the jail is skipped with a warning (fail2ban 1.1); with the file it runs", () => {
    const r = root(
      (d) =>
        `[nolog]\nenabled = true\nfilter = testd\nlogpath = ${join(d, "missing.log")}\nskip_if_nologs = true\n\n[haslog]\nenabled = true\nfilter = testd\nlogpath = ${join(d, "test.log")}\n`,
    );
    const ours = f2bTest(r.conf);
    expect(ours.code).toBe(0);
    expect(ours.err).toBe(
      `WARNING: Jail 'nolog' (${r.conf}/jail.local:1) skipped, because of missing log files (skip_if_nologs): ${join(r.dir, "missing.log")} does not exist\n`,
    );
    expect(ours.out).toContain("jails: testd, haslog)");
    for (const o of oracles("check-sources skip_if_nologs", ["1.1.1"])) {
      const theirs = run([o.python, o.client, "-c", r.conf, "-t"], o.env);
      expect(theirs.code).toBe(0);
      expect(theirs.err).toContain("Jail 'nolog' skipped, because of missing log files.");
    }
  });

  test.each([
    ["a FIFO", "is a FIFO (named pipe), not a log file", (p: string) => Bun.spawnSync(["mkfifo", p])],
    ["a directory", "is a directory, not a log file", (p: string) => mkdirSync(p)],
    ["a device", "is a device, not a log file", null],
  ] as const)("%s as logpath: f2b -t fails with the logpath's file:line (fail2ban-client -t passes it)", (_what, why, make) => {
    const r = root(() => "");
    const path = make ? join(r.dir, "thing") : "/dev/null";
    make?.(path);
    // The logpath line is the 4th of jail.local; the section starts on line 2.
    r.writeJailLocal(`# a comment\n[odd]\nenabled = true\nlogpath = ${path}\nfilter = testd\n`);
    const ours = f2bTest(r.conf);
    expect(ours.code).toBe(2);
    expect(ours.out).toBe("");
    expect(ours.err).toBe(`ERROR: ${r.conf}/jail.local:4: jail [odd]: logpath ${path} ${why}\n`);
    if (FAIL2BAN_CLIENT) expect(fail2banTest(r.conf).code).toBe(0);
  });

  test("a jail with nothing to read does not hide a broken config: -t still fails on the config error", () => {
    const r = root((d) => `[nolog]\nenabled = true\nfilter = testd\nlogpath = ${join(d, "missing.log")}\nmaxretry = five\n`);
    const ours = f2bTest(r.conf);
    expect(ours.code).toBe(2);
    expect(ours.err).toContain("maxretry");
  });
});
