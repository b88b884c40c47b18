// End to end, as root: network bans (banprefix6, escalate4) with the compiled f2b, a real HTTP
// login service in a network namespace and real nftables or iptables+ipset. Attackers use extra
// addresses of the pair's /64 and /24 on the attacker side. fail2ban has no such options: these
// tests assert f2b's documented behaviour (README "Banning networks").
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { create, netnsUnavailableReason, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, e2eRoot, login, startWebapp, type E2eRoot } from "./fixtures.ts";
import { F2bProcess } from "./f2b-process.ts";

/** ip column of the database's bans table (read with Python's sqlite3, not our code). */
function storedIps(db: string): string[] {
  const py = `import sqlite3,sys; print("\\n".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select ip from bans order by ip")))`;
  return spawnSync("/usr/bin/python3", ["-c", py, db], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l !== "");
}

export interface PrefixFirewall {
  name: string;
  banaction: string;
  /** The elements of the jail's firewall sets as the kernel lists them. */
  elements(pair: NetnsPair): Promise<string[]>;
  /** Empties the jail's sets behind f2b's back (as a ruleset flush would). */
  breakBans(pair: NetnsPair): Promise<void>;
}

export function prefixSuite(kind: PrefixFirewall): void {
  const why = netnsUnavailableReason();
  if (why) console.warn(`SKIP e2e prefixes ${kind.name}: ${why}`);
  const WEB = 8080;
  let pair: NetnsPair;
  let root: E2eRoot;
  let web: { stop(): void };
  let f2b: F2bProcess;
  /** fd00:h::<suffix>, the pair's /64 (the server's address is ::1, the attackers' ::2 and ::3). */
  const v6 = (suffix: string): string => pair.attackerIp6.replace(/::2$/u, `::${suffix}`);
  const v4 = (last: number): string => pair.attackerIp4.replace(/\.2$/u, `.${last}`);
  const net64 = (): string => v6("").replace(/::$/u, "::/64");
  const net24 = (): string => v4(0) + "/24";
  /** fd01:h:0:n::5, in /64 number n of the /48 fd01:h::/48 (h: the pair's own group). */
  const far = (n: number): string => pair.attackerIp6.replace(/^fd00:([0-9a-f]+)::2$/u, `fd01:$1:0:${n}::5`);
  const far48 = (): string => pair.attackerIp6.replace(/^fd00:([0-9a-f]+)::2$/u, "fd01:$1::/48");
  const fail = async (src: string, n = 1): Promise<void> => {
    for (let i = 0; i < n; i++) expect(await login(pair, src, src.includes(":") ? pair.serverIp6 : pair.serverIp4, WEB, `guess${i}`)).toBe("401");
  };
  const get = (src: string): Promise<string> => login(pair, src, src.includes(":") ? pair.serverIp6 : pair.serverIp4, WEB, "secret");
  const bannedNow = async (): Promise<string[]> => JSON.parse((await f2b.cli(["get", "webapp", "banned", "--json"])).stdout) as string[];

  describe(`network bans end to end with ${kind.name}`, () => {
    beforeAll(async () => {
      if (why) return;
      ensureBinary();
      pair = await create();
      const dev = `va${pair.suffix}`;
      for (const s of ["10", "11", "12", "13", "20", "30", "31", "32"]) {
        await pair.exec(pair.attacker, ["ip", "addr", "add", `${v6(s)}/64`, "dev", dev, "nodad"]);
      }
      for (const last of [20, 21, 22, 23]) await pair.exec(pair.attacker, ["ip", "addr", "add", `${v4(last)}/24`, "dev", dev]);
      // a /48 of its own on the attacker side, routed back by the server
      for (const n of [1, 2, 3, 4]) await pair.exec(pair.attacker, ["ip", "addr", "add", `${far(n)}/64`, "dev", dev, "nodad"]);
      await pair.exec(pair.server, ["ip", "-6", "route", "add", far48(), "via", pair.attackerIp6]);
      root = e2eRoot({
        port: String(WEB),
        maxretry: "3",
        findtime: "10m",
        bantime: "1h",
        banprefix6: "64",
        escalate4: "3 / 24 / 1h",
        escalate6: "3 / 48 / 1h",
        banaction: kind.banaction,
        action: '%(banaction)s[port="%(port)s", protocol=tcp]',
      });
      web = await startWebapp(pair, WEB, root.log);
      f2b = await F2bProcess.start(pair, root);
    });

    afterAll(async () => {
      if (why) return;
      await f2b?.kill();
      web?.stop();
      await pair?.destroy();
      root?.cleanup();
    });

    test.skipIf(!!why)("three addresses of one /64 failing once each (maxretry 3) get the /64 banned; a fourth address of it is refused", async () => {
      expect(await get(v6("13"))).toBe("200");
      for (const s of ["10", "11", "12"]) await fail(v6(s));
      await f2b.waitBanned("webapp", net64());
      expect(await get(v6("13"))).toBe("refused");
      expect(await get(pair.attackerIp6)).toBe("refused");
      // IPv4 is not affected
      expect(await get(pair.attackerIp4)).toBe("200");
      expect(await bannedNow()).toEqual([net64()]);
      expect(await kind.elements(pair)).toEqual([net64()]);
      expect(storedIps(root.db)).toEqual([net64()]);
      // unbanning an address inside says which prefix to unban
      const r = await f2b.cli(["unban", v6("10")]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${v6("10")} is inside ${net64()}, banned in jail 'webapp': unban ${net64()}`);
      // `banned IP` names the jail whose network holds the address
      expect((await f2b.cli(["banned", v6("13")])).stdout.trim()).toBe("[['webapp']]");
      expect((await f2b.cli(["banned", net64()])).stdout.trim()).toBe("[['webapp']]");
      expect((await f2b.cli(["get", "webapp", "banned", net64()])).stdout.trim()).toBe("1");
      const st = await f2b.cli(["status", "webapp"]);
      expect(st.stdout).toContain(`Banned IP list:\t${net64()}`);
    });

    test.skipIf(!!why)("the /64 survives kill -9 and a restart, reconcile puts it back; unbanning it lets the addresses in again", async () => {
      await f2b.kill("SIGKILL");
      expect(await get(v6("13"))).toBe("refused");
      f2b = await F2bProcess.start(pair, root);
      expect(await bannedNow()).toEqual([net64()]);
      expect(await get(v6("13"))).toBe("refused");
      expect(storedIps(root.db)).toEqual([net64()]);
      // reconcile (reconcileinterval = 1) puts the network back after it vanished from the firewall
      await kind.breakBans(pair);
      const end = Date.now() + 5000;
      while (Date.now() < end && !(await kind.elements(pair)).includes(net64())) await Bun.sleep(100);
      expect(await kind.elements(pair)).toEqual([net64()]);
      expect(await get(v6("13"))).toBe("refused");
      expect((await f2b.cli(["unban", net64()])).stdout.trim()).toBe("1");
      expect(await get(v6("13"))).toBe("200");
      expect(await kind.elements(pair)).toEqual([]);
    });

    test.skipIf(!!why)("ignoreip inside a /64: failures count per address, the /64 is never banned whole, not by hand either", async () => {
      expect((await f2b.cli(["set", "webapp", "addignoreip", v6("20")])).code).toBe(0);
      for (const s of ["30", "31", "32"]) await fail(v6(s));
      await fail(v6("20"), 4);
      await fail(v6("30"), 2);
      await f2b.waitBanned("webapp", v6("30"));
      expect(await get(v6("31"))).toBe("200");
      expect(await get(v6("20"))).toBe("200");
      expect(await bannedNow()).toEqual([v6("30")]);
      expect(await f2b.logText()).toContain(`${net64()} holds ignored ${v6("20")}: failures of ${v6("30")} count for the address alone`);
      const r = await f2b.cli(["set", "webapp", "banip", net64()]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`refusing to ban '${net64()}': ${net64()} holds ignored ${v6("20")} (ignoreip always wins)`);
      expect((await f2b.cli(["unban", v6("30")])).stdout.trim()).toBe("1");
      expect((await f2b.cli(["set", "webapp", "delignoreip", v6("20")])).code).toBe(0);
    });

    test.skipIf(!!why)("escalation over /64s: three banned /64s of one /48 become a ban of the /48, nested over them in the network set", async () => {
      expect(await get(far(4))).toBe("200");
      for (const n of [1, 2]) await fail(far(n), 3);
      const net = (n: number): string => far(n).replace(/::5$/u, "::/64");
      await f2b.waitBanned("webapp", net(2));
      expect((await bannedNow()).sort()).toEqual([net(1), net(2)].sort());
      expect(await get(far(3))).toBe("200");
      await fail(far(3), 3);
      await f2b.waitBanned("webapp", far48());
      const end = Date.now() + 5000;
      while (Date.now() < end && (await bannedNow()).length > 1) await Bun.sleep(50);
      expect(await bannedNow()).toEqual([far48()]);
      expect(await kind.elements(pair)).toEqual([far48()]);
      expect(await get(far(4))).toBe("refused");
      expect(await get(far(1))).toBe("refused");
      expect((await f2b.cli(["unban", far48()])).stdout.trim()).toBe("1");
      expect(await get(far(1))).toBe("200");
      expect(await kind.elements(pair)).toEqual([]);
    });

    test.skipIf(!!why)("escalation: three banned addresses of one /24 become a ban of the /24, and nothing is left at its expiry", async () => {
      expect((await f2b.cli(["set", "webapp", "bantime", "4"])).code).toBe(0);
      for (const last of [20, 21]) await fail(v4(last), 3);
      await f2b.waitBanned("webapp", v4(21));
      expect((await bannedNow()).sort()).toEqual([v4(20), v4(21)].sort());
      expect(await get(v4(23))).toBe("200");
      await fail(v4(22), 3);
      await f2b.waitBanned("webapp", net24());
      // the single bans leave the firewall (their history stays)
      const end = Date.now() + 5000;
      while (Date.now() < end && (await bannedNow()).length > 1) await Bun.sleep(50);
      expect(await bannedNow()).toEqual([net24()]);
      expect(await kind.elements(pair)).toEqual([net24()]);
      expect(storedIps(root.db)).toEqual(expect.arrayContaining([net24(), v4(20), v4(21), v4(22)]));
      expect(await get(v4(23))).toBe("refused");
      expect(await get(pair.attackerIp4)).toBe("refused");
      await f2b.waitUnbanned("webapp", net24(), 10_000);
      expect(await bannedNow()).toEqual([]);
      expect(await kind.elements(pair)).toEqual([]);
      expect(await get(v4(20))).toBe("200");
      expect(await get(v4(23))).toBe("200");
    });
  });
}
