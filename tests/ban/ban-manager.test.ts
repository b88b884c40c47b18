import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { BanManager } from "../../src/ban/ban-manager.ts";
import { restorableTickets } from "../../src/ban/restore.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { IgnoreList } from "../../src/jail/ignore.ts";
import { createCommandRunner } from "../../src/system/command.ts";
import { memoryLog, logFrom } from "../../src/system/log.ts";
import { levelName } from "../../src/server/log-format.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { rig, settle, SetEffector, T0, ticket } from "./helpers.ts";

const rowCount = (r: ReturnType<typeof rig>, table: string): number => (r.db.db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("BanManager", () => {
  test("a ban is in the store before the effector applies it", async () => {
    const r = rig();
    let storedAtApply = -1;
    r.eff.onBan = (t) => {
      storedAtApply = r.store.currentBans("sshd", T0).filter((b) => b.ip === t.ip).length;
    };
    expect(await r.bm.ban(ticket("192.0.2.1", T0))).toBe("banned");
    expect(storedAtApply).toBe(1);
    expect(r.eff.set.has("192.0.2.1")).toBe(true);
    expect(r.logs).toContain("NOTICE [sshd] Ban 192.0.2.1");
    expect(r.bm.size()).toBe(1);
    expect(r.bm.totalBanned()).toBe(1);
  });

  test("a ban the effector refuses is withdrawn from the store", async () => {
    const r = rig();
    r.eff.refuseBan = true;
    expect(await r.bm.ban(ticket("192.0.2.1", T0))).toBe("failed");
    expect(r.bm.size()).toBe(0);
    expect(rowCount(r, "bans")).toBe(0);
    expect(rowCount(r, "bips")).toBe(0);
    expect(r.logs.some((l) => l.startsWith("ERROR") && l.includes("Operation not permitted"))).toBe(true);
  });

  test("a ban that cannot be stored is not applied (database locked), error names the file", async () => {
    const r = rig();
    r.db.db.exec("PRAGMA busy_timeout = 50");
    const other = new Database(r.file);
    other.exec("BEGIN EXCLUSIVE");
    try {
      expect(await r.bm.ban(ticket("192.0.2.1", T0))).toBe("failed");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(r.eff.calls).toEqual([]);
    expect(r.logs.some((l) => l.startsWith("ERROR") && l.includes(r.file) && l.includes("locked"))).toBe(true);
    expect(await r.bm.ban(ticket("192.0.2.1", T0))).toBe("banned");
  });

  test("a refused re-ban restores the previous history row", async () => {
    const r = rig({ increment: { increment: true } });
    await r.bm.ban(ticket("192.0.2.1", T0));
    r.clock.advance(700);
    await settle();
    r.eff.refuseBan = true;
    expect(await r.bm.ban(ticket("192.0.2.1", T0 + 700))).toBe("failed");
    expect(r.store.lastBan("192.0.2.1", "sshd")).toEqual({ banCount: 1, timeOfBan: T0, bantime: 600 });
  });

  test("already banned, prolonged, ipv4-mapped address is the same ip", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    expect(await r.bm.ban(ticket("::ffff:192.0.2.1", T0 + 1))).toBe("prolonged");
    expect(r.bm.list()[0]).toMatchObject({ ip: "192.0.2.1", time: T0, bantime: 601 });
    expect(await r.bm.ban(ticket("192.0.2.1", T0))).toBe("already");
  });

  test("bans expire on the clock; history stays for bantime.increment", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    await r.bm.ban(ticket("192.0.2.2", T0 + 100));
    r.clock.advance(599);
    await settle();
    expect(r.bm.size()).toBe(2);
    r.clock.advance(1);
    await settle();
    expect(r.bm.list().map((b) => b.ip)).toEqual(["192.0.2.2"]);
    expect(r.eff.set.has("192.0.2.1")).toBe(false);
    r.clock.advance(100);
    await settle();
    expect(r.bm.size()).toBe(0);
    expect(r.logs).toContain("NOTICE [sshd] Unban 192.0.2.2");
    expect(r.store.lastBan("192.0.2.1", "sshd")?.banCount).toBe(1);
  });

  test("a refused expiry unban keeps the ban and retries", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    r.eff.refuseUnban = true;
    r.clock.advance(600);
    await settle();
    expect(r.bm.isBanned("192.0.2.1")).toBe(true);
    r.eff.refuseUnban = false;
    r.clock.advance(30);
    await settle();
    expect(r.bm.isBanned("192.0.2.1")).toBe(false);
    expect(r.eff.set.size).toBe(0);
  });

  test("permanent bans (-1) never expire and survive restore", async () => {
    const r = rig({ bantime: -1 });
    await r.bm.ban(ticket("192.0.2.1", T0));
    r.clock.advance(10 * 365 * 86400);
    await settle();
    expect(r.bm.isBanned("192.0.2.1")).toBe(true);
    expect(r.bm.expectedBans()).toEqual([expect.objectContaining({ ip: "192.0.2.1", timeout: null })]);
    r.bm.stop();
    r.db.close();
    const r2 = rig({ bantime: -1 }, r.file, r.clock);
    expect(await r2.bm.restore()).toBe(1);
    expect(r2.bm.list()[0]).toMatchObject({ ip: "192.0.2.1", bantime: -1, end: Infinity });
  });

  test("a ticket arriving during an unban is banned once the unban is done", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    let release!: () => void;
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const unban = r.eff.unban.bind(r.eff);
    r.eff.unban = async (j, ips) => {
      await gate;
      await unban(j, ips);
    };
    const unbanning = r.bm.unban("192.0.2.1");
    const banning = r.bm.ban(ticket("192.0.2.1", T0 + 5));
    release();
    expect(await unbanning).toBe("unbanned");
    expect(await banning).toBe("banned");
    expect(r.eff.set.has("192.0.2.1")).toBe(true);
    expect(r.store.currentBans("sshd", T0 + 5).map((b) => b.ip)).toEqual(["192.0.2.1"]);
  });

  test("manual unban: record stays until the effector confirms", async () => {
    const r = rig();
    await r.bm.ban(ticket("2001:db8::1", T0));
    r.eff.refuseUnban = true;
    expect(await r.bm.unban("2001:DB8:0::1")).toBe("failed");
    expect(r.store.currentBans("sshd", T0)).toHaveLength(1);
    expect(r.bm.isBanned("2001:db8::1")).toBe(true);
    r.eff.refuseUnban = false;
    expect(await r.bm.unban("2001:db8::1")).toBe("unbanned");
    expect(r.store.currentBans("sshd", T0)).toHaveLength(0);
    expect(r.store.lastBan("2001:db8::1", "sshd")).toBeNull();
    expect(await r.bm.unban("2001:db8::1")).toBe("not-banned");
  });

  test("unban all", async () => {
    const r = rig();
    for (let i = 1; i <= 5; i++) await r.bm.ban(ticket(`192.0.2.${i}`, T0));
    expect(await r.bm.unbanAll()).toBe(5);
    expect(r.eff.set.size).toBe(0);
    // Nothing left to restore or to count for bantime.increment (fail2ban's delBan)...
    expect(rowCount(r, "bips")).toBe(0);
    // ...but, unlike fail2ban, the bans stay in the history with how they ended (issue 14).
    expect(rowCount(r, "bans")).toBe(5);
    expect(rowCount(r, "f2b_ban_ends")).toBe(5);
  });

  test("restore re-applies with the remaining time, drops expired, skips ignored", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    await r.bm.ban(ticket("192.0.2.2", T0 - 550));
    await r.bm.ban(ticket("192.0.2.3", T0));
    r.bm.stop();
    r.db.close();
    const clock = new FakeClock(T0 + 100);
    const db = F2bDatabase.open(r.file);
    const eff = new SetEffector();
    const bm = new BanManager(
      { jail: "sshd", bantime: 600 },
      { clock, store: new SqliteBanStore(db), effector: eff, isIgnored: async (ip) => ip === "192.0.2.3", log: memoryLog() },
    );
    expect(await bm.restore()).toBe(1);
    expect(bm.expectedBans().map((b) => [b.ip, b.timeout])).toEqual([["192.0.2.1", 500]]);
    expect([...eff.set.keys()]).toEqual(["192.0.2.1"]);
    expect(eff.set.get("192.0.2.1")?.restored).toBe(true);
    const rowsBefore = (db.db.query("SELECT count(*) AS n FROM bans").get() as { n: number }).n;
    clock.advance(500);
    await settle();
    expect(bm.size()).toBe(0);
    expect((db.db.query("SELECT count(*) AS n FROM bans").get() as { n: number }).n).toBe(rowsBefore);
  });

  test("restore asks ignoredAmong once for all ips (real IgnoreList), skips and logs the ignored as before", async () => {
    const r = rig();
    for (const ip of ["192.0.2.1", "192.0.2.3", "10.1.2.3", "2001:db8::5"]) await r.bm.ban(ticket(ip, T0));
    r.bm.stop();
    r.db.close();
    const clock = new FakeClock(T0 + 100);
    const db = F2bDatabase.open(r.file);
    const eff = new SetEffector();
    const ignore = new IgnoreList(
      { jail: "sshd", ignoreip: ["192.0.2.3", "10.0.0.0/8"], ignoreself: true },
      {
        clock,
        resolver: tableResolver({}),
        localAddresses: { addresses: async () => ["2001:db8::5"] },
        runner: createCommandRunner(),
        log: memoryLog(),
      },
    );
    const asked: string[][] = [];
    const logs: string[] = [];
    const bm = new BanManager(
      { jail: "sshd", bantime: 600 },
      {
        clock,
        store: new SqliteBanStore(db),
        effector: eff,
        log: logFrom((l, m) => logs.push(`${levelName(l).toLowerCase()} ${m}`)),
        isIgnored: () => {
          throw new Error("isIgnored must not be asked when ignoredAmong is given");
        },
        ignoredAmong: (ips) => {
          asked.push(ips);
          return ignore.ignoredAmong(ips);
        },
      },
    );
    expect(await bm.restore()).toBe(1);
    expect(asked.map((a) => [...a].sort())).toEqual([["10.1.2.3", "192.0.2.1", "192.0.2.3", "2001:db8::5"]]);
    expect([...eff.set.keys()]).toEqual(["192.0.2.1"]);
    expect(logs.filter((l) => l.includes("Ignore")).sort()).toEqual(
      ["10.1.2.3", "192.0.2.3", "2001:db8::5"].map((ip) => `info [sshd] Ignore ${ip} by restore (ignoreip)`),
    );
    expect(logs).toContain("notice [sshd] Restore Ban 192.0.2.1");
  });

  test("a big restore logs every Restore Ban line in order, but lets other work run in between; an unban waits for them", async () => {
    const r = rig();
    const ips = Array.from({ length: 2500 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    r.db.db.run("BEGIN");
    for (const ip of ips) await r.bm.ban(ticket(ip, T0));
    r.db.db.run("COMMIT");
    r.bm.stop();
    const logs: string[] = [];
    const bm = new BanManager(
      { jail: "sshd", bantime: 600 },
      { clock: r.clock, store: r.store, effector: new SetEffector(), log: logFrom((l, m) => logs.push(`${levelName(l).toLowerCase()} ${m}`)) },
    );
    const storeOrder = restorableTickets({ jail: "sshd", bantime: 600 }, r.store, r.clock.now()).map((t) => t.ip);
    expect(await bm.restore()).toBe(2500);
    let linesWhenOtherWorkRan = -1;
    setImmediate(() => {
      linesWhenOtherWorkRan = logs.length;
    });
    const unbanned = bm.unban(ips[0]!);
    await bm.restoreLogged();
    expect(await unbanned).toBe("unbanned");
    expect(linesWhenOtherWorkRan).toBeGreaterThan(0);
    expect(linesWhenOtherWorkRan).toBeLessThan(2500);
    const restoreLines = logs.filter((l) => l.includes("Restore Ban"));
    expect([...storeOrder].sort()).toEqual([...ips].sort());
    expect(restoreLines).toEqual(storeOrder.map((ip) => `notice [sshd] Restore Ban ${ip}`));
    expect(logs.at(-1)).toBe(`notice [sshd] Unban ${ips[0]}`);
  });

  test("reload: a new manager adopts the running bans without touching the firewall", async () => {
    const r = rig();
    await r.bm.ban(ticket("192.0.2.1", T0));
    const calls = r.eff.calls.length;
    const bm2 = new BanManager({ jail: "sshd", bantime: 1200 }, { clock: r.clock, store: r.store, effector: r.eff, log: memoryLog() });
    bm2.adoptFrom(r.bm);
    expect(bm2.list().map((b) => [b.ip, b.bantime])).toEqual([["192.0.2.1", 600]]);
    expect(bm2.totalBanned()).toBe(1);
    expect(r.eff.calls.length).toBe(calls);
    r.clock.advance(600);
    await settle();
    expect(bm2.size()).toBe(0);
    expect(r.eff.calls.filter((c) => c.startsWith("unban"))).toEqual(["unban 192.0.2.1"]);
  });

  test("restore without increment caps bantimes to the jail's current bantime", async () => {
    const r = rig({ bantime: 3600 });
    await r.bm.ban(ticket("192.0.2.1", T0));
    r.bm.stop();
    r.db.close();
    const r2 = rig({ bantime: 600 }, r.file, new FakeClock(T0 + 100));
    await r2.bm.restore();
    expect(r2.bm.expectedBans()[0]?.timeout).toBe(500);
  });
});

