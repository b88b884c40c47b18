// `f2b regex` human interface: the summary agrees with fail2ban-regex on the same input; errors
// name where they are and exit 2; hostile log bytes do not crash it.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRegex } from "../../src/cli/regex.ts";

const LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const REF = "/usr/bin/fail2ban-regex";
const haveRef = existsSync(REF) && existsSync(LOGS) && existsSync("/etc/fail2ban/filter.d");
if (!haveRef) console.warn("regex: fail2ban-regex comparison skipped, fail2ban is not installed");

async function run(args: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const rc = await runRegex(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { rc, out, err };
}

/** The parts of the report that must agree: per-regex hits, totals, line counts. */
function summary(report: string): string[] {
  return report
    .split("\n")
    .filter((l) => /^(Prefregex|Failregex|Ignoreregex): \d+ total|^\|\s+\d+\) \[\d+\]|^Lines: /.test(l))
    .map((l) => l.replace(/\s+/g, " ").trim());
}

describe.skipIf(!haveRef)("agrees with fail2ban-regex", () => {
  for (const [filter, log] of [
    ["sshd", "sshd"],
    ["sshd[mode=aggressive]", "sshd"],
    ["postfix[mode=aggressive]", "postfix"],
    ["apache-auth", "apache-auth"],
    ["dovecot", "dovecot"],
  ] as const) {
    test(`${filter} on its sample log`, async () => {
      const ref = spawnSync(REF, [join(LOGS, log), filter], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
      expect(ref.status).toBe(0);
      const ours = await run(["-c", "/etc/fail2ban", join(LOGS, log), filter]);
      expect(ours.rc).toBe(0);
      expect(summary(ours.out).length).toBeGreaterThan(3);
      expect(summary(ours.out)).toEqual(summary(ref.stdout));
    });
  }
  // a maxlines = 2 filter from fail2ban's own test config (its include fixed for Debian's layout):
  // lines a later multi-line match consumes move from "missed" to "matched"
  test("multi-line filter: line statistics", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    mkdirSync(join(dir, "filter.d"));
    copyFileSync("/etc/fail2ban/filter.d/common.conf", join(dir, "filter.d", "common.conf"));
    const src = "/usr/lib/python3/dist-packages/fail2ban/tests/config/filter.d/zzz-sshd-obsolete-multiline.conf";
    writeFileSync(join(dir, "filter.d", "ml.conf"), readFileSync(src, "utf8").replace(/^(before\s*=\s*)\S*common\.conf\s*$/m, "$1common.conf"));
    for (const filter of ["ml", "ml[mode=aggressive]"]) {
      const ref = spawnSync(REF, ["-c", dir, join(LOGS, "sshd"), filter], { encoding: "utf8" });
      expect(ref.status).toBe(0);
      const ours = await run(["-c", dir, join(LOGS, "sshd"), filter]);
      expect(summary(ours.out)).toContain("Lines: 148 lines, 4 ignored, " + (filter === "ml" ? "71 matched, 73 missed" : "104 matched, 40 missed"));
      expect(summary(ours.out)).toEqual(summary(ref.stdout));
    }
  });
});

describe("literal input and output shape", () => {
  test("literal line and literal regex, -v lists the failures", async () => {
    const r = await run(["-v", "2024-01-02 03:04:05 login failed from 192.0.2.9", "failed from <HOST>$"]);
    expect(r.rc).toBe(0);
    expect(r.out).toContain("Use   failregex line : failed from <HOST>$");
    expect(r.out).toContain("|   1) [1] failed from <HOST>$");
    expect(r.out).toMatch(/\|\s+192\.0\.2\.9 {2}\w{3} Jan 02 \d\d:04:05 2024/);
    expect(r.out).toContain("Lines: 1 lines, 0 ignored, 1 matched, 0 missed");
  });

  test("--print-all-missed lists every missed line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    const log = join(dir, "x.log");
    writeFileSync(log, Array.from({ length: 30 }, (_, i) => `2024-01-02 03:04:${String(i).padStart(2, "0")} nothing ${i}`).join("\n") + "\n");
    const few = await run([log, "failed from <HOST>$"]);
    expect(few.out).toContain("Missed line(s): too many to print.  Use --print-all-missed to print all 30 lines");
    const all = await run(["--print-all-missed", log, "failed from <HOST>$"]);
    expect(all.out).toContain("|  2024-01-02 03:04:29 nothing 29");
  });

  test("invalid UTF-8, NUL bytes and a 2 MB line do not crash it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    const log = join(dir, "bad.log");
    const bytes = Buffer.concat([
      Buffer.from("2024-01-02 03:04:05 failed from 192.0.2.1 \xff\xfe\n", "latin1"),
      Buffer.from("2024-01-02 03:04:06 \u0000\u0000 failed from 192.0.2.2\n"),
      Buffer.from(`2024-01-02 03:04:07 ${"A".repeat(2_000_000)} failed from 192.0.2.3\n`),
    ]);
    writeFileSync(log, bytes);
    const r = await run(["--json", "--now", "1704164645", log, "failed from <HOST>"]);
    expect(r.rc).toBe(0);
    const recs = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { fid: string });
    expect(recs.map((x) => x.fid)).toEqual(["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
  });
});

describe("errors exit 2 and say where", () => {
  test("unknown filter lists where it looked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    const r = await run(["-c", dir, "some line", "no-such-filter"]);
    expect(r.rc).toBe(2);
    expect(r.err).toContain("unknown filter 'no-such-filter'");
    expect(r.err).toContain(join(dir, "filter.d", "no-such-filter.conf"));
  });

  test("broken failregex names file, line and the offending text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-regex-"));
    mkdirSync(join(dir, "filter.d"));
    writeFileSync(join(dir, "filter.d", "bad.conf"), "[Definition]\nfailregex = ^ok from <HOST>$\n            ^broken (unclosed from <HOST>$\n");
    const r = await run(["-c", dir, "some line", "bad"]);
    expect(r.rc).toBe(2);
    expect(r.err).toContain(`${join(dir, "filter.d", "bad.conf")}:3`);
    expect(r.err).toContain("^broken (unclosed from <HOST>$");
  });

  test("failregex without a host group is refused", async () => {
    const r = await run(["some line", "no host here"]);
    expect(r.rc).toBe(2);
    expect(r.err).toContain("No failure-id group");
  });

  test("bad --opts JSON", async () => {
    const r = await run(["--json", "--opts", "{nope", "x", "y <HOST>"]);
    expect(r.rc).toBe(2);
    expect(r.err).toContain("--opts");
  });
});
