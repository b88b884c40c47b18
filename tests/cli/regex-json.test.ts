// `f2b regex --json` against fail2ban itself: the same filter over the same log, with fail2ban's
// Filter (via /usr/bin/python3) as the oracle, compared line by line (match, time, id, user).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRegex } from "../../src/cli/regex.ts";

const PY = "/usr/bin/python3";
const LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const CONFIG = "/etc/fail2ban";
const haveFail2ban = existsSync(PY) && existsSync(LOGS) && spawnSync(PY, ["-c", "import fail2ban"]).status === 0;
if (!haveFail2ban) console.warn("regex-json: skipped, fail2ban (python3 module, sample logs) is not installed");

const TZ = "CET-01CEST-02,M3.5.0,M10.5.0";
const NOW = 1124013600;

// fail2ban as a jail would run it (first match, pending ignored), hosts raw, no find-time checks.
const ORACLE = String.raw`
import sys, json
from fail2ban.server.filter import Filter
from fail2ban.server.mytime import MyTime
from fail2ban.client.filterreader import FilterReader
now, name, logfile, confdir, opts, journal = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), sys.argv[6] == "1"
MyTime.setTime(now)
flt = Filter(None)
flt.returnRawHost = True; flt.checkAllRegex = False; flt.ignorePending = True; flt.checkFindTime = False
r = FilterReader(name, "jail", opts, basedir=confdir); r.read(); r.getOptions({})
for opt in r.convert():
    vals = opt[3] if opt[0] == "multi-set" else [opt[3]]
    for v in vals:
        if opt[2] == "prefregex": flt.prefRegex = v
        elif opt[2] == "addfailregex": flt.addFailRegex(v)
        elif opt[2] == "addignoreregex": flt.addIgnoreRegex(v)
        elif opt[2] == "maxlines": flt.setMaxLines(v)
        elif opt[2] == "datepattern": flt.setDatePattern(v)
        elif opt[2] == "usedns": flt.setUseDns(v)
out = []
with open(logfile, encoding="utf-8", errors="replace") as fh:
    text = fh.read()
lines = text.split("\n")
if lines and lines[-1] == "": lines.pop()
for n, line in enumerate(lines, 1):
    line = line.rstrip("\r\n")
    rec = {"line": n, "match": False}
    if line and not line.startswith("#"):
        ret = flt.processLine(("", "", line), now) if journal else flt.processLine(line)
        for fr in ret:
            idx, fid, t, fail = fr
            if fid is None or fail.get("nofail"): continue
            rec = {"line": n, "match": True, "time": t, "fid": str(fid), "user": fail.get("user")}
            break
    out.append(rec)
print(json.dumps(out))
`;

function oracle(name: string, log: string, opts: Record<string, string>, journal = false): Record<string, unknown>[] {
  const r = spawnSync(PY, ["-c", ORACLE, String(NOW), name, log, CONFIG, JSON.stringify(opts), journal ? "1" : "0"], {
    encoding: "utf8",
    env: { ...process.env, TZ },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

async function ours(name: string, log: string, opts: Record<string, string>, journal = false): Promise<Record<string, unknown>[]> {
  let out = "";
  const args = ["--json", "--now", String(NOW), "--config", CONFIG, "--opts", JSON.stringify(opts), ...(journal ? ["--journal"] : []), log, name];
  const saved = process.env.TZ;
  process.env.TZ = TZ; // TimeZone.fromEnv() reads it when the filter is built
  try {
    const rc = await runRegex(args, { out: (s) => (out += s), err: (s) => (out += `ERR ${s}`) });
    expect(rc).toBe(0);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
  return out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function comparable(recs: Record<string, unknown>[]): unknown[] {
  return recs.map((r) => (r["match"] ? [r["line"], true, r["time"], r["fid"], r["user"] ?? null] : [r["line"], false]));
}

const CASES: [string, Record<string, string>][] = [
  ["sshd", {}],
  ["sshd", { mode: "aggressive" }],
  ["apache-auth", {}],
  ["postfix", { mode: "aggressive" }],
  ["dovecot", {}],
  ["nginx-http-auth", {}],
  ["named-refused", {}],
  ["recidive", {}],
  ["courier-smtp", {}],
];

describe.skipIf(!haveFail2ban)("f2b regex --json matches fail2ban line by line", () => {
  for (const [name, opts] of CASES) {
    test(`${name} ${JSON.stringify(opts)}`, async () => {
      const log = join(LOGS, name);
      const expected = comparable(oracle(name, log, opts));
      const got = comparable(await ours(name, log, opts));
      expect(got.length).toBeGreaterThan(5);
      expect(got).toEqual(expected);
    });
  }

  test("journal mode: time is --now, the whole message is searched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    const log = join(dir, "journal.log");
    writeFileSync(log, "sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2\nsshd[2]: Accepted password for bob from 192.0.2.2 port 22 ssh2\n");
    const expected = comparable(oracle("sshd", log, { logtype: "journal" }, true));
    const got = await ours("sshd", log, { logtype: "journal" }, true);
    expect(comparable(got)).toEqual(expected);
    expect(got[0]).toMatchObject({ line: 1, match: true, time: NOW, fid: "192.0.2.1", host: "192.0.2.1", user: "root", users: ["root"], attempts: 1 });
  });
});
