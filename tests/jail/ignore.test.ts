import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../src/jail/clock.ts";
import { IgnoreList, parseIgnoreCache, type IgnoreCommandRunner } from "../../src/jail/ignore.ts";

const shRunner: IgnoreCommandRunner = {
  async run(argv) {
    const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  },
};

describe("IgnoreList", () => {
  test("IPs, CIDRs (v4/v6), mapped addresses, add/del at run time", async () => {
    const ig = new IgnoreList({ jail: "j", ignoreip: ["127.0.0.1/8", "192.168.1.10", "2001:db8::/32"] }, { clock: new FakeClock() });
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

  test("DNS names through the resolver, cached for the cache time", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const resolver = { async resolve(n: string) { calls++; return n === "trusted.example" ? ["10.9.9.9", "2001:db8::9"] : []; } };
    const ig = new IgnoreList({ jail: "j", ignoreip: ["trusted.example"] }, { clock, resolver });
    expect(await ig.check({ id: "10.9.9.9" })).toBe("dns");
    expect(await ig.isIgnored("2001:db8::9")).toBe(true);
    expect(await ig.isIgnored("10.9.9.8")).toBe(false);
    expect(calls).toBe(1);
    clock.advance(301);
    await ig.isIgnored("10.9.9.9");
    expect(calls).toBe(2);
  });

  test("ignoreself uses the self-address provider", async () => {
    const ig = new IgnoreList({ jail: "j", ignoreself: true }, { clock: new FakeClock(), selfAddresses: { async addresses() { return ["10.1.1.1", "fe80::1"]; } } });
    expect(await ig.check({ id: "10.1.1.1" })).toBe("ignoreself rule");
    expect(await ig.isIgnored("10.1.1.2")).toBe(false);
  });

  test("ignorecommand: exit 0 ignores, 1 does not, other codes are logged errors", async () => {
    const errors: string[] = [];
    const log = (lvl: string, m: string): void => { if (lvl === "error") errors.push(m); };
    const mk = (cmd: string): IgnoreList => new IgnoreList({ jail: "j", ignorecommand: cmd }, { clock: new FakeClock(), runner: shRunner, log });
    expect(await mk('test "<ip>" = 10.0.0.1').check({ id: "10.0.0.1" })).toBe("command");
    expect(await mk('test "<ip>" = 10.0.0.1').isIgnored("10.0.0.2")).toBe(false);
    expect(errors).toEqual([]);
    expect(await mk("exit 3").isIgnored("10.0.0.2")).toBe(false);
    expect(errors[0]).toContain("exit code 3");
  });

  test("ignorecache remembers command decisions per key until max-time", async () => {
    const clock = new FakeClock();
    let runs = 0;
    const counting: IgnoreCommandRunner = { async run(argv, o) { runs++; return shRunner.run(argv, o); } };
    const cache = parseIgnoreCache('key="<ip>", max-count=2, max-time=5m');
    expect(cache).toEqual({ key: "<ip>", maxCount: 2, maxTime: 300 });
    const ig = new IgnoreList({ jail: "j", ignorecommand: 'test "<ip>" = 10.0.0.1', ignorecache: cache }, { clock, runner: counting });
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(await ig.isIgnored("10.0.0.2")).toBe(false);
    expect(await ig.isIgnored("10.0.0.2")).toBe(false);
    expect(runs).toBe(2);
    clock.advance(301);
    expect(await ig.isIgnored("10.0.0.1")).toBe(true);
    expect(runs).toBe(3);
    expect(() => parseIgnoreCache("max-count=3")).toThrow(/missing key/);
  });

  test("hostile F- tags reach the command quoted, never executed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-ign-"));
    const out = join(dir, "out");
    const pwned = join(dir, "pwned");
    const hostile = `x'; touch ${pwned}; echo '$(touch ${pwned})\`touch ${pwned}\``;
    const ig = new IgnoreList({ jail: "j", ignorecommand: `printf %s <F-USER> > ${out}; exit 1` }, { clock: new FakeClock(), runner: shRunner });
    expect(await ig.isIgnored({ id: "10.0.0.1", data: { user: hostile } })).toBe(false);
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(out, "utf8")).toBe(hostile);
  });
});
