// `f2b regex systemd-journal[...]` on real journal files (written by systemd-journal-remote, read
// by journalctl), against fail2ban itself: fail2ban-regex's report and, entry by entry, fail2ban's
// FilterSystemd (python-systemd) as the oracle.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendJournal, entry, journalToolsMissing, sshFail } from "./journal-files.ts";

const PY = "/usr/bin/python3";
const REPO = join(import.meta.dir, "..", "..");
const CONFIG = "/etc/fail2ban";
const missing = journalToolsMissing();
const pySystemd =
  existsSync(PY) && spawnSync(PY, ["-c", "import fail2ban, systemd.journal"]).status === 0
    ? null
    : "python3-systemd or fail2ban is not installed, no fail2ban oracle";
if (missing) console.warn(`journal regex tests skipped: ${missing}`);
if (!missing && pySystemd) console.warn(`journal regex differential tests skipped: ${pySystemd}`);

const T0 = 1763776800; // 2025-11-22 02:00:00 UTC (no DST change near it in the zones used)
let dir: string;
let file: string;

// Every shape formatJournalEntry has to get right, plus entries the journal match must drop.
function sample(): Parameters<typeof appendJournal>[1] {
  return [
    sshFail(T0, "10.0.0.1"),
    sshFail(T0 + 1, "10.0.0.9", "root", { SYSLOG_IDENTIFIER: "nginx", _COMM: "nginx", _SYSTEMD_UNIT: "nginx.service" }),
    // binary field: invalid UTF-8 (export format's length-prefixed encoding)
    entry(T0 + 2, Buffer.concat([Buffer.from("Failed password for "), Buffer.from([0xff, 0xfe]), Buffer.from(" from 10.0.0.2 port 22 ssh2")])),
    // a newline inside MESSAGE (binary encoding too) is escaped as "\n" in the line
    entry(T0 + 3, "Failed password for root from 10.0.0.3 port 22 ssh2\nsecond"),
    // SYSLOG_PID wins over _PID, _SOURCE_REALTIME_TIMESTAMP over __REALTIME_TIMESTAMP
    sshFail(T0 + 4.25, "10.0.0.5", "admin", { SYSLOG_PID: "77", _SOURCE_REALTIME_TIMESTAMP: String((T0 + 3.5) * 1e6) }),
    // longer than journalctl's 4 KiB default field limit
    entry(T0 + 5, `Failed password for ${"x".repeat(5000)} from 10.0.0.4 port 22 ssh2`),
    // a repeated MESSAGE field: python-systemd gives a list, fail2ban joins it with spaces
    entry(T0 + 6, ["Failed password for root from 10.0.0.6 port 22 ssh2", "again"]),
    entry(T0 + 7, "Connection closed by 10.0.0.7 port 22 [preauth]"),
    // no SYSLOG_IDENTIFIER: the identifier is _COMM
    sshFail(T0 + 8.000001, "10.0.0.8", "bob", { SYSLOG_IDENTIFIER: [], _HOSTNAME: "other-host" }),
    entry(T0 + 9, "Invalid user guest from 10.0.0.10 port 4242"),
    entry(T0 + 10, "Server listening on 0.0.0.0 port 22."),
    entry(T0 + 11, '{"level":"warn","remoteIp":"10.0.0.11:53122","message":"failed login attempt"}', {
      SYSLOG_IDENTIFIER: "fmd-server",
      _COMM: "fmd-server",
      _SYSTEMD_UNIT: "fmd-server.service",
    }),
  ];
}

