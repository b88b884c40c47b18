// The two breakages issue 12 found on a booted Debian, fixed (hostfix) and proven there:
// - a container that may not touch its firewall (no CAP_NET_ADMIN): the jail's action cannot
//   start, install.sh fails with the jail and the reason, `f2b status` and /metrics say so; after a
//   reboot with the capability the same installed f2b starts healthy;
// - running an existing /etc/fail2ban (a copy of this host's) under the unit: the drop-in
//   install.sh used to suggest makes start-up fail on fail2ban's read-only state paths, and f2b
//   exits with the reason instead of spinning; the shipped drop-in (packaging/f2b-fail2ban.conf)
//   works: fail2ban's database and socket, real SSH failures banned.
// One container, booted twice; the steps run in order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { until } from "../helpers/wait.ts";
import { createContainer, putRelease, sshAttempt, type Container } from "./container.ts";
import { systemTestsRunnable } from "./debian-root.ts";

const STEP_MS = 180_000;
const HOST_FAIL2BAN = "/etc/fail2ban";
const haveFail2banConfig = existsSync(join(HOST_FAIL2BAN, "jail.conf"));
if (!haveFail2banConfig)
  console.warn(`system breakages: /etc/fail2ban steps skipped: no ${HOST_FAIL2BAN}/jail.conf on this host to copy (apt-get install fail2ban)`);
const SANDBOX_DENIED = /Operation not permitted|Read-only file system|EPERM|EROFS|EACCES/;

describe.skipIf(!systemTestsRunnable("system breakages"))("issue 12's breakages on a booted Debian bookworm", () => {
  let c: Container;
  const journalSince = (since: string): Promise<string> => c.sh(`journalctl -u f2b.service --since @${since} -o cat --no-pager`);
  const now = async (): Promise<string> => (await c.sh("date +%s")).trim();

  beforeAll(async () => {
    c = await createContainer("bookworm");
    putRelease(c);
    await c.boot({ netAdmin: false });
  }, 600_000);
  afterAll(async () => {
    await c?.destroy();
  }, 120_000);

  test(
    "without CAP_NET_ADMIN the jail cannot ban: install.sh fails naming it, f2b status and /metrics mark it",
    async () => {
      const r = await c.exec(["sh", "-c", "cd /root/f2b-release && ./install.sh 2>&1"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(/ERROR: f2b runs, but a jail cannot ban: sshd: .*(Operation not permitted|nft)/);
      expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active"); // it runs, unprotected, and says so
      expect(await c.sh("f2b status")).toMatch(/UNHEALTHY jail:\s+sshd: /);
      expect(await c.sh("f2b status sshd")).toContain("UNHEALTHY");
      expect(await c.sh("f2b metrics")).toMatch(/f2b_jail_healthy\{jail="sshd"\} 0/);
    },
    STEP_MS,
  );

  test(
    "rebooted with the capability, the installed f2b starts healthy and bans",
    async () => {
      await c.stop();
      await c.boot();
      await until(async () => (await c.exec(["f2b", "ping"])).code === 0, "f2b answering after the reboot", 20_000, 200);
      expect(await c.sh("f2b status")).not.toContain("UNHEALTHY");
      expect(await c.sh("f2b metrics")).toMatch(/f2b_jail_healthy\{jail="sshd"\} 1/);
      await c.sh(`f2b set sshd banip ${c.net.attackerIp4}`);
      const r = await sshAttempt(c.net.runner(c.net.attacker), c.net.serverIp4);
      expect(r.outcome, r.output).toBe("refused");
    },
    STEP_MS,
  );

  describe.skipIf(!haveFail2banConfig)("an existing /etc/fail2ban under the unit", () => {
    test(
      "the old drop-in (ExecStart with -c /etc/fail2ban only): start-up fails with the reason and f2b exits",
      async () => {
        cpSync(HOST_FAIL2BAN, join(c.root, "etc/fail2ban"), { recursive: true });
        await c.sh(`mkdir -p /etc/systemd/system/f2b.service.d && cat > /etc/systemd/system/f2b.service.d/old.conf <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/usr/local/bin/f2b -c /etc/fail2ban -t
ExecStart=
ExecStart=/usr/local/bin/f2b server -c /etc/fail2ban -f
EOF
systemctl daemon-reload`);
        const since = await now();
        await c.exec(["systemctl", "restart", "f2b.service"]); // Type=simple: returns once it is forked
        // It exits with the reason (systemd then restarts it every 2 s until its start limit).
        await until(
          async () => Number((await c.sh("systemctl show -p NRestarts --value f2b.service")).trim()) >= 1,
          "f2b to exit and be restarted",
          20_000,
          200,
        );
        const log = await journalSince(since);
        expect(log).toMatch(/\/var\/lib\/fail2ban|\/run\/fail2ban/);
        expect(log).toMatch(/Read-only file system|cannot open database|not writable/i);
        expect(log).toMatch(/f2b\.service: Main process exited, code=exited, status=1/);
        await c.sh("systemctl stop f2b.service");
      },
      STEP_MS,
    );

    test(
      "the shipped drop-in runs it: fail2ban's database and socket, real SSH failures banned",
      async () => {
        const since = await now();
        await c.sh(`rm /etc/systemd/system/f2b.service.d/old.conf; : > /var/log/fail2ban.log
install -D -m 0644 /usr/local/share/f2b/f2b-fail2ban.conf /etc/systemd/system/f2b.service.d/f2b-fail2ban.conf
systemctl daemon-reload; systemctl reset-failed f2b.service; systemctl restart f2b.service`);
        const cli = ["f2b", "-c", "/etc/fail2ban"];
        await until(async () => (await c.exec([...cli, "ping"])).code === 0, "f2b on fail2ban's socket", 20_000, 200);
        await c.sh("test -S /run/fail2ban/fail2ban.sock && test -s /var/lib/fail2ban/fail2ban.sqlite3");
        const attacker = c.net.runner(c.net.attacker);
        const maxretry = Number((await c.sh("f2b -c /etc/fail2ban get sshd maxretry")).trim());
        for (let i = 1; i <= maxretry; i++) {
          const r = await sshAttempt(attacker, c.net.serverIp4, { source: c.net.attacker2Ip4 });
          expect(r.outcome, `attempt ${i}: ${r.output}`).toBe("denied");
        }
        await until(
          async () => (await c.exec([...cli, "get", "sshd", "banip", " "])).stdout.includes(c.net.attacker2Ip4),
          "ban under fail2ban's config",
          15_000,
          200,
        );
        const r = await sshAttempt(attacker, c.net.serverIp4, { source: c.net.attacker2Ip4 });
        expect(r.outcome, r.output).toBe("refused");
        expect((await c.sh("systemctl is-active f2b.service")).trim()).toBe("active");
        // fail2ban.conf's logtarget is /var/log/fail2ban.log: nothing the sandbox denied, there or in the journal
        const log = `${await journalSince(since)}${await c.sh("cat /var/log/fail2ban.log 2>/dev/null || true")}`;
        expect(log).not.toMatch(SANDBOX_DENIED);
        expect(log).not.toMatch(/\b(ERROR|CRITICAL)\b/);
      },
      STEP_MS,
    );
  });
});
