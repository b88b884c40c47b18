import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IgnoreList, type IgnoreCacheOptions, type IgnoreDeps, type IgnoreReason } from "../../src/jail/ignore.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { createCommandRunner, type CommandRunner } from "../../src/system/command.ts";
import { memoryLog } from "../../src/system/log.ts";
import { tableResolver } from "../../src/system/resolver.ts";

// The daemon's own command runner; resolver and own addresses are tables here (the server tests
// in tests/server/ignore.test.ts use the real ones).
const shRunner: CommandRunner = createCommandRunner();
const fixedAddresses = (ips: string[]) => ({ addresses: async () => ips });
function deps(over: Partial<IgnoreDeps> = {}): IgnoreDeps {
  return { clock: new FakeClock(), resolver: tableResolver({}), localAddresses: fixedAddresses([]), runner: shRunner, log: memoryLog(), ...over };
}

describe("IgnoreList", () => {
  test("IPs, CIDRs (v4/v6), mapped addresses, add/del at run time", async () => {
    const ig = new IgnoreList({ jail: "j", ignoreip: ["127.0.0.1/8", "192.168.1.10", "2001:db8::/32"] }, deps());
    expect(await ig.isIgnored("127.5.5.5")).toBe(true);
    expect(await ig.isIgnored("::ffff:192.168.1.10")).toBe(true);
    expect(await ig.isIgnored("2001:DB8:0::7")).toBe(true);
    expect(await ig.isIgnored("192.168.1.11")).toBe(false);
    expect(ig.add("192.168.1.11")).toBe(true);
    expect(ig.add("192.168.1.11")).toBe(false);
    expect(await ig.isIgnored("192.168.1.11")).toBe(true);
    expect(ig.del("192.168.1.11")).toBe(true);
    expect(await ig.isIgnored("192.168.1.11")).toBe(false);
    ig.del();
    expect(ig.entries()).toEqual([]);
  });

  test("DNS names are asked of the resolver at each check (its cache answers), as fail2ban's isInNet does", async () => {
    const table = tableResolver({ "trusted.example": ["10.9.9.9", "2001:db8::9"] });
    let calls = 0;
    const resolver = {
      ...table,
      resolve(n: string) {
        calls++;
        return table.resolve(n);
      },
    };
    const ig = new IgnoreList({ jail: "j", ignoreip: ["trusted.example"] }, deps({ resolver }));
    expect(await ig.check({ id: "10.9.9.9" })).toBe("dns");
    expect(await ig.isIgnored("2001:db8::9")).toBe(true);
    expect(await ig.isIgnored("10.9.9.8")).toBe(false);
    expect(calls).toBe(3);
  });

  test("ignoreself uses the self-address provider", async () => {
    const ig = new IgnoreList({ jail: "j", ignoreself: true }, deps({ localAddresses: fixedAddresses(["10.1.1.1", "fe80::1"]) }));
    expect(await ig.check({ id: "10.1.1.1" })).toBe("ignoreself rule");
    expect(await ig.isIgnored("10.1.1.2")).toBe(false);
  });

  test("ignorecommand: exit 0 ignores, 1 does not, other codes are logged errors", async () => {
    const log = memoryLog();
    const errors = log.records;
    const mk = (cmd: string): IgnoreList => new IgnoreList({ jail: "j", ignorecommand: cmd }, deps({ log }));
    expect(await mk('test "<ip>" = 10.0.0.1').check({ id: "10.0.0.1" })).toBe("command");
    expect(await mk('test "<ip>" = 10.0.0.1').isIgnored("10.0.0.2")).toBe(false);
    expect(errors.filter((r) => r.level >= 40)).toEqual([]);
    expect(await mk("exit 3").isIgnored("10.0.0.2")).toBe(false);
    expect(errors.find((r) => r.level === 40)?.msg).toContain("exit code 3");
  });

  test("ignorecache remembers command decisions per key until max-time", async () => {
    const clock = new FakeClock();
    let runs = 0;
    const counting: CommandRunner = {
      async run(argv, o) {
        runs++;
        return shRunner.run(argv, o);
      },
    };
    const cache = { key: "<ip>", maxCount: 2, maxTime: 300 };
    const ig = new IgnoreList({ jail: "j", ignorecommand: 'test "<ip>" = 10.0.0.1', ignorecache: cache }, deps({ clock, runner: counting }));
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(await ig.isIgnored("10.0.0.2")).toBe(false);
    expect(await ig.isIgnored("10.0.0.2")).toBe(false);
    expect(runs).toBe(2);
    clock.advance(301);
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(runs).toBe(3);
  });

  test("hostile F- tags reach the command quoted, never executed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-ign-"));
    const out = join(dir, "out");
    const pwned = join(dir, "pwned");
    const hostile = `x'; touch ${pwned}; echo '$(touch ${pwned})\`touch ${pwned}\``;
    const seen: string[][] = [];
    const runner: CommandRunner = {
      run: (argv, o) => {
        seen.push(argv);
        return shRunner.run(argv, o);
      },
    };
    const ig = new IgnoreList({ jail: "j", ignorecommand: `printf %s <F-USER> > ${out}; exit 1` }, deps({ runner }));
    expect(await ig.isIgnored({ id: "10.0.0.1", data: { user: hostile } })).toBe(false);
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(out, "utf8")).toBe(hostile);
    // the value is a positional parameter of `sh -c`, never part of the command text
    expect(seen).toHaveLength(1);
    expect(seen[0]!.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(seen[0]![2]).not.toContain("touch");
    expect(seen[0]!.slice(4)).toEqual([hostile]);
  });
});

