// fail2ban's own action.d files (from /etc/fail2ban, read with our config reader) run by
// shellAction against the real firewall in a network namespace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { existsSync } from "node:fs";
import { loadAction } from "../../src/config/action-reader.ts";
import { diskFS } from "../../src/config/fs.ts";
import { shellAction } from "../../src/action/shell-action.ts";
import { create, netnsUnavailableReason, probe, startListener, type Listener, type NetnsPair } from "../helpers/netns.ts";

const reason = netnsUnavailableReason() ?? (existsSync("/etc/fail2ban/action.d") ? null : "/etc/fail2ban/action.d missing (install fail2ban)");
if (reason) console.warn(`tests/action/shell-action-netns: skipped: ${reason}`);

describe.skipIf(reason !== null)("fail2ban action.d files through shellAction in a namespace", () => {
  let pair: NetnsPair;
  let listener: Listener;
  beforeAll(async () => {
    pair = await create();
    listener = await startListener(pair, [22, 8080]);
  });
  afterAll(async () => {
    listener?.stop();
    await pair?.destroy();
  });

  for (const file of ["iptables-multiport", "nftables-multiport", "iptables-allports"]) {
    test(`${file}: ban blocks v4 and v6, unban and stop restore access`, async () => {
      const def = loadAction(diskFS("/etc/fail2ban"), file, { port: "ssh", protocol: "tcp" }, { name: "sshd", options: {} });
      const act = shellAction(def, { run: pair.runner(pair.server), log: memoryLog() });
      await act.start();
      await act.ban({ ip: pair.attackerIp4, matches: ["$(touch /tmp/f2b-pwned)"], failures: 3 });
      await act.ban({ ip: pair.attackerIp6, failures: 3 });
      expect(await probe(pair, pair.attackerIp4, pair.serverIp4, 22)).toBe("refused");
      expect(await probe(pair, pair.attackerIp6, pair.serverIp6, 22)).toBe("refused");
      expect(await probe(pair, pair.attacker2Ip4, pair.serverIp4, 22)).toBe("ok");
      expect(await probe(pair, pair.attackerIp4, pair.serverIp4, 8080)).toBe(file.endsWith("allports") ? "refused" : "ok");
      expect(await act.check()).toBe(true);
      await act.unban({ ip: pair.attackerIp4 });
      expect(await probe(pair, pair.attackerIp4, pair.serverIp4, 22)).toBe("ok");
      await act.stop();
      expect(await probe(pair, pair.attackerIp6, pair.serverIp6, 22)).toBe("ok");
      const left = await pair.exec(pair.server, ["sh", "-c", "iptables-save; ip6tables-save; nft list ruleset"]);
      expect(left.stdout).not.toContain("f2b-sshd");
      expect(left.stdout).not.toContain("f2b-table");
      expect(existsSync("/tmp/f2b-pwned")).toBe(false);
    }, 30_000);
  }
});
