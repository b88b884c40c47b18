// install.sh for real, as root, into a staging root inside a network namespace (no systemd here,
// so the no-systemd path: the daemon is started in the background). The installed binary then
// bans an attacker of a real web login in nftables; a second run keeps the admin's edits and
// duplicates nothing; --uninstall removes f2b's firewall objects and the binary but keeps the
// config; --purge removes that too.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, netnsUnavailableReason, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, login, REPO, startWebapp } from "../e2e/fixtures.ts";
import { cli, daemonPid, installSh, pidAlive, serversOf, staged, until, type StagedRoot } from "./helpers.ts";

const why = netnsUnavailableReason();
if (why) console.warn(`SKIP install.sh end to end: ${why}`);

const WEB = 8080;
let pair: NetnsPair;
let dir: string;
let s: StagedRoot;
let binary: string;
let weblog: string;
let web: { stop(): void } | undefined;

const read = (p: string): string => readFileSync(p, "utf8");
const nft = async (args: string[]): Promise<string> => (await pair.exec(pair.server, ["nft", ...args])).stdout;

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "f2b-install-"));
  // a private copy: other suites may rebuild dist/f2b while this one runs
  binary = join(dir, "f2b-under-test");
  copyFileSync(ensureBinary(), binary);
  s = staged(join(dir, "root"));
  weblog = join(dir, "webapp.log");
  writeFileSync(weblog, "");
  // What the admin prepared before installing: a jail for their web app, sshd off (no auth.log here).
  mkdirSync(join(s.etc, "filter.d"), { recursive: true });
  writeFileSync(join(s.etc, "filter.d", "webapp.conf"), "[Definition]\nfailregex = ^\\s*webapp\\[\\d+\\]: login failed for \\S+ from <HOST>$\n");
  writeFileSync(
    join(s.etc, "jail.local"),
    `[sshd]\nenabled = false\n\n[webapp]\nenabled = true\nfilter = webapp\nlogpath = ${weblog}\nport = ${WEB}\nmaxretry = 3\nbantime = 1h\nusedns = no\nignoreself = false\n`,
  );
  pair = await create();
  web = await startWebapp(pair, WEB, weblog);
}, 60_000);

