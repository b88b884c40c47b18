import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BanManager } from "../../src/ban/ban-manager.ts";
import { makeBanTimeCalculator, type IncrementOptions } from "../../src/ban/increment.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { FailManager } from "../../src/jail/fail-manager.ts";
import { haveFail2ban, runOracle } from "../jail/oracle.ts";
import { rig, settle, T0, ticket } from "./helpers.ts";
import { memoryLog } from "../../src/system/log.ts";

const CONFIGS: Array<{ opts: Record<string, string> }> = [
  { opts: {} },
  { opts: { factor: "2", maxtime: "1d" } },
  { opts: { formula: "ban.Time * math.exp(float(ban.Count+1)*banFactor)/math.exp(1*banFactor)", factor: "1" } },
  { opts: { multipliers: "1 5 30 60 300 720 1440 2880" } },
  { opts: { multipliers: "1 2 4", factor: "3", maxtime: "5h" } },
  { opts: { formula: "ban.Time * (ban.Count ** 2 + 1) // 2 if ban.Count < 5 else 86400" } },
];
const CASES: Array<[number, number]> = [
  [600, 0],
  [600, 1],
  [600, 2],
  [600, 3],
  [600, 7],
  [3600, 10],
  [60, 25],
  [600.5, 4],
];

describe("bantime.increment", () => {
  test("default formula doubles per previous ban", () => {
    const calc = makeBanTimeCalculator({ increment: true });
    expect([1, 2, 3, 4].map((c) => calc(600, c))).toEqual([1200, 2400, 4800, 9600]);
    expect(calc(600, 30)).toBe(600 * 2 ** 20);
  });

  test("rndtime adds up to rndtime seconds from the injected random source", () => {
    const calc = makeBanTimeCalculator({ increment: true, rndtime: "10m" }, () => 0.5);
    expect(calc(600, 1)).toBe(1200 + 300);
  });

  test("a formula outside the safe subset is a config error", () => {
    expect(() => makeBanTimeCalculator({ formula: "__import__('os').system('id')" })).toThrow(/bantime.formula/);
    expect(() => makeBanTimeCalculator({ formula: "ban.Time * nosuchname" })).toThrow(/unknown name/);
    expect(() => makeBanTimeCalculator({ multipliers: "1 2 x" })).toThrow(/bantime.multipliers/);
  });

  test.skipIf(!haveFail2ban)("matches fail2ban's evformula (formula, factor, multipliers, maxtime)", () => {
    const theirs = runOracle(
      `${import.meta.dir}/fixtures/increment_oracle.py`,
      CONFIGS.map((c) => ({ ...c, cases: CASES })),
    ) as number[][];
    const ours = CONFIGS.map((c) => {
      const calc = makeBanTimeCalculator({ increment: true, ...c.opts } as IncrementOptions);
      return CASES.map(([t, n]) => calc(t, n));
    });
    for (let i = 0; i < CONFIGS.length; i++) {
      for (let j = 0; j < CASES.length; j++) expect(ours[i]?.[j]).toBeCloseTo(theirs[i]?.[j] as number, 6);
    }
  });

  test("repeat offender: 600, 1200, 2400, 4800 with counts 1..4, capped by maxtime", async () => {
    const r = rig({ increment: { increment: true, maxtime: "1h" } });
    const seen: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++) {
      const t = r.clock.now();
      expect(await r.bm.ban(ticket("192.0.2.7", t))).toBe("banned");
      const b = r.bm.list()[0]!;
      seen.push([b.bantime, b.banCount]);
      r.clock.advance(b.bantime + 1);
      await settle();
    }
    expect(seen).toEqual([
      [600, 1],
      [1200, 2],
      [2400, 3],
      [3600, 4],
      [3600, 5],
    ]);
    expect(r.store.lastBan("192.0.2.7", "sshd")).toMatchObject({ banCount: 5, bantime: 3600 });
  });

  test("overalljails counts bans of the ip in other jails", async () => {
    const r = rig({ increment: { increment: true, overalljails: true } });
    r.store.addBan({ ...ticket("192.0.2.8", T0 - 5000), jail: "nginx", banCount: 2 });
    await r.bm.ban(ticket("192.0.2.8", T0));
    expect(r.bm.list()[0]).toMatchObject({ bantime: 600 * 4, banCount: 3 });
    const r2 = rig({ increment: { increment: true } });
    r2.store.addBan({ ...ticket("192.0.2.8", T0 - 5000), jail: "nginx", banCount: 2 });
    await r2.bm.ban(ticket("192.0.2.8", T0));
    expect(r2.bm.list()[0]).toMatchObject({ bantime: 600, banCount: 1 });
  });

  test("failures already counted before the last ban are not stored twice", async () => {
    const r = rig({ increment: { increment: true } });
    await r.bm.ban(ticket("192.0.2.9", T0));
    r.bm.stop();
    r.db.close();
    // Restarted without restore; the same log lines are read again and reach maxretry again.
    const r2 = rig({ increment: { increment: true } }, r.file, new FakeClock(T0 + 100));
    expect(await r2.bm.ban(ticket("192.0.2.9", T0))).toBe("banned");
    expect(r2.eff.set.get("192.0.2.9")?.restored).toBe(true);
    expect((r2.db.db.query("SELECT count(*) AS n FROM bans").get() as { n: number }).n).toBe(1);
    // A failure older than the base bantime allows is ignored as expired, before any increment.
    await r2.bm.unban("192.0.2.9");
    expect(await r2.bm.ban(ticket("192.0.2.9", T0 - 600))).toBe("expired");
  });

  test("known bad ip is banned sooner through the fail manager history", async () => {
    const r = rig({ increment: { increment: true } });
    await r.bm.ban(ticket("192.0.2.10", T0));
    await r.bm.unban("192.0.2.10");
    r.store.addBan({ ...ticket("192.0.2.10", T0), banCount: 2 });
    r.clock.advance(1000);
    const fm = new FailManager({ maxretry: 5, findtime: 600, maxmatches: 5 }, r.clock, { history: r.store, log: memoryLog() });
    const ev = (t: number) => ({ jail: "sshd", id: "192.0.2.10", time: t, matches: [`l${t}`] });
    expect(fm.addFailure(ev(r.clock.now()))).toBeNull();
    const bt = fm.addFailure(ev(r.clock.now()));
    expect(bt).toMatchObject({ ip: "192.0.2.10", banCount: 2 });
    expect(await r.bm.ban(bt!)).toBe("banned");
    expect(r.bm.list()[0]).toMatchObject({ bantime: 2400, banCount: 3 });
  });
});

