// f2b on a booted Debian (systemd as PID 1, journald, a real sshd that logs only to the journal,
// no rsyslog), installed with the README's command from a release directory, against real SSH
// logins with a wrong password from another network namespace. One container per Debian release,
// booted twice (the reboot). The steps share the container and run in order. Debian 13 runs
// without /etc/services (issue 12: `port = ssh` failed there).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../e2e/fixtures.ts";
import { until } from "../helpers/wait.ts";
import { createContainer, putRelease, sshAttempt, type Container } from "./container.ts";
import { systemTestsRunnable, type Suite } from "./debian-root.ts";

const SUITES: Suite[] = ["bookworm", "trixie"];
const STEP_MS = 180_000;
// Releases run without /etc/services (one is enough: the other proves the ordinary case).
const NO_SERVICES_FILE: Suite[] = ["trixie"];

/** The exposure `systemd-analyze security` gives the unit, as packaging/README.md states it. */
function statedExposure(): { score: string; level: string } {
  const m = /rates it (\d+\.\d) \("(\w+)"\)/.exec(readFileSync(join(REPO, "packaging/README.md"), "utf8"));
  if (!m) throw new Error('packaging/README.md does not state the unit\'s exposure as: rates it N.N ("LEVEL")');
  return { score: m[1]!, level: m[2]! };
}

