// src/net: the one address parser's network operations on generated (seeded) addresses, checked
// against a bit-string model written independently here; and the prefix options' limits.
import { describe, expect, test } from "bun:test";
import { parseIP, type Family } from "../../src/net/address.ts";
import { belowMinimum, countingUnit, defaultPrefixPolicy, parseEscalation, parsePrefixLength } from "../../src/net/prefix.ts";
import { parseTime } from "../../src/jail/time.ts";
import { rng } from "../helpers/rng.ts";

const SEED = Number(process.env.SEED ?? Date.now() % 1_000_000);

/** The address as a string of 32 or 128 "0"/"1" characters (the model). */
function bitsOf(family: Family, groups: number[]): string {
  const width = family === 4 ? 8 : 16;
  return groups.map((g) => g.toString(2).padStart(width, "0")).join("");
}

function textOf(family: Family, groups: number[]): string {
  return family === 4 ? groups.join(".") : groups.map((g) => g.toString(16)).join(":");
}

/** A random address, biased to share leading groups with `near` so containment cases occur. */
function gen(r: (n: number) => number, family: Family, near?: number[]): number[] {
  const n = family === 4 ? 4 : 8;
  const max = family === 4 ? 256 : 65536;
  const keep = near ? r(n + 1) : 0;
  return Array.from({ length: n }, (_, i) => (near && i < keep ? near[i]! : r(4) === 0 ? 0 : r(max)));
}

describe(`prefix math on generated addresses (seed ${SEED}; SEED=${SEED} replays)`, () => {
  test("truncate, contains and the canonical text agree with the bit-string model", () => {
    const r = rng(SEED);
    for (let i = 0; i < 3000; i++) {
      const family: Family = r(2) === 0 ? 4 : 6;
      const bits = family === 4 ? 32 : 128;
      const a = gen(r, family);
      const b = gen(r, family, a);
      const plen = 1 + r(bits);
      const ctx = `seed ${SEED} case ${i}: ${textOf(family, a)} ${textOf(family, b)} /${plen}`;
      const ipA = parseIP(textOf(family, a));
      const ipB = parseIP(textOf(family, b));
      expect(ipA, ctx).not.toBeNull();
      expect(ipB, ctx).not.toBeNull();
      // the IPv4-mapped range folds to IPv4: skip those rare generated cases
      if (ipA!.family !== family || ipB!.family !== family) continue;
      const net = ipA!.truncate(plen);
      const modelNet = bitsOf(family, a).slice(0, plen);
      expect(net.plen, ctx).toBe(plen);
      expect(net.contains(ipA!), ctx).toBe(true);
      expect(net.contains(ipB!), ctx).toBe(bitsOf(family, b).startsWith(modelNet));
      // the text round-trips through the parser, and a net written with host bits means the same network
      expect(parseIP(net.cidr)!.equals(net), ctx).toBe(true);
      expect(parseIP(`${textOf(family, a)}/${plen}`)!.equals(net), ctx).toBe(true);
      if (plen < bits) expect(net.toString(), ctx).toBe(net.cidr);
      // truncating twice is truncating to the shorter; a wider net holds the narrower
      const wider = 1 + r(plen);
      expect(net.truncate(wider).equals(ipA!.truncate(wider)), ctx).toBe(true);
      expect(ipA!.truncate(wider).contains(net), ctx).toBe(true);
      expect(net.contains(ipA!.truncate(wider)), ctx).toBe(wider === plen);
    }
  });

  test("the counting unit is the banprefix network, or the address with banprefix off", () => {
    const p = defaultPrefixPolicy();
    const v6 = parseIP("2001:db8:1:2:3:4:5:6")!;
    expect(countingUnit(v6, p)).toBe(v6);
    p.ban[6] = 64;
    p.ban[4] = 24;
    expect(countingUnit(v6, p).toString()).toBe("2001:db8:1:2::/64");
    expect(countingUnit(parseIP("192.0.2.77")!, p).toString()).toBe("192.0.2.0/24");
    // an id that is already a wider network stays as it is
    expect(countingUnit(parseIP("2001:db8::/48")!, p).toString()).toBe("2001:db8::/48");
    expect(countingUnit(parseIP("::ffff:192.0.2.9")!, p).toString()).toBe("192.0.2.0/24");
  });
});

describe("prefix options", () => {
  test("escalation syntax COUNT / PREFIX / WINDOW and its limits", () => {
    const p = defaultPrefixPolicy();
    expect(parseEscalation("3 / 24 / 1h", 4, p, parseTime)).toEqual({ count: 3, plen: 24, window: 3600 });
    expect(parseEscalation("5/16/30m", 4, p, parseTime)).toEqual({ count: 5, plen: 16, window: 1800 });
    p.ban[6] = 64;
    expect(parseEscalation("3 / 48 / 1d", 6, p, parseTime)).toEqual({ count: 3, plen: 48, window: 86400 });
    expect(() => parseEscalation("3 / 64 / 1h", 6, p, parseTime)).toThrow(/from 32 to 63/);
    expect(() => parseEscalation("3 / 7 / 1h", 4, p, parseTime)).toThrow(/from 8 to 31/);
    expect(() => parseEscalation("1 / 24 / 1h", 4, p, parseTime)).toThrow(/at least 2/);
    expect(() => parseEscalation("3 / 24", 4, p, parseTime)).toThrow(/COUNT \/ PREFIX \/ WINDOW/);
    expect(() => parseEscalation("3 / 24 / soon", 4, p, parseTime)).toThrow();
    // the admin lowers the minimum explicitly
    p.min[4] = 4;
    expect(parseEscalation("3 / 7 / 1h", 4, p, parseTime).plen).toBe(7);
  });

  test("prefix lengths and the minimum", () => {
    expect(parsePrefixLength("/64", 32, 128)).toBe(64);
    expect(() => parsePrefixLength("15", 16, 32)).toThrow(/from 16 to 32/);
    expect(() => parsePrefixLength("24x", 16, 32)).toThrow();
    const min = defaultPrefixPolicy().min;
    expect(belowMinimum(parseIP("10.0.0.0/8")!, min)).toBeNull();
    expect(belowMinimum(parseIP("10.0.0.0/7")!, min)).toBe("prefix /7 is shorter than /8, the shortest allowed for IPv4");
    expect(belowMinimum(parseIP("2001:db8::/31")!, min)).toMatch(/shorter than \/32/);
    expect(belowMinimum(parseIP("2001:db8::/32")!, min)).toBeNull();
  });
});