describe("BanManager at scale", () => {
  test("10,000 bans with distinct expiry times all expire in order", async () => {
    const clock = new FakeClock(T0);
    const db = F2bDatabase.open(":memory:");
    const eff = new SetEffector();
    const bm = new BanManager({ jail: "sshd", bantime: 600 }, { clock, store: new SqliteBanStore(db), effector: eff, log: memoryLog() });
    for (let i = 0; i < 10_000; i++) await bm.ban(ticket(`10.0.${i >> 8}.${i & 255}`, T0 - 599 + (i % 599) * 0.5));
    expect(bm.size()).toBe(10_000);
    const order: string[] = [];
    const unban = eff.unban.bind(eff);
    eff.unban = async (j, ips) => {
      order.push(...ips);
      await unban(j, ips);
    };
    const c0 = process.cpuUsage();
    for (let s = 0; s < 300; s++) {
      clock.advance(1);
      await settle();
    }
    const c = process.cpuUsage(c0);
    expect(bm.size()).toBe(0);
    expect(order).toHaveLength(10_000);
    expect(order[0]).toBe("10.0.0.0");
    expect((c.user + c.system) / 1000).toBeLessThan(2000);
  });
});

describe("crash safety", () => {
  test("a ban reported as done survives kill -9 of the process", async () => {
    const { file } = rig();
    const child = Bun.spawn([process.execPath, `${import.meta.dir}/fixtures/ban-then-hang.ts`, file, "198.51.100.7"], { stdout: "pipe" });
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe("banned\n");
    child.kill("SIGKILL");
    await child.exited;
    const after = rig({ bantime: 3600 }, file, new FakeClock(Date.now() / 1000));
    expect(await after.bm.restore()).toBe(1);
    expect(after.bm.isBanned("198.51.100.7")).toBe(true);
  });
});