beforeAll(() => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), "f2b-jregex-"));
  mkdirSync(join(dir, "j"));
  file = join(dir, "j", "sample.journal");
  appendJournal(file, sample());
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[], tz: string): { code: number; out: string; err: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env: { ...process.env, TZ: tz } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const f2b = (args: string[], tz = "UTC") => run([process.execPath, join(REPO, "src", "cli", "main.ts"), "regex", ...args], tz);
const fail2banRegex = (args: string[], tz = "UTC") => run([PY, "/usr/bin/fail2ban-regex", ...args], tz);
const normalise = (s: string): string => s.replace(/\[processed in [\d.]+ sec\]/u, "[processed in - sec]");

describe.skipIf(!!missing || !!pySystemd)("fail2ban-regex on the same journal file", () => {
  const cases: [string, string[], string][] = [
    ["stock sshd filter (its journalmatch), UTC", ["-c", CONFIG, "--print-all-matched", "--print-all-missed"], "UTC"],
    ["stock sshd filter, Europe/Berlin", ["-c", CONFIG, "--print-all-matched", "--print-all-missed"], "Europe/Berlin"],
    [
      "--journalmatch overrides the filter's (OR groups)",
      ["-c", CONFIG, "--print-all-matched", '--journalmatch=SYSLOG_IDENTIFIER="nginx" + _HOSTNAME=other-host'],
      "UTC",
    ],
  ];
  for (const [name, args, tz] of cases) {
    test(name, () => {
      const log = `systemd-journal[journalfiles=${file}]`;
      const ours = f2b([...args, log, "sshd"], tz);
      const theirs = fail2banRegex([...args, log, "sshd"], tz);
      expect(theirs.code).toBe(0);
      expect(ours.err).toBe("");
      expect(ours.code).toBe(0);
      expect(normalise(ours.out)).toBe(normalise(theirs.out));
    });
  }

  test("journalpath (+ journalflags=1) and --journalmatch with a quoted value, the journal-only fmd-server filter", () => {
    const args = ["-v", `--journalmatch=SYSLOG_IDENTIFIER="fmd-server"`, `systemd-journal[journalflags=1, journalpath=${join(dir, "j")}]`];
    const ours = f2b([...args, "fmd-server"]);
    expect(ours.code).toBe(0);
    expect(ours.out).toContain("Use    journal match : SYSLOG_IDENTIFIER=fmd-server");
    expect(ours.out).toContain("Lines: 1 lines, 0 ignored, 1 matched, 0 missed");
    expect(ours.out).toMatch(/\|\s+10\.0\.0\.11\s+Sat Nov 22 02:00:11 2025/u);
    // fail2ban-regex has no embedded fmd-server filter: compare with a one-line failregex. And
    // python-systemd cannot open a directory with LOCAL_ONLY (EINVAL), so no journalflags there.
    const re = String.raw`^\S+ fmd-server\[\d+\]: \{.*"remoteIp":"<ADDR>:\d+"`;
    const same = [`--journalmatch=SYSLOG_IDENTIFIER="fmd-server"`, `systemd-journal[journalpath=${join(dir, "j")}]`, re];
    const a = f2b(["--print-all-matched", ...same]);
    const b = fail2banRegex(["--print-all-matched", ...same]);
    expect(b.code).toBe(0);
    expect(normalise(a.out)).toBe(normalise(b.out));
  });
});

// fail2ban's FilterSystemd reads the journal file with python-systemd, formats every entry and
// runs it through its filter as a jail would (first match, pending ignored, raw hosts).
const ORACLE = String.raw`
import sys, json
from fail2ban.server.filtersystemd import FilterSystemd
from fail2ban.client.filterreader import FilterReader
path, name, confdir = sys.argv[1], sys.argv[2], sys.argv[3]
flt = FilterSystemd(None, journalfiles=path)
flt.returnRawHost = True; flt.checkAllRegex = False; flt.ignorePending = True; flt.checkFindTime = False
r = FilterReader(name, "jail", {}, basedir=confdir); r.read(); r.applyAutoOptions("systemd"); r.getOptions({})
for opt in r.convert():
    vals = opt[3] if opt[0] == "multi-set" else opt[3:]
    if opt[2] == "addjournalmatch": flt.addJournalMatch(vals); continue
    for v in vals:
        if opt[2] == "prefregex": flt.prefRegex = v
        elif opt[2] == "addfailregex": flt.addFailRegex(v)
        elif opt[2] == "addignoreregex": flt.addIgnoreRegex(v)
        elif opt[2] == "maxlines": flt.setMaxLines(v)
j = flt.getJournalReader()
out = []
while True:
    e = j.get_next()
    if not e: break
    line = flt.formatJournalEntry(e)
    rec = {"match": False, "time": line[1]}
    for idx, fid, t, fail in flt.processLine(*line):
        if fid is None or fail.get("nofail"): continue
        rec = {"match": True, "time": t, "fid": str(fid), "user": fail.get("user")}
        break
    out.append(rec)
print(json.dumps(out))
`;

describe.skipIf(!!missing || !!pySystemd)("--json, entry by entry, against fail2ban's FilterSystemd", () => {
  test("sshd: same matches, ids, users and entry times (to the microsecond)", () => {
    const py = run([PY, "-c", ORACLE, file, "sshd", CONFIG], "UTC");
    expect(py.err).toBe("");
    const want = JSON.parse(py.out) as { match: boolean; time: number; fid?: string; user?: string | null }[];
    const ours = f2b(["-c", CONFIG, "--json", `systemd-journal[journalfiles=${file}]`, "sshd"]);
    expect(ours.err).toBe("");
    const got = ours.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got.length).toBe(want.length);
    expect(want.filter((w) => w.match).length).toBeGreaterThanOrEqual(6);
    got.forEach((g, i) => {
      const w = want[i]!;
      expect({ n: i, match: g["match"], fid: g["fid"] ?? undefined, user: w.match ? g["user"] : undefined }).toEqual({
        n: i,
        match: w.match,
        fid: w.fid,
        user: w.match ? w.user : undefined,
      });
      expect(g["time"] as number).toBeCloseTo(w.time, 6);
    });
  });
});

