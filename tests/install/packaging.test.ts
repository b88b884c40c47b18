// The systemd unit (checked by systemd-analyze verify), the logrotate config (a real rotation
// against a running server, whose postrotate makes it reopen its log), and install.sh's own
// checks: options, root only, --prefix, --no-start, the fail2ban notice, a lone install.sh.
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, REPO } from "../e2e/fixtures.ts";
import { makeRoot, until } from "../server/helpers.ts";
import { INSTALL_SH, installSh, staged } from "./helpers.ts";

const has = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("SKIP install.sh runs: not root");
if (!has("systemd-analyze")) console.warn("SKIP unit verification: systemd-analyze not installed (apt-get install systemd)");
if (!has("logrotate")) console.warn("SKIP logrotate rotation: logrotate not installed (apt-get install logrotate)");

const dir = mkdtempSync(join(tmpdir(), "f2b-pkg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const UNIT = readFileSync(join(REPO, "packaging", "f2b.service"), "utf8");

test.skipIf(!has("systemd-analyze"))(
  "systemd-analyze verify accepts the unit without a warning",
  () => {
    const unit = join(dir, "f2b.service");
    // verify checks that ExecStart's binary exists: point it at ours
    writeFileSync(unit, UNIT.replaceAll("/usr/local/bin/f2b", ensureBinary()));
    const r = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    expect(r.stderr.split("\n").filter((l) => l.includes("f2b.service"))).toEqual([]);
    expect(r.status).toBe(0);
  },
  60_000,
);

test.skipIf(!has("systemd-analyze"))(
  "systemd-analyze security rates the unit's exposure at most 3 (of 10)",
  () => {
    const unit = join(dir, "f2b.service");
    writeFileSync(unit, UNIT.replaceAll("/usr/local/bin/f2b", ensureBinary()));
    const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", unit], { encoding: "utf8" });
    const level = /Overall exposure level for f2b\.service: ([\d.]+)/u.exec(r.stdout)?.[1];
    if (level === undefined) {
      console.warn(`SKIP exposure level: this systemd-analyze cannot rate a unit file offline (${r.stderr.trim()})`);
      return;
    }
    expect(Number(level)).toBeLessThanOrEqual(3);
  },
  60_000,
);

test("the unit is hardened and starts the daemon in the foreground", () => {
  const lines = new Set(UNIT.split("\n"));
  for (const l of [
    "ExecStart=/usr/local/bin/f2b server -f",
    "ExecReload=/bin/kill -HUP $MAINPID",
    "Restart=on-failure",
    "ProtectSystem=strict",
    "ReadWritePaths=/var/log",
    "RuntimeDirectory=f2b",
    "StateDirectory=f2b",
    "ProtectHome=read-only",
    "PrivateTmp=yes",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE",
  ])
    expect(lines.has(l)).toBe(true);
  // the shipped fail2ban.conf paths are the ones the sandbox leaves writable
  const conf = readFileSync(join(REPO, "jails", "fail2ban.conf"), "utf8");
  expect(conf).toMatch(/^socket = \/run\/f2b\//mu);
  expect(conf).toMatch(/^dbfile = \/var\/lib\/f2b\//mu);
  expect(conf).toMatch(/^logtarget = \/var\/log\//mu);
}, 60_000);

test.skipIf(!has("logrotate"))(
  "logrotate rotates f2b's log and the running server reopens it (postrotate flushlogs)",
  async () => {
    const root = makeRoot("");
    const f2b = ensureBinary();
    const proc = Bun.spawn([f2b, "server", "-c", root.conf, "-f"], { stdout: "inherit", stderr: "inherit" });
    try {
      const cli = (args: string[]) => spawnSync(f2b, ["-s", root.socket, ...args], { encoding: "utf8" });
      await until(() => cli(["ping"]).status === 0, "server up", 15_000);
      const conf = join(root.dir, "logrotate.conf");
      const shipped = readFileSync(join(REPO, "packaging", "f2b.logrotate"), "utf8");
      writeFileSync(
        conf,
        shipped
          .replace("/var/log/f2b.log", root.f2bLog)
          .replace("/usr/local/bin/f2b flushlogs", `${f2b} -s ${root.socket} flushlogs`)
          .replace("create 0640 root adm", "create 0640 root root"),
      );
      const r = spawnSync("logrotate", ["-f", "-s", join(root.dir, "logrotate.state"), conf], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(existsSync(`${root.f2bLog}.1`)).toBe(true); // delaycompress: yesterday's log stays plain
      expect(cli(["set", "testd", "banip", "192.0.2.77"]).status).toBe(0);
      await until(() => existsSync(root.f2bLog) && readFileSync(root.f2bLog, "utf8").includes("Ban 192.0.2.77"), "the ban logged to the new file");
      expect(readFileSync(`${root.f2bLog}.1`, "utf8")).not.toContain("192.0.2.77");
    } finally {
      proc.kill();
      await proc.exited;
      root.cleanup();
    }
  },
  60_000,
);

test("bad options and a non-root user are refused with a clear message", async () => {
  const bad = await installSh(null, ["--bogus"]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain("unknown option: --bogus");
  expect(bad.stderr).toContain("usage:");
  expect((await installSh(null, ["--purge"])).stderr).toContain("--purge only goes with --uninstall");
  expect((await installSh(null, ["--firewall", "pf"])).stderr).toContain("--firewall must be nftables or iptables");
  expect((await installSh(null, ["--root"])).stderr).toContain("--root needs a value");
  expect((await installSh(null, ["--root", join(dir, "a b"), "--no-start"])).stderr).toContain("must not contain blanks");
  if (isRoot && has("setpriv")) {
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", INSTALL_SH], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("run me as root");
  }
}, 60_000);

test.skipIf(!isRoot)(
  "--prefix, --no-start and the fail2ban notice",
  async () => {
    const root = join(dir, "prefix-root");
    mkdirSync(join(root, "etc", "fail2ban"), { recursive: true });
    const r = await installSh(null, ["--root", root, "--prefix", "/opt/f2b", "--binary", ensureBinary(), "--no-start", "--ignoreip", "198.51.100.0/24"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = staged(root);
    expect(existsSync(join(root, "opt/f2b/bin/f2b"))).toBe(true);
    expect(existsSync(join(root, "opt/f2b/share/f2b/defaults/jail.conf"))).toBe(true);
    expect(readFileSync(s.unit, "utf8")).toContain("ExecStart=/opt/f2b/bin/f2b server -f");
    expect(readFileSync(s.logrotate, "utf8")).toContain("/opt/f2b/bin/f2b flushlogs");
    if (has("systemctl")) {
      // enabled offline in the staging root, as `systemctl enable` does on a live system
      expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/f2b.service"))).toBe("/etc/systemd/system/f2b.service");
    }
    expect(readFileSync(join(s.etc, "jail.d", "00-installer.conf"), "utf8")).toContain("ignoreip = 127.0.0.1/8 ::1 198.51.100.0/24\n");
    expect(r.stdout).toContain("not started (--no-start)");
    expect(existsSync(s.socket)).toBe(false);
    expect(r.stdout).toContain("f2b server -c /etc/fail2ban");
    expect(r.stdout).toContain("fail2ban must be stopped first");
    // the installed config passes f2b's own check
    const t = spawnSync(join(root, "opt/f2b/bin/f2b"), ["-c", s.etc, "-t"], { encoding: "utf8" });
    expect(t.stdout).toContain("OK: configuration test is successful");
  },
  60_000,
);

test.skipIf(!isRoot)(
  "the firewall: nftables when nft works, else iptables; --firewall overrides",
  async () => {
    const banaction = (root: string): string => /^banaction = (.*)$/mu.exec(readFileSync(join(root, "etc/f2b/jail.d/00-installer.conf"), "utf8"))?.[1] ?? "";
    const args = (root: string): string[] => ["--root", root, "--binary", ensureBinary(), "--no-start", "--ignoreip", "192.0.2.1"];
    // a host without nft: /usr/bin and /usr/sbin minus nft
    const nonft = join(dir, "nonft");
    mkdirSync(nonft);
    for (const d of ["/usr/bin", "/usr/sbin"]) {
      for (const f of readdirSync(d)) if (f !== "nft" && !existsSync(join(nonft, f))) symlinkSync(join(d, f), join(nonft, f));
    }
    const noNft = spawnSync("sh", [INSTALL_SH, ...args(join(dir, "fw-iptables"))], { encoding: "utf8", env: { PATH: nonft } });
    expect(noNft.status).toBe(0);
    expect(banaction(join(dir, "fw-iptables"))).toBe("iptables-multiport");
    expect(readFileSync(join(dir, "fw-iptables/etc/f2b/jail.d/00-installer.conf"), "utf8")).toContain("banaction_allports = iptables-allports\n");
    const forced = await installSh(null, [...args(join(dir, "fw-forced")), "--firewall", "iptables"]);
    expect(forced.code).toBe(0);
    expect(banaction(join(dir, "fw-forced"))).toBe("iptables-multiport");
    if (has("nft") && spawnSync("nft", ["list", "tables"]).status === 0) {
      expect((await installSh(null, args(join(dir, "fw-auto")))).code).toBe(0);
      expect(banaction(join(dir, "fw-auto"))).toBe("nftables-multiport");
    }
    // the chosen banaction resolves to a working config
    const t = spawnSync(join(dir, "fw-iptables/usr/local/bin/f2b"), ["-c", join(dir, "fw-iptables/etc/f2b"), "-t"], { encoding: "utf8" });
    expect(t.stdout).toContain("OK: configuration test is successful");
  },
  60_000,
);

test.skipIf(!isRoot)(
  "the admin's address: SSH_CLIENT, else SSH_CONNECTION, else who -m when it names an address",
  async () => {
    const whoDir = join(dir, "who-bin");
    mkdirSync(whoDir, { recursive: true });
    const ignoreLine = async (name: string, env: Record<string, string>, who?: string, extra: string[] = []): Promise<string> => {
      if (who !== undefined) {
        writeFileSync(join(whoDir, "who"), `#!/bin/sh\necho '${who}'\n`);
        chmodSync(join(whoDir, "who"), 0o755);
      }
      const root = join(dir, `who-${name}`);
      const path = who === undefined ? "/usr/bin:/usr/sbin:/bin:/sbin" : `${whoDir}:/usr/bin:/usr/sbin:/bin:/sbin`;
      const r = await installSh(null, ["--root", root, "--binary", ensureBinary(), "--no-start", ...extra], { ...env, PATH: path });
      expect(r.code).toBe(0);
      return /^ignoreip = (.*)$/mu.exec(readFileSync(join(root, "etc/f2b/jail.d/00-installer.conf"), "utf8"))![1]!;
    };
    expect(await ignoreLine("client", { SSH_CLIENT: "203.0.113.9 40000 22", SSH_CONNECTION: "198.51.100.1 1 198.51.100.2 22" })).toBe(
      "127.0.0.1/8 ::1 203.0.113.9",
    );
    expect(await ignoreLine("conn", { SSH_CONNECTION: "2001:db8::7 40000 2001:db8::1 22" })).toBe("127.0.0.1/8 ::1 2001:db8::7");
    expect(await ignoreLine("mapped", { SSH_CLIENT: "::ffff:192.0.2.44 40000 22" })).toBe("127.0.0.1/8 ::1 192.0.2.44");
    expect(await ignoreLine("who", {}, "admin    pts/0        2026-11-22 10:00 (192.0.2.80)")).toBe("127.0.0.1/8 ::1 192.0.2.80");
    // a local X display or tmux is no address; host names only by --ignoreip
    expect(await ignoreLine("who-x", {}, "admin    tty7         2026-11-22 10:00 (:0)")).toBe("127.0.0.1/8 ::1");
    expect(await ignoreLine("who-tmux", {}, "admin    pts/3        2026-11-22 10:00 (tmux(1234).%0)", ["--ignoreip", "office-gw.example.net"])).toBe(
      "127.0.0.1/8 ::1 office-gw.example.net",
    );
  },
  60_000,
);

test.skipIf(!isRoot)(
  "install.sh alone (no binary, no checkout) says what is missing",
  async () => {
    const lone = join(dir, "lone");
    mkdirSync(lone);
    copyFileSync(INSTALL_SH, join(lone, "install.sh"));
    const r = spawnSync("sh", [join(lone, "install.sh"), "--root", join(dir, "lone-root"), "--no-start"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no f2b binary beside install.sh and no source checkout to build one");
  },
  60_000,
);
