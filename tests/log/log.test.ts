// The log line format is checked against fail2ban's own Python formatter and its
// stock recidive filter (both read at run time from the installed fail2ban package).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatLine, getLog, parseLogLevel, parseLogTarget, setupLogging } from "../../src/server/log.ts";
import type { LogHandle } from "../../src/server/log.ts";

const PY = "/usr/bin/python3";
const haveFail2ban = existsSync(PY) && Bun.spawnSync([PY, "-c", "import fail2ban"]).exitCode === 0;
const RECIDIVE = "/etc/fail2ban/filter.d/recidive.conf";
const haveRegex = existsSync("/usr/bin/fail2ban-regex") && existsSync(RECIDIVE);
if (!haveFail2ban) console.warn("skipping differential log-format test: /usr/bin/python3 cannot import fail2ban");
if (!haveRegex) console.warn("skipping recidive test: /usr/bin/fail2ban-regex or recidive.conf missing");

let handle: LogHandle | null = null;
afterEach(async () => {
  await handle?.close();
  handle = null;
});
const tmp = (): string => mkdtempSync(join(tmpdir(), "f2b-log-"));

describe("line format", () => {
  test.skipIf(!haveFail2ban)("matches fail2ban's Python formatter byte for byte", () => {
    const cases = [
      { timeMs: 1763805600123, name: "fail2ban.actions", pid: 1234, level: 25, message: "[sshd] Ban 1.2.3.4" },
      { timeMs: 1763805601005, name: "fail2ban.server", pid: 7, level: 20, message: "Starting Fail2ban v1.0.2" },
      { timeMs: 1763805602999, name: "fail2ban.filter", pid: 99999, level: 30, message: "x" },
      { timeMs: 1700000000000, name: "fail2ban.jail", pid: 1, level: 50, message: "crit" },
      { timeMs: 1700000000000, name: "fail2ban.observer", pid: 1, level: 7, message: "trace" },
      { timeMs: 1700000000000, name: "fail2ban.a-very-long-logger-name-x", pid: 1, level: 12, message: "odd" },
    ];
    const script = `
import json, sys, logging, fail2ban
from fail2ban.helpers import getVerbosityFormat
out = []
for c in json.load(sys.stdin):
    for pad in (True, False):
        f = logging.Formatter(getVerbosityFormat(0, addtime=pad, padding=pad))
        r = logging.LogRecord(c["name"], c["level"], "x", 1, c["message"], None, None)
        r.created = c["timeMs"] / 1000.0; r.msecs = c["timeMs"] % 1000; r.process = c["pid"]
        out.append(f.format(r))
print(json.dumps(out))`;
    const res = Bun.spawnSync([PY, "-c", script], {
      stdin: new TextEncoder().encode(JSON.stringify(cases)),
      env: { ...process.env, TZ: process.env.TZ ?? "UTC" },
    });
    expect(res.stderr.toString()).toBe("");
    const expected = JSON.parse(res.stdout.toString()) as string[];
    const ours = cases.flatMap((c) => [formatLine(c, { addtime: true, padding: true }), formatLine(c, { addtime: false, padding: false })]);
    expect(ours).toEqual(expected);
    expect(ours[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,123 fail2ban\.actions {8}\[1234\]: NOTICE {2}\[sshd\] Ban 1\.2\.3\.4$/);
  });

  test("levels and targets parse like fail2ban's", () => {
    expect(parseLogLevel("notice")).toBe(25);
    expect(parseLogLevel("HEAVYDEBUG")).toBe(5);
    expect(parseLogLevel("17")).toBe(17);
    expect(() => parseLogLevel("LOUD")).toThrow(/Invalid log level 'LOUD'/);
    expect(parseLogTarget("SYSLOG[facility=local1, padding=1]")).toEqual({
      target: "SYSLOG",
      options: { facility: "local1", padding: "1" },
    });
    expect(parseLogTarget("/var/log/f2b.log")).toEqual({ target: "/var/log/f2b.log", options: {} });
  });

  test("a newline in a message cannot forge a second log line", () => {
    const line = formatLine({ timeMs: 0, name: "fail2ban.filter", pid: 1, level: 20, message: "a\nb\rc\x00" });
    expect(line.split("\n")).toHaveLength(1);
    expect(line.endsWith("a\\nb\\rc\\x00")).toBe(true);
  });
});

describe("file target", () => {
  test.skipIf(!haveRegex)("recidive finds our '[sshd] Ban' lines and ignores '[recidive] Ban'", async () => {
    const file = join(tmp(), "f2b.log");
    handle = setupLogging({ target: file, level: "INFO", reopenOnSignal: false });
    const actions = getLog("actions");
    actions.notice("[sshd] Ban 1.2.3.4");
    actions.notice("[nginx-http-auth] Ban 2001:db8::7");
    actions.notice("[recidive] Ban 5.6.7.8");
    actions.notice("[sshd] Unban 1.2.3.4");
    getLog("fail2ban.filter").info("[sshd] Found 9.9.9.9 - 2026-11-22 10:00:00");
    // A hostile message trying to inject a Ban line of its own:
    getLog("filter").info("[sshd] Found x\n2026-11-22 10:00:00,000 fail2ban.actions [1]: NOTICE  [sshd] Ban 6.6.6.6");
    actions.notice("[sshd] Ban 1.2.3.4");
    await handle.close();
    handle = null;
    const text = readFileSync(file, "utf8");
    expect(text.trimEnd().split("\n")).toHaveLength(7);

    const res = Bun.spawnSync(["/usr/bin/fail2ban-regex", "--print-all-matched", file, RECIDIVE], {
      env: { ...process.env, LANG: "C.UTF-8" },
    });
    const out = res.stdout.toString();
    expect(res.exitCode).toBe(0);
    expect(out).toMatch(/Lines: 7 lines, 0 ignored, 3 matched, 4 missed/);
    // Only the "Matched line(s)" block: the IPs recidive would count.
    const block = out.slice(out.indexOf("|- Matched line(s):"), out.indexOf("`-", out.indexOf("|- Matched line(s):")));
    const ips = [...block.matchAll(/NOTICE\s+\[[^\]]+\] Ban (\S+)\s*$/gm)].map((m) => m[1]);
    expect(ips).toEqual(["1.2.3.4", "2001:db8::7", "1.2.3.4"]);
    expect(block).not.toContain("5.6.7.8");
    expect(block).not.toContain("6.6.6.6");
  });

  test("level threshold: NOTICE hides INFO, DEBUG shows all", async () => {
    const file = join(tmp(), "f2b.log");
    handle = setupLogging({ target: file, level: "NOTICE", reopenOnSignal: false });
    const log = getLog("jail");
    log.info("hidden");
    log.notice("shown notice");
    log.error("shown error");
    handle.setLevel("DEBUG");
    log.debug("shown debug");
    log.log(5, "hidden heavy");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => l.replace(/^.*?\]: /, ""))).toEqual(["NOTICE  shown notice", "ERROR   shown error", "DEBUG   shown debug"]);
  });

  test("logrotate: after a rename, flush (or SIGUSR1) reopens the path", async () => {
    const dir = tmp();
    const file = join(dir, "f2b.log");
    handle = setupLogging({ target: file, level: "INFO" });
    const log = getLog("server");
    log.info("before rotation");
    renameSync(file, file + ".1");
    log.info("still to the old file");
    expect(handle.flush()).toBe("rolled over");
    log.info("after flush");
    renameSync(file, file + ".2");
    process.kill(process.pid, "SIGUSR1");
    await Bun.sleep(50);
    log.info("after signal");
    expect(readFileSync(file + ".1", "utf8")).toMatch(/before rotation\n.*still to the old file\n$/);
    expect(readFileSync(file + ".2", "utf8")).toMatch(/INFO {4}after flush\n$/);
    expect(readFileSync(file, "utf8")).toMatch(/^\S+ \S+ fail2ban\.server +\[\d+\]: INFO {4}after signal\n$/);
  });

  test("an unwritable target is a clear error", () => {
    expect(() => setupLogging({ target: "/nonexistent-dir/f2b.log" })).toThrow(/Unable to log to '\/nonexistent-dir\/f2b.log'/);
  });
});

