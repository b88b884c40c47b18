// `f2b -t` as a user runs it: warnings for options nothing reads (exit 0, as fail2ban-client -t
// passes them silently), errors at the file and line that set a bad value (exit 2), and no false
// warnings on fail2ban's stock jail.conf with every jail enabled.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRoot, until } from "../server/helpers.ts";
import { oracles } from "../helpers/fail2ban-server.ts";

const ROOT = join(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const tmp = mkdtempSync(join(tmpdir(), "f2b-check-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(argv: string[]): { code: number; out: string; err: string } {
  const p = Bun.spawnSync(argv, { cwd: ROOT, env: { ...process.env, TZ: "UTC" } });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}
const f2bTest = (dir: string) => run([BUN, "src/cli/main.ts", "-t", "-c", dir]);
/** Each oracle's stock regexes the static check flags (all real: see backtrack-check.test.ts). */
const STOCK_EXPONENTIAL_1_0_2 = [
  "apache-modsecurity failregex 1",
  "assp failregex 4",
  "courier-auth failregex 1",
  "domino-smtp failregex 2",
  "dovecot failregex 2",
  "exim failregex 6",
  "grafana failregex 1",
  "slapd failregex 1",
];
const STOCK_EXPONENTIAL: Record<string, string[]> = {
  "1.0.2": STOCK_EXPONENTIAL_1_0_2,
  // 1.1.1 fixed domino-smtp and exim; selinux-ssh's new `(?:%(_anygrp)s )*` (a quoted value may hold
  // spaces) and slapd's (now second) regex are real: Python's re takes 2^n on `a="b= c=" ` × n.
  "1.1.1": [
    "apache-modsecurity failregex 1",
    "assp failregex 4",
    "courier-auth failregex 1",
    "dovecot failregex 2",
    "grafana failregex 1",
    "selinux-common failregex 1",
    "slapd failregex 2",
  ],
};

let n = 0;
function confDir(jailLocal: string): string {
  const dir = join(tmp, `c${n++}`);
  mkdirSync(join(dir, "filter.d"), { recursive: true });
  mkdirSync(join(dir, "action.d"), { recursive: true });
  const log = join(dir, "demo.log");
  writeFileSync(log, "");
  writeFileSync(join(dir, "filter.d", "demo.conf"), "[Definition]\nfailregex = ^fail from <HOST>$\n");
  writeFileSync(join(dir, "action.d", "dummy.conf"), "[Definition]\nactionban = true\n");
  writeFileSync(
    join(dir, "jail.conf"),
    `[DEFAULT]\nmaxretry = 5\nbackend = polling\naction = dummy\n\n[demo]\nenabled = true\nfilter = demo\nlogpath = ${log}\n`,
  );
  writeFileSync(join(dir, "jail.local"), jailLocal);
  return dir;
}

const hasClient = existsSync("/usr/bin/fail2ban-client");
if (!hasClient) console.warn("check-cli: fail2ban-client comparisons skipped, /usr/bin/fail2ban-client is not installed");

describe("f2b -t", () => {
  test("a typo'd option: a warning naming file:line, exit 0 (fail2ban-client -t: silent, exit 0)", () => {
    const dir = confDir("[demo]\nmaxretyr = 3\n");
    const r = f2bTest(dir);
    expect(r.err).toBe(`WARNING: ${dir}/jail.local:2: jail [demo]: unknown option 'maxretyr' is ignored (did you mean 'maxretry'?)\n`);
    expect(r.out).toStartWith("OK: configuration test is successful");
    expect(r.code).toBe(0);
    if (hasClient) expect(run(["/usr/bin/fail2ban-client", "-c", dir, "-t"]).code).toBe(0);
  });

  test("a bad value in jail.local is reported at jail.local, not at jail.conf", () => {
    const dir = confDir("[demo]\nmaxretry = five\n");
    const r = f2bTest(dir);
    expect(r.err).toBe(`ERROR: ${dir}/jail.local:2: jail [demo] option 'maxretry': not a whole number: "five"\n`);
    expect(r.code).toBe(2);
    const viaDefault = confDir("[DEFAULT]\n\nmaxretry = five\n");
    expect(f2bTest(viaDefault).err).toStartWith(`ERROR: ${viaDefault}/jail.local:3: jail [demo] option 'maxretry'`);
  });

  test("ignoreip = file:/path that cannot be read: a warning at the ignoreip line, exit 0", () => {
    const missing = join(tmp, "no-such-allow.txt");
    const dir = confDir(`[demo]\nmaxretry = 3\nignoreip = 127.0.0.1 file:${missing}\n`);
    const r = f2bTest(dir);
    expect(r.err).toBe(
      `WARNING: ${dir}/jail.local:3: jail [demo] option 'ignoreip': file ${missing} cannot be read, nothing in it is ignored until it can: ENOENT: no such file or directory, open '${missing}'\n`,
    );
    expect(r.code).toBe(0);
    writeFileSync(missing, "192.0.2.1\n");
    expect(f2bTest(dir)).toMatchObject({ code: 0, err: "" });
  });

  test("backend options: systemd[rotated=on] is accepted; an option the backend does not have is a warning at its line", () => {
    const ok = confDir("[demo]\nbackend = systemd[rotated=on, journalflags=1]\n");
    expect(f2bTest(ok)).toMatchObject({ code: 0, err: "" });
    const typo = confDir("[demo]\n\nbackend = systemd[rotate=on]\n");
    expect(f2bTest(typo)).toMatchObject({
      code: 0,
      err: `WARNING: ${typo}/jail.local:3: jail [demo] option 'backend': systemd has no option 'rotate'; it is ignored\n`,
    });
    const polling = confDir("[demo]\nbackend = polling[journalpath=/x]\n");
    expect(f2bTest(polling).err).toBe(`WARNING: ${polling}/jail.local:2: jail [demo] option 'backend': polling has no option 'journalpath'; it is ignored\n`);
  });

  test("a bad logtimezone or ignorecache is an error at its line", () => {
    const tz = confDir("[demo]\nignoreip = 10.0.0.1\nlogtimezone = Europe/Paris\n");
    expect(f2bTest(tz)).toMatchObject({ code: 2, err: expect.stringContaining(`${tz}/jail.local:3: jail [demo] option 'logtimezone'`) });
    const cache = confDir("[demo]\nignorecache = max-count=5\n");
    expect(f2bTest(cache)).toMatchObject({ code: 2, err: expect.stringContaining(`${cache}/jail.local:2: jail [demo] option 'ignorecache': missing key`) });
  });
});

// Each oracle's stock tree (1.1.1: Debian's jail.d/defaults-debian.conf and paths-debian.conf, with
// nftables and the systemd backend for sshd, postfix, dovecot...), every jail enabled.
for (const o of oracles("check-cli stock config")) {
  const stockTree = (label: string, perJail: (log: string) => string): { dir: string; names: string[] } => {
    const dir = join(tmp, `stock-${o.version}-${label}`);
    cpSync(o.etc, dir, { recursive: true });
    const log = join(dir, "any.log");
    writeFileSync(log, "");
    const names = [...readFileSync(join(dir, "jail.conf"), "utf8").matchAll(/^\[([^\]]+)\]/gmu)]
      .map((m) => m[1]!)
      .filter((s) => s !== "DEFAULT" && s !== "INCLUDES");
    writeFileSync(join(dir, "jail.local"), names.map((s) => `[${s}]\nenabled = true\n${perJail(log)}`).join("\n"));
    return { dir, names };
  };
  const exponential = (l: string): boolean => l.includes("can backtrack exponentially");

  describe(`f2b -t on fail2ban ${o.version}'s stock config`, () => {
    test("every jail enabled, reading one existing file: no warnings but the exponential-backtracking ones", () => {
      // without jail.d: Debian's defaults there switch sshd to the journal, which this host may lack
      const { dir, names } = stockTree("polling", (log) => `backend = polling\nlogpath = ${log}\n`);
      rmSync(join(dir, "jail.d"), { recursive: true, force: true });
      const r = f2bTest(dir);
      expect(names.length).toBeGreaterThan(50);
      // issue 11: the stock regexes that can backtrack exponentially (each checked by hand, see
      // tests/filter/backtrack-check.test.ts), one warning per filter and regex, with file:line
      const lines = r.err.split("\n").filter((l) => l !== "");
      expect(lines.filter((l) => !exponential(l))).toEqual([]);
      const flagged = [
        ...new Set(
          lines.map((l) => /^WARNING: .*filter\.d\/([\w-]+)\.conf:\d+: filter '[^']+' \(jail \[[^\]]+\]\): (\w+ \d+)/u.exec(l)?.slice(1, 3).join(" ")),
        ),
      ].sort();
      console.log(`f2b -t, fail2ban ${o.version}'s stock config: ${flagged.length} regexes flagged: ${flagged.join(", ")}`);
      expect(flagged).toEqual(STOCK_EXPONENTIAL[o.version]!.filter((f) => flagged.includes(f)));
      expect(flagged.length).toBeGreaterThan(3);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`jails: ${names[0]}, `);
    }, 60_000);

    test("1.1 set options the native firewall backends do not apply: a warning at the action line; stock values: none", () => {
      const dir = join(tmp, `setopts-${o.version}`);
      cpSync(o.etc, dir, { recursive: true });
      rmSync(join(dir, "jail.d"), { recursive: true, force: true });
      const log = join(dir, "any.log");
      writeFileSync(log, "");
      const jail = (name: string, action: string): string =>
        `[${name}]\nenabled = true\nfilter = sshd\nbackend = polling\nlogpath = ${log}\naction = ${action}\n`;
      writeFileSync(
        join(dir, "jail.local"),
        [
          jail("a", `nftables[addr_options="<sp>flags constant\\;"]`),
          jail("b", `iptables-ipset[ipsettype="hash:ip,port", maxelem=5000000]`),
          jail("c", `nftables[addr_options=""]\n         iptables-ipset[ipsettype=hash:net, maxelem=1000]`),
          ...(o.version === "1.0.2"
            ? []
            : [jail("d", `iptables-multiport[blocktype=DROP, blocktype?family=inet6=DROP]\n         iptables-allports[blocktype?family=inet6=DROP]`)]),
        ].join("\n"),
      );
      const r = f2bTest(dir);
      expect(r.code).toBe(0);
      expect(r.err.split("\n").filter((l) => l !== "" && !exponential(l))).toEqual([
        `WARNING: ${dir}/jail.local:6: jail [a] action 'nftables': addr_options = <sp>flags constant\\; is not applied: f2b's nftables sets are fixed (addresses with timeouts, networks in an interval set)`,
        `WARNING: ${dir}/jail.local:13: jail [b] action 'iptables-ipset': ipsettype = hash:ip,port is not applied: f2b's ipset sets are hash:net (addresses and networks)`,
        `WARNING: ${dir}/jail.local:13: jail [b] action 'iptables-ipset': maxelem = 5000000 is not applied: f2b's ipset sets hold 1048576`,
        ...(o.version === "1.0.2"
          ? []
          : [
              `WARNING: ${dir}/jail.local:28: jail [d] action 'iptables-allports': blocktype?family=inet6 = DROP is not applied: f2b's native iptables-ipset backend treats both address families alike`,
            ]),
      ]);
    }, 60_000);

    test("every jail enabled as shipped (its backends, banactions, log paths): only missing-log and backtracking warnings", () => {
      const { dir, names } = stockTree("shipped", () => "");
      const r = f2bTest(dir);
      const other = r.err.split("\n").filter((l) => l !== "" && !exponential(l) && !/^WARNING: jail \[[^\]]+\] \(\S+:\d+\) has nothing to read: /u.test(l));
      expect(other).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`jails: ${names.join(", ")})`);
    }, 60_000);
  });
}

describe("f2b server", () => {
  test("logs the same warning when it starts", async () => {
    const root = makeRoot("[testd]\n\nmaxretyr = 3\n");
    const pidfile = join(root.dir, "run", "f2b.pid");
    try {
      expect(run([BUN, "src/cli/main.ts", "server", "-c", root.conf]).code).toBe(0);
      await until(() => existsSync(pidfile), "pidfile");
      const want = `${root.conf}/jail.local:3: jail [testd]: unknown option 'maxretyr' is ignored (did you mean 'maxretry'?)`;
      await until(() => existsSync(root.f2bLog) && readFileSync(root.f2bLog, "utf8").includes(want), "warning in the server log");
      expect(readFileSync(root.f2bLog, "utf8")).toMatch(/WARNING\s+\S*jail\.local:3: jail \[testd\]: unknown option 'maxretyr'/u);
    } finally {
      if (existsSync(pidfile)) process.kill(Number(readFileSync(pidfile, "utf8")), "SIGTERM");
      await until(() => !existsSync(pidfile), "server stopped").catch(() => {});
      root.cleanup();
    }
  }, 30_000);
});
