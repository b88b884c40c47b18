// Every path f2b writes (database, pidfile, socket, log file) is writable under the unit's
// sandbox (ProtectSystem=strict): for f2b's own config with the shipped unit, and for fail2ban's
// /etc/fail2ban with the shipped drop-in packaging/f2b-fail2ban.conf (issue 12: under the unit
// alone, -c /etc/fail2ban found /var/lib/fail2ban and /run/fail2ban read-only).
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { diskFS, embeddedFS, type ConfigFS } from "../../src/config/fs.ts";
import { REPO } from "../e2e/fixtures.ts";

const UNIT = readFileSync(join(REPO, "packaging", "f2b.service"), "utf8");
const DROP_IN = readFileSync(join(REPO, "packaging", "f2b-fail2ban.conf"), "utf8");

/** A [Service] setting as systemd merges unit and drop-ins: each line appends, an empty one resets. */
function setting(texts: string[], key: string): string[] {
  let out: string[] = [];
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const m = new RegExp(`^${key}=(.*)$`).exec(line.trim());
      if (m) out = m[1] === "" ? [] : [...out, m[1]!];
    }
  }
  return out;
}

/** Where the service may write: what systemd makes writable, and a `-` path only if it exists at
 *  start, which here means a privileged (`+`) ExecStartPre creates it. */
function writablePaths(texts: string[]): string[] {
  expect(setting(texts, "ProtectSystem")).toEqual(["strict"]);
  const created = setting(texts, "ExecStartPre")
    .filter((c) => c.startsWith("+"))
    .flatMap((c) => [...c.matchAll(/mkdir -p ((?:\/[^\s';]+ ?)+)/g)].flatMap((m) => m[1]!.trim().split(" ")));
  const words = (key: string): string[] => setting(texts, key).flatMap((v) => v.split(/\s+/).filter(Boolean));
  return [
    ...words("ReadWritePaths")
      .filter((p) => !p.startsWith("-") || created.includes(p.slice(1)))
      .map((p) => p.replace(/^-/, "")),
    ...words("RuntimeDirectory").map((d) => `/run/${d}`),
    ...words("StateDirectory").map((d) => `/var/lib/${d}`),
    ...words("LogsDirectory").map((d) => `/var/log/${d}`),
    ...(setting(texts, "PrivateTmp").at(-1) === "yes" ? ["/tmp", "/var/tmp"] : []),
  ];
}

/** The config root ExecStart runs: `-c DIR`, else /etc/f2b (f2b's shipped defaults, embedded). */
function configOf(texts: string[]): { root: string; fs: ConfigFS | null } {
  const start = setting(texts, "ExecStart").at(-1)!;
  const root = /\s-c\s+(\S+)/.exec(start)?.[1] ?? "/etc/f2b";
  if (root === "/etc/f2b") return { root, fs: embeddedFS() };
  return { root, fs: existsSync(join(root, "fail2ban.conf")) ? diskFS(root) : null };
}

/** The files f2b creates; /var/run is /run on every systemd host. */
function writtenPaths(fs: ConfigFS): string[] {
  const c = loadFail2banConf(fs);
  const log = /^(STDOUT|STDERR|SYSOUT|SYSLOG|SYSTEMD-JOURNAL)\b/i.test(c.logtarget) ? [] : [c.logtarget];
  return [c.dbfile, c.pidfile, c.socket, ...log].map((p) => p.replace(/^\/var\/run\//, "/run/"));
}

const under = (path: string, dirs: string[]): boolean => dirs.some((d) => path === d || path.startsWith(`${d}/`));

for (const [name, texts] of [
  ["the unit with f2b's own config", [UNIT]],
  ["the unit with the fail2ban drop-in", [UNIT, DROP_IN]],
] as const) {
  test(`${name}: every path the config writes is writable in the sandbox`, () => {
    const { root, fs } = configOf([...texts]);
    if (!fs) {
      console.warn(`SKIP ${name}: no ${root}/fail2ban.conf on this host`);
      return;
    }
    const writable = writablePaths([...texts]);
    const paths = writtenPaths(fs);
    expect(paths.length).toBeGreaterThanOrEqual(3);
    for (const p of paths) expect([p, under(dirname(p), writable)]).toEqual([p, true]);
  });
}

test("fail2ban 1.1.1's fail2ban.conf paths are writable under the drop-in too", () => {
  const oracle = "/opt/f2b-oracle/fail2ban-1.1.1/etc/fail2ban";
  if (!existsSync(join(oracle, "fail2ban.conf"))) {
    console.warn(`SKIP: no ${oracle}`);
    return;
  }
  const writable = writablePaths([UNIT, DROP_IN]);
  for (const p of writtenPaths(diskFS(oracle))) expect([p, under(dirname(p), writable)]).toEqual([p, true]);
});

test("without the drop-in, fail2ban's state directories are read-only (what the drop-in is for)", () => {
  const writable = writablePaths([UNIT]);
  expect(under("/var/lib/fail2ban", writable)).toBe(false);
  expect(under("/run/fail2ban", writable)).toBe(false);
});

test("the drop-in keeps the unit's privileged set-up (iptables' lock) and checks the config it runs", () => {
  const pre = setting([UNIT, DROP_IN], "ExecStartPre");
  for (const own of setting([UNIT], "ExecStartPre").filter((c) => c.startsWith("+"))) {
    const cmd = /'([^']*)'/.exec(own)![1]!;
    expect(pre.some((c) => c.startsWith("+") && c.includes(cmd))).toBe(true);
  }
  expect(pre).toContain("/usr/local/bin/f2b -c /etc/fail2ban -t");
  expect(setting([UNIT, DROP_IN], "ExecStart")).toEqual(["/usr/local/bin/f2b server -c /etc/fail2ban -f"]);
  // not RuntimeDirectory=fail2ban: systemd would delete /run/fail2ban when f2b stops
  expect(setting([UNIT, DROP_IN], "RuntimeDirectory")).toEqual(["f2b"]);
});