describe("IgnoreList.ignoredAmong", () => {
  const ids = [
    "127.0.0.1",
    "127.200.1.1",
    "128.0.0.1",
    "10.1.2.3",
    "10.255.255.255",
    "11.0.0.0",
    "192.168.1.10",
    "192.168.1.11",
    "172.16.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "::ffff:192.168.1.10",
    "2001:db8::1",
    "2001:DB8:0::7",
    "2001:db9::1",
    "fe80::1",
    "::1",
    "10.9.9.9",
    "2001:db8::9",
    "trusted.example",
    "some-user",
    "192.0.2.50",
    "192.0.2.51",
    "010.1.2.3",
    "1.2.3.4/24",
    "203.0.113.7",
  ];
  const configs: Record<string, { ignoreip: string[]; ignoreself?: boolean; ignorecommand?: string; ignorecache?: IgnoreCacheOptions }> = {
    nothing: { ignoreip: [] },
    ips: { ignoreip: ["127.0.0.1/8", "192.168.1.10", "2001:db8::/32", "10.0.0.0/9", "203.0.113.7/32", "::1"] },
    "all v4": { ignoreip: ["0.0.0.0/0"] },
    "half v4": { ignoreip: ["128.0.0.0/1", "fe80::/10"] },
    self: { ignoreip: ["192.168.1.11"], ignoreself: true },
    dns: { ignoreip: ["trusted.example", "some-user", "10.0.0.0/8"], ignoreself: true },
    command: { ignoreip: ["127.0.0.1/8"], ignorecommand: `case <ip> in 192.0.2.5*) exit 0;; 203.*) exit 2;; *) exit 1;; esac` },
    cache: { ignoreip: ["192.0.2.50"], ignoreself: true, ignorecache: { key: "<ip>", maxCount: 3, maxTime: 300 } },
  };
  const resolver = tableResolver({ "trusted.example": ["10.9.9.9", "2001:db8::9"] });
  const localAddresses = fixedAddresses(["127.0.0.1", "::1", "172.16.0.1", "fe80::1"]);

  for (const [name, c] of Object.entries(configs)) {
    test(`answers as check() of each id does: ${name}`, async () => {
      const make = () =>
        new IgnoreList(
          { jail: "j", ignoreip: c.ignoreip, ignoreself: c.ignoreself ?? false, ignorecommand: c.ignorecommand, ignorecache: c.ignorecache ?? null },
          deps({ resolver, localAddresses }),
        );
      const one = make();
      const expected = new Map<string, IgnoreReason>();
      for (const id of ids) {
        const r = await one.check({ id });
        if (r) expected.set(id, r);
      }
      const got = await make().ignoredAmong(ids);
      expect([...got].sort()).toEqual([...expected].sort());
      if (name === "nothing") expect(got.size).toBe(0);
      else expect(got.size).toBeGreaterThan(0);
    }, 20_000);
  }

  test("100,000 restored addresses are checked in well under a second", async () => {
    const ig = new IgnoreList({ jail: "j", ignoreip: ["127.0.0.1/8", "::1", "10.0.0.0/16"], ignoreself: true }, deps({ localAddresses }));
    const many: string[] = [];
    for (let i = 0; i < 100_000; i++) many.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const t0 = performance.now();
    const got = await ig.ignoredAmong(many);
    const ms = performance.now() - t0;
    console.log(`ignoredAmong: 100,000 addresses in ${ms.toFixed(0)} ms`);
    expect(got.size).toBe(65_536); // 10.0.0.0/16
    expect(ms).toBeLessThan(1000);
  });
});