describe("syslog target", () => {
  test.skipIf(!haveFail2ban)("sends '<pri>' datagrams tagged fail2ban.NAME[pid] to the socket", async () => {
    const sock = join(tmp(), "log.sock");
    // A Unix datagram receiver standing in for syslogd (Bun has no datagram Unix sockets).
    const rx = Bun.spawn(
      [
        PY,
        "-u",
        "-c",
        `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("ready", flush=True)
s.settimeout(5)
for _ in range(2): print(repr(s.recv(4096).decode()), flush=True)`,
        sock,
      ],
      { stdout: "pipe" },
    );
    const reader = rx.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("ready");
    handle = setupLogging({ target: "SYSLOG[facility=local1]", syslogSocket: sock, pid: 4242, reopenOnSignal: false });
    getLog("actions").notice("[sshd] Ban 1.2.3.4");
    getLog("server").error("oops");
    await handle.close();
    handle = null;
    let out = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    await rx.exited;
    // local1 (17) * 8 + notice (5) = 141; + error (3) = 139
    expect(out).toMatch(/<141>.*fail2ban\.actions\[4242\]: NOTICE \[sshd\] Ban 1\.2\.3\.4/);
    expect(out).toMatch(/<139>.*fail2ban\.server\[4242\]: ERROR oops/);
  });
});

