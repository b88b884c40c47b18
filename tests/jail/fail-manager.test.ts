import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/system/clock.ts";
import { FailManager } from "../../src/jail/fail-manager.ts";
import type { BanTicket } from "../../src/jail/types.ts";
import { haveFail2ban, runOracle } from "./oracle.ts";
import { memoryLog } from "../../src/system/log.ts";

const T0 = 1_700_000_000;

function feed(fm: FailManager, clock: FakeClock, events: Array<[string, number]>): BanTicket[] {
  const bans: BanTicket[] = [];
  for (const [id, t] of events) {
    clock.set(t);
    const b = fm.addFailure({ jail: "sshd", id, time: t, matches: [`line ${t}`] });
    if (b) bans.push(b);
  }
  return bans;
}

describe("FailManager", () => {
  test("bans at maxretry within findtime and resets the id", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 3, findtime: 600, maxmatches: 5 }, clock, { log: memoryLog() });
    const bans = feed(fm, clock, [
      ["1.2.3.4", T0],
      ["1.2.3.4", T0 + 10],
      ["5.6.7.8", T0 + 15],
      ["1.2.3.4", T0 + 20],
    ]);
    expect(bans).toHaveLength(1);
    expect(bans[0]).toMatchObject({ ip: "1.2.3.4", time: T0 + 20, failures: 3, matches: [`line ${T0}`, `line ${T0 + 10}`, `line ${T0 + 20}`] });
    expect(fm.size()).toBe(1);
    expect(fm.getFailTotal()).toBe(4);
    expect(feed(fm, clock, [["1.2.3.4", T0 + 30]])).toHaveLength(0);
    expect(fm.retries().get("1.2.3.4")).toBe(1);
  });

  test("an IPv4-mapped IPv6 spelling counts for the same IPv4 address", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 2, findtime: 600, maxmatches: 5 }, clock, { log: memoryLog() });
    expect(
      feed(fm, clock, [
        ["::ffff:192.0.2.1", T0],
        ["192.0.2.1", T0 + 1],
      ])[0]?.ip,
    ).toBe("192.0.2.1");
  });

  test("failures spread wider than findtime do not ban", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 3, findtime: 60, maxmatches: 5 }, clock, { log: memoryLog() });
    expect(
      feed(fm, clock, [
        ["a", T0],
        ["a", T0 + 61],
        ["a", T0 + 122],
        ["a", T0 + 183],
      ]),
    ).toHaveLength(0);
  });

  test("failures older than findtime are ignored, future ones clamped", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 1, findtime: 600, maxmatches: 5 }, clock, { log: memoryLog() });
    expect(fm.addFailure({ jail: "j", id: "a", time: T0 - 601, matches: [] })).toBeNull();
    expect(fm.addFailure({ jail: "j", id: "a", time: T0 + 999, matches: [] })?.time).toBe(T0);
  });

  test("maxmatches truncates to the newest lines; 0 keeps none", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 4, findtime: 600, maxmatches: 2 }, clock, { log: memoryLog() });
    const [b] = feed(fm, clock, [
      ["a", T0],
      ["a", T0 + 1],
      ["a", T0 + 2],
      ["a", T0 + 3],
    ]);
    expect(b?.matches).toEqual([`line ${T0 + 2}`, `line ${T0 + 3}`]);
    const fm0 = new FailManager({ maxretry: 2, findtime: 600, maxmatches: 0 }, clock, { log: memoryLog() });
    expect(
      feed(fm0, clock, [
        ["a", T0 + 3],
        ["a", T0 + 3],
      ])[0]?.matches,
    ).toEqual([]);
  });

  test("cleanup drops stale ids", () => {
    const clock = new FakeClock(T0);
    const fm = new FailManager({ maxretry: 5, findtime: 100, maxmatches: 5 }, clock, { log: memoryLog() });
    feed(fm, clock, [
      ["a", T0],
      ["b", T0 + 50],
    ]);
    fm.cleanup(T0 + 100);
    expect([...fm.retries().keys()]).toEqual(["b"]);
  });

  test("known bad ip counts more attempts per failure (bantime.increment observer)", () => {
    const clock = new FakeClock(T0);
    const history = { lastBan: (ip: string) => (ip === "bad" ? { banCount: 3, timeOfBan: T0 - 1000, bantime: 600 } : null) };
    const fm = new FailManager({ maxretry: 5, findtime: 600, maxmatches: 5 }, clock, { history, log: memoryLog() });
    // banCount 3 -> (1<<3)/2+1 = 5 attempts = maxretry: the first failure bans.
    const [b] = feed(fm, clock, [["bad", T0]]);
    expect(b).toMatchObject({ ip: "bad", banCount: 3, failures: 2 });
    expect(feed(fm, clock, [["good", T0 + 1]])).toHaveLength(0);
  });

  test.skipIf(!haveFail2ban)("matches fail2ban's FailManager on a pseudo-random stream", () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const events: Array<[string, number]> = [];
    let t = T0;
    for (let i = 0; i < 2000; i++) {
      t += Math.floor(rnd() * 40);
      events.push([`10.0.0.${Math.floor(rnd() * 12)}`, t]);
    }
    for (const [maxretry, findtime] of [
      [3, 120],
      [5, 600],
      [2, 30],
    ] as const) {
      const clock = new FakeClock(T0);
      const fm = new FailManager({ maxretry, findtime, maxmatches: 3 }, clock, { log: memoryLog() });
      const ours = feed(fm, clock, events).map((b) => ({ ip: b.ip, time: b.time, failures: b.failures, matches: b.matches }));
      const theirs = runOracle(`${import.meta.dir}/fixtures/failmanager_oracle.py`, { maxretry, findtime, maxmatches: 3, events }) as {
        bans: unknown[];
        total: number;
      };
      expect(ours.length).toBeGreaterThan(10);
      expect(ours).toEqual(theirs.bans as typeof ours);
      expect(fm.getFailTotal()).toBe(theirs.total);
    }
  });
});