for (const suite of SUITES) {
  describe.skipIf(!systemTestsRunnable(`system ${suite}`))(`f2b on a booted Debian ${suite} with a real sshd`, () => {
    let c: Container;
    let maxretry = 0;
    const status = (): Promise<string> => c.sh("f2b status sshd");
    // false also while f2b is not answering yet (just restarted)
    const banned = async (ip: string): Promise<boolean> => (await c.exec(["f2b", "get", "sshd", "banip", " "])).stdout.trim().split(" ").includes(ip);
    const f2bLog = (): Promise<string> => c.sh("cat /var/log/f2b.log; journalctl -u f2b.service -o cat --no-pager");
    const refused = async (): Promise<void> => {
      const r = await sshAttempt(c.net.runner(c.net.attacker), c.net.serverIp4);
      expect(r.outcome, r.output).toBe("refused");
    };

    beforeAll(async () => {
      c = await createContainer(suite);
      putRelease(c);
      await c.boot();
    }, 600_000);
    afterAll(async () => {
      await c?.destroy();
    }, 120_000);

    test(
      "install.sh installs and starts f2b under systemd; sshd logs only to the journal",
      async () => {
        expect(await c.sh("test ! -e /var/log/auth.log && ! command -v rsyslogd && echo no-syslog")).toContain("no-syslog");
        if (NO_SERVICES_FILE.includes(suite)) {
          // As in minimal images and container templates without netbase: `port = ssh` must still work.
          await c.sh("rm /etc/services");
          expect((await c.exec(["getent", "services", "ssh"])).code).not.toBe(0);
        }
        const out = await c.sh("cd /root/f2b-release && ./install.sh 2>&1");
        expect(out).toContain("f2b is running under systemd");
        expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active");
        expect((await c.sh("systemctl is-enabled f2b.service")).trim()).toBe("enabled");
        if (suite === "trixie") expect(await c.sh("ls /usr/lib/openssh/")).toContain("sshd-session");
        const st = await status();
        expect(st).toContain("Journal matches:");
        expect(st).toContain("_COMM=sshd-session");
        maxretry = Number((await c.sh("f2b get sshd maxretry")).trim());
        expect(maxretry).toBeGreaterThan(1);
      },
      STEP_MS,
    );

    test(
      "real SSH logins with a wrong password: the client is refused after maxretry, read from the journal",
      async () => {
        const attacker = c.net.runner(c.net.attacker);
        for (let i = 1; i <= maxretry; i++) {
          const r = await sshAttempt(attacker, c.net.serverIp4);
          // The last one may be cut off by its own ban (f2b reads the failure before the client leaves).
          expect(i < maxretry ? ["denied"] : ["denied", "timeout"], `attempt ${i}: ${r.output}`).toContain(r.outcome);
          if (i < maxretry) expect(await banned(c.net.attackerIp4), `banned after ${i} of ${maxretry} failures`).toBe(false);
        }
        await until(() => banned(c.net.attackerIp4), `${c.net.attackerIp4} banned`, 15_000, 200);
        await refused();
        // Another address of the same client network still reaches sshd: the ban is the address's.
        const other = await sshAttempt(attacker, c.net.serverIp4, { source: c.net.attacker2Ip4 });
        expect(other.outcome, other.output).toBe("denied");
        // the other address's failure too, once f2b has read it from the journal
        const total = new RegExp(`Total failed:\\s+${maxretry + 1}\\b`);
        await until(async () => total.test(await status()), `Total failed: ${maxretry + 1}`, 15_000, 200);
        expect(await status()).toMatch(new RegExp(`Banned IP list:\\s.*${c.net.attackerIp4.replaceAll(".", "\\.")}`));
        // sshd's failures are in the journal only; f2b found each of them there.
        const journal = await c.sh(`journalctl --no-pager -o cat -t sshd -t sshd-session --grep 'Failed password for root from ${c.net.attackerIp4}'`);
        expect(journal.trim().split("\n").length).toBe(maxretry);
        expect(await f2bLog()).toContain("reads the systemd journal");
        expect(await c.sh("nft list set inet f2b addr-sshd-v4")).toContain(c.net.attackerIp4);
      },
      STEP_MS,
    );

    test(
      "the sandbox lets iptables and ipset work too (a second jail on the iptables backend)",
      async () => {
        await c.sh(`cat > /etc/f2b/jail.d/zz-iptables.local <<'EOF'
[sshd-ipt]
enabled = true
filter = sshd
backend = systemd
port = ssh
banaction = iptables-multiport
EOF
systemctl reload f2b.service`);
        await until(async () => (await c.exec(["f2b", "status", "sshd-ipt"])).code === 0, "jail sshd-ipt", 15_000, 200);
        await c.sh("f2b set sshd-ipt banip 10.254.0.9");
        expect(await c.sh("ipset list -n")).toContain("f2b-sshd-ipt");
        expect(await c.sh("ipset list")).toContain("10.254.0.9");
        expect(await c.sh("iptables -w -S")).toContain("f2b-sshd-ipt");
        expect(await banned(c.net.attackerIp4)).toBe(true); // the reload kept the sshd ban
      },
      STEP_MS,
    );

    test(
      "systemctl restart f2b keeps the ban",
      async () => {
        await c.sh("systemctl restart f2b.service");
        await until(() => banned(c.net.attackerIp4), "ban restored after restart", 15_000, 200);
        await until(
          async () => (await c.exec(["nft", "list", "set", "inet", "f2b", "addr-sshd-v4"])).stdout.includes(c.net.attackerIp4),
          "ban in nftables after restart",
          15_000,
          200,
        );
        await refused();
      },
      STEP_MS,
    );

    test(
      "a reboot keeps the ban (restored from the database into a fresh firewall)",
      async () => {
        await c.stop();
        // The clean shutdown stopped f2b, which took its objects out of the (surviving) namespace;
        // flushing it anyway gives the next boot a firewall as fresh as a rebooted kernel's.
        const host = c.net.runner(c.net.server);
        expect((await host.run(["nft", "list", "ruleset"])).stdout).not.toContain("table inet f2b");
        await host.run(["nft", "flush", "ruleset"]);
        await c.boot();
        expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active");
        await until(() => banned(c.net.attackerIp4), "ban restored after reboot", 20_000, 200);
        await until(
          async () => (await c.exec(["nft", "list", "set", "inet", "f2b", "addr-sshd-v4"])).stdout.includes(c.net.attackerIp4),
          "ban in nftables after reboot",
          15_000,
          200,
        );
        await refused();
      },
      STEP_MS,
    );

    test(
      "the sandbox blocked nothing: no EPERM/EROFS from nft, iptables, ipset, the journal or the database",
      async () => {
        const log = await f2bLog();
        expect(log).not.toMatch(/Operation not permitted|Read-only file system|EPERM|EROFS|EACCES|Permission denied|cannot open database/);
        expect(log).not.toMatch(/\b(ERROR|CRITICAL)\b/);
      },
      STEP_MS,
    );

    test(
      "systemctl stop f2b removes f2b's firewall objects",
      async () => {
        await c.sh("systemctl stop f2b.service");
        expect(await c.sh("nft list ruleset")).not.toContain("f2b");
        expect(await c.sh("iptables -w -S; ip6tables -w -S")).not.toContain("f2b-");
        expect(await c.sh("ipset list -n")).not.toContain("f2b-");
      },
      STEP_MS,
    );

    test(
      "systemd-analyze security rates the unit as packaging/README.md states",
      async () => {
        const stated = statedExposure();
        const out = await c.sh("systemd-analyze security --no-pager f2b.service 2>&1");
        const m = /Overall exposure level for f2b\.service: (\d+\.\d) (\w+)/.exec(out);
        expect(m?.slice(1), out.slice(-500)).toEqual([stated.score, stated.level]);
      },
      STEP_MS,
    );
  });
}
