// The system deps against this host: NSS answers (localhost and the machine's own name, both in
// /etc/hosts, so no DNS traffic), one cache shared by both faces, and the own-address list.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { hostname, networkInterfaces } from "node:os";
import { FakeClock } from "../../src/system/clock.ts";
import { createCommandRunner, type CommandRunner } from "../../src/system/command.ts";
import { createSystemDeps } from "../../src/system/deps.ts";
import { memoryLog } from "../../src/system/log.ts";
import { systemResolver } from "../../src/system/resolver.ts";

const getent = (name: string): string[] => {
  const r = spawnSync("getent", ["ahosts", name], { encoding: "utf8" });
  return r.status === 0
    ? [
        ...new Set(
          r.stdout
            .split("\n")
            .map((l) => l.split(/\s+/)[0]!)
            .filter((a) => a !== ""),
        ),
      ]
    : [];
};
const haveLocalhost = getent("localhost").length > 0;
if (!haveLocalhost) console.warn("system: resolver tests skipped, getent cannot resolve localhost here");

function counting(): CommandRunner & { calls: string[][] } {
  const real = createCommandRunner();
  const calls: string[][] = [];
  return {
    calls,
    run: (argv, o) => {
      calls.push(argv);
      return real.run(argv, o);
    },
  };
}

describe.skipIf(!haveLocalhost)("systemResolver", () => {
  test("answers what getent answers for localhost and this host's name, async and blocking alike", async () => {
    const log = memoryLog();
    const r = systemResolver({ clock: new FakeClock(), runner: createCommandRunner(), log });
    for (const name of ["localhost", hostname()]) {
      const want = getent(name).sort();
      expect([...(await r.resolve(name))].sort()).toEqual(want);
      const fresh = systemResolver({ clock: new FakeClock(), runner: createCommandRunner(), log });
      expect([...fresh.resolveSync(name)].sort()).toEqual(want);
    }
    expect(log.records).toEqual([]);
  });

  test("one cache for both faces, 5 minutes; concurrent lookups of a name share one process", async () => {
    const clock = new FakeClock();
    const runner = counting();
    const r = systemResolver({ clock, runner, log: memoryLog() });
    const [a, b] = await Promise.all([r.resolve("localhost"), r.resolve("localhost")]);
    expect(a).toBe(b);
    expect(runner.calls).toEqual([["getent", "ahosts", "--", "localhost"]]);
    expect(r.resolveSync("localhost")).toBe(a); // from the cache, no process
    clock.advance(299);
    expect(await r.resolve("localhost")).toBe(a);
    clock.advance(2);
    expect(await r.resolve("localhost")).not.toBe(a);
    expect(runner.calls.length).toBe(2);
  });

  test("a name with no answer is [] with fail2ban's warning, and cached too", async () => {
    const runner = counting();
    const log = memoryLog();
    const r = systemResolver({ clock: new FakeClock(), runner, log });
    // the .invalid TLD never resolves (RFC 6761); "-x" must not be read as an option of getent
    for (const name of ["-x.invalid", "-x.invalid"]) expect(await r.resolve(name)).toEqual([]);
    expect(runner.calls.length).toBe(1);
    expect(log.records.map((x) => x.msg.split(":")[0])).toEqual(["Unable to find a corresponding IP address for -x.invalid"]);
  });
});

describe("createSystemDeps().localAddresses", () => {
  test("127.0.0.1, ::1, every interface address and what localhost / the host name resolve to", async () => {
    const system = createSystemDeps({ logger: () => memoryLog() });
    const got = new Set(await system.localAddresses.addresses());
    const want = new Set(["127.0.0.1", "::1", ...getent("localhost"), ...getent(hostname())]);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) want.add(a.address);
    expect([...got].sort()).toEqual([...want].sort());
    expect(await system.localAddresses.addresses()).toBe(await system.localAddresses.addresses()); // cached
  });
});
