// End to end, as root: the compiled f2b bans an attacker that fails logins against a real HTTP
// service in a network namespace, in real nftables or iptables+ipset; the ban blocks it (and
// only it, and only the jail's port), expires, survives kill -9, is put back by reconcile, and
// `f2b stop` removes only f2b's own firewall objects.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { create, netnsUnavailableReason, probe, startListener, type Listener, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, e2eRoot, login, startWebapp, type E2eRoot } from "./fixtures.ts";
import { F2bProcess } from "./f2b-process.ts";

/** Rows of the ip in the database's bans table (read with Python's sqlite3, not our code). */
function banRows(db: string, ip: string): number {
  const py = `import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from bans where ip=?", (sys.argv[2],)).fetchone()[0])`;
  return Number(spawnSync("/usr/bin/python3", ["-c", py, db, ip], { encoding: "utf8" }).stdout.trim());
}

export interface FirewallKind {
  name: string;
  banaction: string;
  /** Creates something of the admin's own that f2b must leave alone. */
  addForeign(pair: NetnsPair): Promise<void>;
  /** Undoes f2b's bans behind its back (as a ruleset flush would). */
  breakBans(pair: NetnsPair): Promise<void>;
  /** Whether f2b's objects / the foreign object are present. */
  state(pair: NetnsPair): Promise<{ f2b: boolean; foreign: boolean }>;
}

export function banSuite(kind: FirewallKind): void {
  const why = netnsUnavailableReason();
  if (why) console.warn(`SKIP e2e ${kind.name}: ${why}`);

  const WEB = 8080;
  const OTHER = 9090;
  let pair: NetnsPair;
  let root: E2eRoot;
  let web: { stop(): void };
  let other: Listener;
  let f2b: F2bProcess;

  describe(`end to end with ${kind.name}`, () => {
    beforeAll(async () => {
      if (why) return;
      ensureBinary();
      pair = await create();
      root = e2eRoot({
        port: String(WEB),
        maxretry: "3",
        findtime: "10m",
        bantime: "4",
        banaction: kind.banaction,
        action: '%(banaction)s[port="%(port)s", protocol=tcp]',
        ignoreip: pair.attacker2Ip4,
      });
      web = await startWebapp(pair, WEB, root.log);
      other = await startListener(pair, [OTHER]);
      await kind.addForeign(pair);
      f2b = await F2bProcess.start(pair, root);
    });

    afterAll(async () => {
      if (why) return;
      await f2b?.kill();
      web?.stop();
      other?.stop();
      await pair?.destroy();
      root?.cleanup();
    });

    test.skipIf(!!why)("the attacker is banned after maxretry failures; others still get in; the ban expires", async () => {
      const { attackerIp4: atk, attacker2Ip4: friend, serverIp4: srv } = pair;
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
      for (let i = 0; i < 3; i++) expect(await login(pair, atk, srv, WEB, `guess${i}`)).toBe("401");
      await f2b.waitBanned("webapp", atk);
      // rejected at once (blocktype reject), while the ignored friend keeps failing without a ban
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
      for (let i = 0; i < 4; i++) expect(await login(pair, friend, srv, WEB, "nope")).toBe("401");
      expect(await login(pair, friend, srv, WEB, "secret")).toBe("200");
      // only the jail's port is blocked (multiport)
      expect(await probe(pair, atk, srv, OTHER)).toBe("ok");
      const banned = await f2b.cli(["banned", "--json"]);
      expect(JSON.parse(banned.stdout).map((b: { ip: string }) => b.ip)).toEqual([atk]);
      // bantime 4 s: afterwards the attacker gets in again
      await f2b.waitUnbanned("webapp", atk, 10_000);
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
      expect(await f2b.logText()).toMatch(new RegExp(`NOTICE  \\[webapp\\] Unban ${atk.replaceAll(".", "\\.")}`));
    });

    test.skipIf(!!why)("bans survive kill -9 with their remaining time, nothing duplicated", async () => {
      const { attackerIp4: atk, serverIp4: srv } = pair;
      await f2b.cli(["set", "webapp", "banip", atk]);
      const rowsBefore = banRows(root.db, atk);
      await f2b.kill("SIGKILL");
      // the kernel still holds the ban while f2b is down
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
      f2b = await F2bProcess.start(pair, root);
      const st = await f2b.cli(["status", "webapp"]);
      expect(st.stdout).toContain(`Banned IP list:\t${atk}`);
      expect(st.stdout).toContain("Currently banned:\t1");
      // the restore re-applied the ban without writing it again
      expect(banRows(root.db, atk)).toBe(rowsBefore);
      const remaining = JSON.parse((await f2b.cli(["banned", "--json"])).stdout)[0].remaining as number;
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(4);
      await f2b.waitUnbanned("webapp", atk, 10_000);
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
    });

    test.skipIf(!!why)("reconcile puts bans back after they vanished from the firewall", async () => {
      const { attackerIp4: atk, serverIp4: srv } = pair;
      await f2b.cli(["set", "webapp", "banip", atk]);
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
      await kind.breakBans(pair);
      // (no check that the attacker gets in now: the 1 s reconcile may already have repaired it)
      // reconcileinterval = 1 in this test's fail2ban.conf
      const end = Date.now() + 5000;
      while (Date.now() < end && (await login(pair, atk, srv, WEB, "secret")) !== "refused") await Bun.sleep(100);
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
      expect(await f2b.logText()).toMatch(/Reconcile: re-applied 1 ban/u);
      await f2b.cli(["unban", atk]);
      expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
    });

    test.skipIf(!!why)("f2b stop removes f2b's firewall objects and nothing else", async () => {
      expect(await kind.state(pair)).toEqual({ f2b: true, foreign: true });
      await f2b.cli(["stop"]);
      await f2b.exited();
      expect(await kind.state(pair)).toEqual({ f2b: false, foreign: true });
    });
  });
}