describe("bantime.increment sequences against fail2ban's observer + database", () => {
  const scenario = (opts: Record<string, string>, overall: boolean) => {
    const bans: Array<[string, string, number]> = [];
    let t = T0;
    const jails = ["sshd", "nginx"];
    const ips = ["192.0.2.1", "192.0.2.2", "2001:db8::5"];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 30; i++) {
      t += 2e9; // beyond the longest possible incremented ban, so every ban is a new one
      bans.push([jails[rnd(2)] as string, ips[rnd(3)] as string, t]);
    }
    return { jails, bans, bantime: 600, opts: overall ? { ...opts, overalljails: "true" } : opts };
  };

  for (const [label, opts, overall] of [
    ["default formula", {}, false],
    ["default formula, overalljails", {}, true],
    ["multipliers + maxtime, overalljails", { multipliers: "1 2 4 8 16", maxtime: "2h" }, true],
    ["factor 3", { factor: "3" }, false],
  ] as Array<[string, Record<string, string>, boolean]>) {
    test.skipIf(!haveFail2ban)(label, async () => {
      const spec = scenario(opts, overall);
      const dir = mkdtempSync(join(tmpdir(), "f2b-obs-"));
      const theirs = runOracle(`${import.meta.dir}/fixtures/observer_oracle.py`, spec, [`${dir}/fail2ban.sqlite3`]) as Array<[number, number]>;
      const first = rig({ jail: "sshd", increment: { increment: true, ...opts, overalljails: overall } });
      const clock = first.clock;
      const managers = {
        sshd: first.bm,
        nginx: new BanManager(
          { jail: "nginx", bantime: 600, increment: { increment: true, ...opts, overalljails: overall } },
          { clock, store: first.store, effector: first.eff, log: memoryLog() },
        ),
      } as const;
      const ours: Array<[number, number]> = [];
      for (const [jail, ip, t] of spec.bans) {
        clock.set(t);
        await settle();
        const bm = managers[jail as "sshd" | "nginx"];
        expect(await bm.ban({ ...ticket(ip, t), jail })).toBe("banned");
        const b = bm.list().find((x) => x.ip === ip)!;
        ours.push([b.bantime, b.banCount]);
      }
      expect(new Set(ours.map((o) => o[1])).size).toBeGreaterThan(3);
      expect(ours).toEqual(theirs);
    });
  }
});