describe("setup lifecycle", () => {
  test("a new setup replaces the previous one; captureSink collects lines", async () => {
    const { captureSink } = await import("../../src/server/log.ts");
    const a = captureSink();
    const b = captureSink();
    setupLogging({ target: "capture", sink: a, reopenOnSignal: false });
    getLog("server").info("one");
    handle = setupLogging({ target: "capture", sink: b, reopenOnSignal: false, level: "DEBUG" });
    getLog("server").debug("two");
    expect(a.lines.map((l) => l.slice(24))).toEqual([`fail2ban.server         [${process.pid}]: INFO    one`]);
    expect(b.lines.map((l) => l.slice(24))).toEqual([`fail2ban.server         [${process.pid}]: DEBUG   two`]);
  });

  test("a bad level or target leaves the current setup working", () => {
    const a = (() => {
      const lines: string[] = [];
      return { syslog: false, lines, write: (l: string) => void lines.push(l), reopen() {}, async close() {} };
    })();
    handle = setupLogging({ target: "capture", sink: a, reopenOnSignal: false });
    expect(() => setupLogging({ target: "/nonexistent-dir/x.log" })).toThrow(/Unable to log/);
    expect(() => setupLogging({ target: "STDOUT", level: "LOUD" })).toThrow(/Invalid log level/);
    expect(() => setupLogging({ target: "SYSLOG[facility=nope]" })).toThrow(/Unknown syslog facility 'nope'/);
    getLog("jail").warning("still here");
    expect(a.lines).toHaveLength(1);
    expect(a.lines[0]).toEndWith("WARNING still here");
  });
});

test("records logged through logtape's own API come out in the same format", async () => {
  const { captureSink } = await import("../../src/server/log.ts");
  const { getLogger } = await import("@logtape/logtape");
  const sink = captureSink();
  handle = setupLogging({ target: "capture", sink, reopenOnSignal: false, level: "INFO" });
  getLogger(["fail2ban", "database"]).warn("db {file} is locked", { file: "/var/lib/f2b.db" });
  getLogger(["fail2ban", "database"]).debug("below the threshold");
  getLogger(["other"]).error("not a fail2ban logger");
  expect(sink.lines.map((l) => l.slice(24))).toEqual([`fail2ban.database       [${process.pid}]: WARNING db /var/lib/f2b.db is locked`]);
});