describe.skipIf(!!missing)("journal input errors", () => {
  test("a journal file that does not exist: exit 2 with journalctl's reason", () => {
    const r = f2b([`systemd-journal[journalfiles=${join(dir, "nope.journal")}]`, "from <HOST>"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/journalctl exited with code 1: .*No such file/u);
  });
  test("an unknown option and a bad --journalmatch are named", () => {
    expect(f2b(["systemd-journal[journalfile=/x]", "from <HOST>"]).err).toContain("unknown option journalfile");
    expect(f2b(["--journalmatch=nomatch", `systemd-journal[journalfiles=${file}]`, "from <HOST>"]).err).toContain('"nomatch" is not a FIELD=value match');
    expect(f2b(["--journalmatch=A='x", `systemd-journal[journalfiles=${file}]`, "from <HOST>"]).err).toContain("no closing quotation");
  });
  test("journalctl not on PATH: a clear error, no crash", () => {
    const noPath = spawnSync(process.execPath, [join(REPO, "src", "cli", "main.ts"), "regex", `systemd-journal[journalfiles=${file}]`, "from <HOST>"], {
      encoding: "utf8",
      env: { ...process.env, PATH: "/nonexistent" },
    });
    expect(noPath.status).toBe(2);
    expect(noPath.stderr).toContain("journalctl");
  });
});

describe.skipIf(!!missing)("entry times", () => {
  test("--json time is the entry's own time in any zone, also across DST (fail2ban's mktime of a fixed-offset datetime is an hour off there)", () => {
    const summer = join(dir, "summer.journal");
    const july = 1752494400.25; // 2025-07-14 12:00:00.25 UTC, CEST in Berlin
    appendJournal(summer, [sshFail(july, "10.0.1.1"), sshFail(T0, "10.0.1.2")]);
    for (const tz of ["Europe/Berlin", "America/New_York", "UTC"]) {
      const r = f2b(["-c", CONFIG, "--json", `systemd-journal[journalfiles=${summer}]`, "sshd"], tz);
      expect(r.err).toBe("");
      expect(
        r.out
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { time: number }).time),
      ).toEqual([july, T0]);
    }
  });
});
