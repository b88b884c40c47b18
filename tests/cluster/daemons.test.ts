// Three compiled f2b daemons, each in its own network namespace with real nftables, share bans
// through a real redis-server in a fourth namespace (joined by a bridge), each host logging in as
// its own Redis ACL user that may touch the ban stream only (the README's ACL lines).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { encode, sign } from "../../src/cluster/message.ts";
import { NAMES, startFleet, type Fleet, type Name } from "./netns-fleet.ts";
import { redisBinaries, redisUnavailableReason, waitFor } from "./redis-server.ts";

const why = redisUnavailableReason() ?? (spawnSync("sh", ["-c", "command -v nft"]).status !== 0 ? "nft not installed" : null);
if (why) console.warn(`SKIP cluster daemons: ${why}`);

for (const binary of why ? [] : redisBinaries().slice(0, 1)) {
  describe(`three f2b daemons sharing bans through ${binary}`, () => {
    let fleet: Fleet;
    let procs: Fleet["procs"];
    const inKernel = (n: Name, ip: string): boolean => fleet.inKernel(n, ip);
    const streamLength = (): number => Number(fleet.redis.cli(["XLEN", "f2b:bans"]).trim());

    beforeAll(async () => {
      fleet = await startFleet(binary, { jail: (n): Record<string, string> => (n === "B" ? { ignoreip: "10.250.0.0/16" } : {}) });
      procs = fleet.procs;
    });

    afterAll(async () => {
      if (process.env["F2B_TEST_DEBUG"]) for (const n of NAMES) console.log(`--- ${n}\n${fleet?.procs[n]?.logTextSync().split("\n").slice(-30).join("\n")}`);
      await fleet?.destroy();
    });

    test("a ban on A reaches B's and C's kernel sets; the origin shows in f2b banned", async () => {
      expect((await procs.A.cli(["set", "webapp", "banip", "10.240.0.1"])).code).toBe(0);
      await waitFor("B and C kernel sets", () => inKernel("B", "10.240.0.1") && inKernel("C", "10.240.0.1"));
      const banned = await procs.B.cli(["banned"]);
      expect(banned.stdout).toContain("10.240.0.1");
      expect(banned.stdout).toContain("pve-A");
    });

    test("an unban on A leaves B's and C's kernel sets", async () => {
      expect((await procs.A.cli(["set", "webapp", "unbanip", "10.240.0.1"])).code).toBe(0);
      await waitFor("gone from B and C", () => !inKernel("B", "10.240.0.1") && !inKernel("C", "10.240.0.1"));
    });

    test("ignoreip on B wins", async () => {
      await procs.A.cli(["set", "webapp", "banip", "10.250.0.9"]);
      await waitFor("C has it", () => inKernel("C", "10.250.0.9"));
      await Bun.sleep(300);
      expect(inKernel("B", "10.250.0.9")).toBe(false);
    });

    test("C stopped during a ban gets it when started again", async () => {
      await procs.C.kill();
      await procs.A.cli(["set", "webapp", "banip", "10.240.0.3"]);
      await waitFor("B has it", () => inKernel("B", "10.240.0.3"));
      await fleet.start("C");
      await waitFor("C has it after its restart", () => inKernel("C", "10.240.0.3"));
    });

    test("Redis restarted mid-run: the fleet keeps working and catches up", async () => {
      expect((await procs.A.cli(["status"])).stdout).toMatch(/`- Cluster:\tpve-A on f2b:bans, link up since /u);
      await fleet.redis.stop();
      await waitFor("A's status shows the link down", async () => (await procs.A.cli(["status"])).stdout.includes("link DOWN since"));
      expect((await procs.A.cli(["set", "webapp", "banip", "10.240.0.4"])).code).toBe(0);
      expect(inKernel("A", "10.240.0.4")).toBe(true);
      await fleet.redis.start();
      await waitFor("B and C got the ban made while Redis was down", () => inKernel("B", "10.240.0.4") && inKernel("C", "10.240.0.4"), 60_000);
      await procs.C.cli(["set", "webapp", "banip", "10.240.0.5"]);
      await waitFor("A and B got C's ban", () => inKernel("A", "10.240.0.5") && inKernel("B", "10.240.0.5"));
      expect(procs.A.logTextSync()).toContain("link to Redis is down");
    });

    test("a forged entry is dropped; no ban loops", async () => {
      const now = Date.now() / 1000;
      const payload = encode({
        kind: "ban",
        origin: "pve-A",
        seq: Date.now() * 2000,
        jail: "webapp",
        address: "10.240.0.66",
        time: now,
        end: now + 600,
        failures: 1,
      });
      fleet.redis.cli(["XADD", "f2b:bans", "*", "p", payload, "s", sign(payload, Buffer.from("a-key-the-attacker-guessed-wrong"))]);
      await waitFor("B logged the drop", () => procs.B.logTextSync().includes("bad-signature"));
      expect(inKernel("B", "10.240.0.66") || inKernel("C", "10.240.0.66")).toBe(false);
      // Since Redis restarted: A's ban, C's ban and the forged entry; nothing was sent back.
      await Bun.sleep(500);
      expect(streamLength()).toBe(3);
    });

    test("10,000 bans in one banip on A reach B's and C's kernel sets; then every daemon stops on SIGTERM", async () => {
      const ips = Array.from({ length: 10_000 }, (_, i) => `10.251.${Math.floor(i / 250)}.${(i % 250) + 1}`);
      const count = (n: Name): number => (fleet.table(n).match(/10\.251\.\d+\.\d+/gu) ?? []).length;
      const t0 = Date.now();
      expect((await procs.A.cli(["set", "webapp", "banip", ...ips])).stdout.trim()).toBe("10000");
      await waitFor("all 10,000 in B and C", () => count("B") === 10_000 && count("C") === 10_000, 60_000);
      console.log(`cluster daemons: 10,000 bans from A in B's and C's kernel sets after ${Date.now() - t0} ms`);
      // With 10,000 bans a reconcile (every second here) may be running at SIGTERM: the daemon
      // must still exit (it once hung after "Exiting f2b" when the finished task re-armed its timer).
      for (const n of NAMES) {
        const r = await Promise.race([procs[n].kill().then(() => "exited"), Bun.sleep(15_000).then(() => "still running")]);
        expect(`${n} ${r}`).toBe(`${n} exited`);
      }
    });
  });
}