afterAll(async () => {
  if (why) return;
  web?.stop();
  if (existsSync(s.pidfile)) {
    const pid = daemonPid(s);
    if (pidAlive(pid)) process.kill(pid, "SIGKILL");
  }
  await pair?.destroy();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test.skipIf(!!why)(
  "fresh install: files in place, daemon started, an attacker banned in nftables, the admin never",
  async () => {
    const { attackerIp4: atk, attacker2Ip4: admin, serverIp4: srv } = pair;
    const r = await installSh(pair.server, ["--root", s.root, "--binary", binary], { SSH_CLIENT: `${admin} 50022 22` });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("f2b started in the background");
    expect(r.stdout).toMatch(/Jail list:\s+webapp/u); // `f2b status` at the end

    expect(Buffer.compare(readFileSync(s.bin), readFileSync(binary))).toBe(0);
    expect(read(join(s.etc, "jail.conf"))).toBe(read(join(REPO, "jails", "jail.conf")));
    expect(read(join(s.etc, "filter.d", "sshd.conf"))).toBe(read(join(REPO, "filters", "sshd.conf")));
    expect(read(join(s.share, "defaults", "fail2ban.conf"))).toBe(read(join(REPO, "jails", "fail2ban.conf")));
    expect(read(s.unit)).toContain("ExecStart=/usr/local/bin/f2b server -f");
    expect(read(s.logrotate)).toContain("/usr/local/bin/f2b flushlogs");
    const installer = read(join(s.etc, "jail.d", "00-installer.conf"));
    expect(installer).toContain(`ignoreip = 127.0.0.1/8 ::1 ${admin}\n`);
    expect(installer).toContain("banaction = nftables-multiport\n");
    const ign = await cli(s, ["get", "webapp", "ignoreip", "--json"]);
    expect(JSON.parse(ign.stdout)).toEqual(expect.arrayContaining(["127.0.0.0/8", "::1", admin]));
    expect(pidAlive(daemonPid(s))).toBe(true);

    for (let i = 0; i < 3; i++) expect(await login(pair, atk, srv, WEB, `guess${i}`)).toBe("401");
    await until(async () => (await cli(s, ["get", "webapp", "banned", "--json"])).stdout.includes(atk), `${atk} banned`);
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
    expect(await nft(["list", "table", "inet", "f2b"])).toContain(atk);
    for (let i = 0; i < 4; i++) expect(await login(pair, admin, srv, WEB, "typo")).toBe("401");
    expect(await login(pair, admin, srv, WEB, "secret")).toBe("200");
  },
  60_000,
);

test.skipIf(!!why)(
  "second run: the admin's edit is kept, an unchanged default is upgraded, nothing duplicated",
  async () => {
    const { attackerIp4: atk, attacker2Ip4: admin, serverIp4: srv } = pair;
    const jailConf = join(s.etc, "jail.conf");
    const edited = read(jailConf).replace("findtime = 10m", "findtime = 30m") + "# my note\n";
    expect(edited).toContain("findtime = 30m");
    writeFileSync(jailConf, edited);
    // paths.conf as a previous release shipped it, untouched by the admin since
    const old = "# paths of an older release\n[DEFAULT]\nsshd_log = /var/log/auth.log\n";
    writeFileSync(join(s.etc, "paths.conf"), old);
    writeFileSync(join(s.share, "defaults", "paths.conf"), old);
    const pidBefore = daemonPid(s);

    const r = await installSh(pair.server, ["--root", s.root, "--binary", binary, "--ignoreip", "192.0.2.55", "--ignoreip", "x;reboot"], {
      SSH_CLIENT: `${admin} 50022 22`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("is up to date");
    expect(r.stdout).toContain("configuration reloaded, bans kept");
    expect(r.stderr).toContain("kept your changed");
    expect(r.stderr).toContain("ignoring 'x;reboot': not an address, network or host name");

    expect(read(jailConf)).toBe(edited);
    expect(read(`${jailConf}.f2b-new`)).toBe(read(join(REPO, "jails", "jail.conf")));
    expect(read(join(s.etc, "paths.conf"))).toBe(read(join(REPO, "jails", "paths.conf")));
    expect(existsSync(join(s.etc, "paths.conf.f2b-new"))).toBe(false);
    const installer = read(join(s.etc, "jail.d", "00-installer.conf"));
    expect(installer.match(/^ignoreip = .*$/gmu)).toEqual([`ignoreip = 127.0.0.1/8 ::1 ${admin} 192.0.2.55`]);
    expect(installer).not.toContain("reboot");
    // the admin's jail.local and filter are untouched
    expect(read(join(s.etc, "jail.local"))).toContain(`logpath = ${weblog}`);

    // the same server, reloaded: the admin's edit applies, the ban stays
    expect(serversOf(s)).toEqual([pidBefore]);
    expect((await cli(s, ["get", "webapp", "findtime", "--json"])).stdout.trim()).toBe("1800");
    expect((await cli(s, ["get", "webapp", "banned", "--json"])).stdout).toContain(atk);
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  },
  60_000,
);

test.skipIf(!!why)(
  "a new binary: the daemon is restarted once, the ban restored from the database",
  async () => {
    const { attackerIp4: atk, serverIp4: srv } = pair;
    const pidBefore = daemonPid(s);
    rmSync(s.bin); // as if the installed binary were an older release
    const r = await installSh(pair.server, ["--root", s.root, "--binary", binary]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("installed " + s.bin);
    expect(r.stdout).toContain("stopping the running f2b");
    expect(pidAlive(pidBefore)).toBe(false);
    expect(serversOf(s)).toEqual([daemonPid(s)]);
    expect(daemonPid(s)).not.toBe(pidBefore);
    expect((await cli(s, ["get", "webapp", "banned", "--json"])).stdout).toContain(atk);
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
    expect((await nft(["list", "tables"])).match(/table inet f2b$/gmu)).toHaveLength(1);
    // the SSH address recorded by the first run is still protected (no SSH_CLIENT this time)
    expect(read(join(s.etc, "jail.d", "00-installer.conf"))).toContain(`ignoreip = 127.0.0.1/8 ::1 ${pair.attacker2Ip4} 192.0.2.55\n`);
  },
  60_000,
);

test.skipIf(!!why)(
  "--uninstall with the binary already gone stops the daemon by its pidfile",
  async () => {
    const { attackerIp4: atk, serverIp4: srv } = pair;
    const pid = daemonPid(s);
    rmSync(s.bin);
    const r = await installSh(pair.server, ["--root", s.root, "--uninstall"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopped f2b (pid ${pid})`);
    expect(pidAlive(pid)).toBe(false);
    expect(serversOf(s)).toEqual([]);
    // stopped gracefully, it removed its own table: the attacker gets in again
    expect(await nft(["list", "tables"])).not.toContain("table inet f2b");
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
    expect(existsSync(join(s.etc, "jail.local"))).toBe(true);
  },
  60_000,
);

test.skipIf(!!why)(
  "--uninstall after a crash: firewall objects and binary gone, config and database kept",
  async () => {
    const { attackerIp4: atk, serverIp4: srv } = pair;
    // installed again: the ban (1 h) comes back from the database
    expect((await installSh(pair.server, ["--root", s.root, "--binary", binary])).code).toBe(0);
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
    await pair.exec(pair.server, ["nft", "add table inet keepme"]);
    // leftovers of a crashed iptables backend: a chain with a jump to it and an ipset
    for (const cmd of [
      ["ipset", "create", "f2b-webapp-v4", "hash:net", "timeout", "0"],
      ["iptables", "-w", "-N", "f2b-webapp"],
      ["iptables", "-w", "-A", "f2b-webapp", "-m", "set", "--match-set", "f2b-webapp-v4", "src", "-j", "REJECT"],
      ["iptables", "-w", "-I", "INPUT", "-p", "tcp", "--dport", String(WEB), "-j", "f2b-webapp"],
    ])
      expect((await pair.exec(pair.server, cmd)).code).toBe(0);
    process.kill(daemonPid(s), "SIGKILL"); // no graceful stop: the installer must clean up itself
    await until(() => serversOf(s).length === 0, "daemon gone");
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");

    // fail2ban names its chains f2b-* too: while a fail2ban-server runs in this namespace they stay
    const fakeFail2ban = Bun.spawn(["ip", "netns", "exec", pair.server, "bash", "-c", "exec -a fail2ban-server sleep 60"]);
    await until(() => spawnSync("pgrep", ["-f", "^fail2ban-server 60"]).status === 0, "stand-in fail2ban-server");
    const r = await installSh(pair.server, ["--root", s.root, "--uninstall"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fail2ban is running: leaving iptables chains");
    expect((await pair.exec(pair.server, ["iptables", "-w", "-S"])).stdout).toContain("-N f2b-webapp");
    fakeFail2ban.kill();
    await fakeFail2ban.exited;
    const again = await installSh(pair.server, ["--root", s.root, "--uninstall"]);
    expect(again.code).toBe(0);
    const tables = await nft(["list", "tables"]);
    expect(tables).not.toContain("table inet f2b");
    expect(tables).toContain("table inet keepme");
    expect((await pair.exec(pair.server, ["iptables", "-w", "-S"])).stdout).not.toContain("f2b-");
    expect((await pair.exec(pair.server, ["ipset", "list", "-n"])).stdout).not.toContain("f2b-");
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
    const wants = join(s.root, "etc/systemd/system/multi-user.target.wants/f2b.service");
    for (const gone of [s.bin, s.unit, s.logrotate, s.share, wants]) expect(existsSync(gone)).toBe(false);
    for (const kept of [join(s.etc, "jail.conf"), join(s.etc, "jail.local"), s.db]) expect(existsSync(kept)).toBe(true);
    expect(r.stdout).toContain("kept");
  },
  60_000,
);

test.skipIf(!!why)(
  "--uninstall --purge removes the configuration, the database and the log",
  async () => {
    const r = await installSh(pair.server, ["--root", s.root, "--uninstall", "--purge"]);
    expect(r.code).toBe(0);
    for (const gone of [s.etc, s.db, s.log, join(s.root, "var/lib/f2b")]) expect(existsSync(gone)).toBe(false);
  },
  60_000,
);

test.skipIf(!!why)(
  "a jail whose action cannot start: install.sh fails and says which jail and why",
  async () => {
    const bad = staged(join(dir, "root-unhealthy"));
    mkdirSync(join(bad.etc, "action.d"), { recursive: true });
    mkdirSync(join(bad.etc, "filter.d"), { recursive: true });
    writeFileSync(join(bad.etc, "filter.d", "webapp.conf"), "[Definition]\nfailregex = ^\\s*webapp\\[\\d+\\]: login failed for \\S+ from <HOST>$\n");
    writeFileSync(
      join(bad.etc, "action.d", "nofirewall.conf"),
      "[Definition]\nactionstart = echo 'no firewall here' >&2; exit 1\nactionban = true\nactionunban = true\n",
    );
    writeFileSync(
      join(bad.etc, "jail.local"),
      `[sshd]\nenabled = false\n\n[webapp]\nenabled = true\nfilter = webapp\nlogpath = ${weblog}\naction = nofirewall\n`,
    );
    try {
      const r = await installSh(pair.server, ["--root", bad.root, "--binary", binary]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "ERROR: f2b runs, but a jail cannot ban: webapp: action 'nofirewall' failed to start: [nofirewall] actionstart failed (exit 1: no firewall here)",
      );
      expect(r.stdout).toContain("UNHEALTHY jail:");
    } finally {
      await installSh(pair.server, ["--root", bad.root, "--uninstall", "--purge"]);
    }
  },
  60_000,
);
