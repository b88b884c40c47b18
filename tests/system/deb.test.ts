// The Debian package (scripts/deb.sh) on a booted Debian 12: apt installs and starts it, a ban
// works, an upgrade to a newer build keeps the ban and an admin's conffile edit, remove keeps the
// database and /etc/f2b, purge deletes them. One container, one boot; the steps run in order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO, F2B } from "../e2e/fixtures.ts";
import { until } from "../helpers/wait.ts";
import { createContainer, sshAttempt, type Container } from "./container.ts";
import { systemTestsRunnable } from "./debian-root.ts";

const STEP_MS = 180_000;
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const NEWER = `${VERSION}+1`;
// Non-interactive as an unattended upgrade: a changed conffile keeps the admin's version.
const APT = "DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold";

function buildDeb(version: string, out: string): string {
  // zstd: 20 times faster than gzip for the 110 MB binary; apt on Debian 12 reads it.
  const r = spawnSync("sh", [join(REPO, "scripts/deb.sh"), "--version", version, "--binary", F2B, "--out", out, "--compress", "zstd"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/deb.sh failed: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

describe.skipIf(!systemTestsRunnable("system deb"))("the .deb on a booted Debian bookworm", () => {
  let c: Container;
  let debs: string;
  const banned = async (ip: string): Promise<boolean> => (await c.exec(["f2b", "get", "sshd", "banip", " "])).stdout.trim().split(" ").includes(ip);
  const mainPid = async (): Promise<string> => (await c.sh("systemctl show -p MainPID --value f2b.service")).trim();
  let pidBefore = "";

  beforeAll(async () => {
    debs = mkdtempSync("/tmp/f2b-debs-");
    const files = [buildDeb(VERSION, debs), buildDeb(NEWER, debs)];
    c = await createContainer("bookworm");
    mkdirSync(join(c.root, "root/debs"), { recursive: true });
    for (const f of files) cpSync(f, join(c.root, "root/debs", f.split("/").pop()!));
    await c.boot();
  }, 600_000);
  afterAll(async () => {
    await c?.destroy();
    if (debs) rmSync(debs, { recursive: true, force: true });
  }, 120_000);

  test(
    "apt install ./f2b_*.deb installs, enables and starts f2b, and says how it lives beside a running fail2ban",
    async () => {
      // A stand-in fail2ban-server (only its name matters to the postinst's check) and its config dir.
      await c.sh("mkdir -p /etc/fail2ban && cp /bin/sleep /usr/local/bin/fail2ban-server && (setsid fail2ban-server 600 >/dev/null 2>&1 &)");
      const out = await c.sh(`cd /root/debs && ${APT} install ./f2b_${VERSION}_amd64.deb 2>&1`);
      await c.sh("pkill -x fail2ban-server; rm -rf /etc/fail2ban /usr/local/bin/fail2ban-server");
      expect(out).toContain("Jail list:");
      expect(out).toContain("fail2ban is running on this host");
      expect(out).toContain("systemctl disable --now fail2ban");
      expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active");
      expect((await c.sh("systemctl is-enabled f2b.service")).trim()).toBe("enabled");
      expect(await c.sh("systemctl show -p FragmentPath --value f2b.service")).toContain("/lib/systemd/system/f2b.service");
      const conffiles = await c.sh(`dpkg-query -W -f='\${Conffiles}\\n' f2b`);
      for (const f of ["/etc/f2b/jail.conf", "/etc/f2b/fail2ban.conf", "/etc/f2b/filter.d/sshd.conf", "/etc/logrotate.d/f2b"]) expect(conffiles).toContain(f);
      expect(await c.sh("stat -c %a /var/lib/f2b")).toBe("700\n");
      expect(await c.sh("f2b status sshd")).toContain("Journal matches:");
    },
    STEP_MS,
  );

  test(
    "a ban: the attacker is refused",
    async () => {
      await c.sh(`f2b set sshd banip ${c.net.attackerIp4}`);
      const r = await sshAttempt(c.net.runner(c.net.attacker), c.net.serverIp4);
      expect(r.outcome, r.output).toBe("refused");
      pidBefore = await mainPid();
    },
    STEP_MS,
  );

  test(
    "an upgrade to a newer build restarts f2b on it, keeps the ban and the admin's conffile edit",
    async () => {
      await c.sh("echo '# the admin was here' >> /etc/f2b/jail.conf");
      const out = await c.sh(`cd /root/debs && ${APT} install ./f2b_${NEWER}_amd64.deb 2>&1`);
      expect(out).toContain("Jail list:");
      expect((await c.sh(`dpkg-query -W -f='\${Version}' f2b`)).trim()).toBe(NEWER);
      expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active");
      expect(await mainPid()).not.toBe(pidBefore);
      await until(() => banned(c.net.attackerIp4), "ban restored after the upgrade", 15_000, 200);
      const r = await sshAttempt(c.net.runner(c.net.attacker), c.net.serverIp4);
      expect(r.outcome, r.output).toBe("refused");
      expect(await c.sh("tail -n 1 /etc/f2b/jail.conf")).toBe("# the admin was here\n");
    },
    STEP_MS,
  );

  test(
    "apt remove stops f2b, removes its firewall objects, keeps /etc/f2b and the ban database",
    async () => {
      await c.sh(`${APT} remove f2b 2>&1`);
      expect((await c.exec(["systemctl", "is-active", "f2b.service"])).stdout.trim()).not.toBe("active");
      expect((await c.exec(["sh", "-c", "command -v f2b"])).code).not.toBe(0);
      expect(await c.sh("nft list ruleset")).not.toContain("f2b");
      await c.sh("test -s /var/lib/f2b/f2b.sqlite3 && test -f /etc/f2b/jail.conf");
      const r = await sshAttempt(c.net.runner(c.net.attacker), c.net.serverIp4);
      expect(r.outcome, r.output).toBe("denied");
    },
    STEP_MS,
  );

  test(
    "apt purge deletes /etc/f2b, the database, the log and the unit's enablement",
    async () => {
      await c.sh(`${APT} purge f2b 2>&1`);
      const left = await c.sh(
        "ls -d /etc/f2b /var/lib/f2b /var/log/f2b.log /lib/systemd/system/f2b.service /etc/systemd/system/multi-user.target.wants/f2b.service /etc/systemd/system/f2b.service 2>/dev/null || true",
      );
      expect(left.trim()).toBe("");
      expect((await c.exec(["dpkg-query", "-W", `-f=\${Status}`, "f2b"])).stdout).not.toContain("installed");
    },
    STEP_MS,
  );
});
