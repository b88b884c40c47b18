// Ban sharing through a real redis-server (and valkey-server where installed) in a network
// namespace, between three hosts built as the server builds them (real ban managers, SQLite,
// ignore lists; the firewall is a set here — tests/cluster/daemons.test.ts has real nftables).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encode, sign } from "../../src/cluster/message.ts";
import { KEY, localBan, startHost, type Host } from "./fleet.ts";
import { RedisServer, redisBinaries, redisUnavailableReason, waitFor } from "./redis-server.ts";
import { rng as seeded } from "../helpers/rng.ts";

const why = redisUnavailableReason();
if (why) console.warn(`SKIP cluster: ${why}`);
const STREAM = "f2btest:bans";

for (const binary of why ? [] : redisBinaries()) {
  describe(`ban sharing through ${binary}`, () => {
    let redis: RedisServer;
    const hosts: Host[] = [];
    const start = (name: string, o: Parameters<typeof startHost>[2] = {}): Host => {
      const h = startHost(name, redis.url, o);
      hosts.push(h);
      return h;
    };
    const up = (h: Host): Promise<void> => waitFor(`${h.name} link up`, () => h.cluster.status().link.up);
    const streamLength = (): number => Number(redis.cli(["XLEN", STREAM]).trim());
    const forge = (fields: string[]): string => redis.cli(["XADD", STREAM, "*", ...fields]);
    let A: Host, B: Host, C: Host;

    beforeAll(async () => {
      redis = await RedisServer.create(binary);
      A = start("hostA");
      B = start("hostB", { ignoreip: ["10.77.0.0/16"] });
      C = start("hostC");
      await Promise.all([A, B, C].map(up));
    });
    afterAll(async () => {
      for (const h of hosts) await h.stop().catch(() => {});
      await redis?.destroy();
    });

    test("a ban on A reaches B and C with its origin and remaining time; nothing is echoed", async () => {
      const before = streamLength();
      await localBan(A, "10.10.0.1", 7);
      for (const h of [B, C]) await waitFor(`${h.name} has 10.10.0.1`, () => h.bm.isBanned("10.10.0.1"));
      const onB = B.bm.list().find((b) => b.ip === "10.10.0.1")!;
      const onA = A.bm.list().find((b) => b.ip === "10.10.0.1")!;
      expect(onB.ticket.data?.["origin"]).toBe("hostA");
      expect(onB.ticket.failures).toBe(7);
      expect(onB.end).toBeCloseTo(onA.end, 3);
      expect(B.eff.set.has("10.10.0.1")).toBe(true);
      // Stored like any ban: it comes back after a restart.
      expect(B.db.db.query("SELECT count(*) AS n FROM bans WHERE ip = '10.10.0.1'").get()).toEqual({ n: 1 });
      await Bun.sleep(200);
      expect(streamLength()).toBe(before + 1);
      expect(B.cluster.counters.published + C.cluster.counters.published).toBe(0);
    });

    test("an unban on B propagates to A and C, and is not sent back", async () => {
      await localBan(A, "10.10.0.2");
      await waitFor("B and C have 10.10.0.2", () => B.bm.isBanned("10.10.0.2") && C.bm.isBanned("10.10.0.2"));
      const before = streamLength();
      expect(await B.bm.unban("10.10.0.2")).toBe("unbanned");
      await waitFor("A and C lifted 10.10.0.2", () => !A.bm.isBanned("10.10.0.2") && !C.bm.isBanned("10.10.0.2"));
      await Bun.sleep(200);
      expect(streamLength()).toBe(before + 1);
      expect(A.eff.set.has("10.10.0.2") || C.eff.set.has("10.10.0.2")).toBe(false);
    });

    test("an unban of everything on C (f2b unban --all) propagates each address", async () => {
      await localBan(A, "10.10.0.3");
      await localBan(A, "10.10.0.4");
      await waitFor("C has both", () => C.bm.isBanned("10.10.0.3") && C.bm.isBanned("10.10.0.4"));
      const before = streamLength();
      const n = await C.bm.unbanAll("cli");
      expect(n).toBeGreaterThanOrEqual(2);
      await waitFor("A and B lifted both", () => ["10.10.0.3", "10.10.0.4"].every((ip) => !A.bm.isBanned(ip) && !B.bm.isBanned(ip)));
      await Bun.sleep(200);
      expect(streamLength()).toBe(before + n);
    });

    test("a ban prolonged on A (a later end) is prolonged on B and C; a prolong received is not sent on", async () => {
      const ip = "10.10.0.55";
      const t0 = Date.now() / 1000;
      await A.bm.ban({ jail: A.bm.jail, ip, time: t0, failures: 5, matches: [], banCount: 0, bantime: 600 });
      await waitFor("B and C have it", () => B.bm.isBanned(ip) && C.bm.isBanned(ip));
      const before = streamLength();
      // failures again 300 s later: the jail's bantime from then on ends later (fail2ban keeps the start, stretches the bantime)
      expect(await A.bm.ban({ jail: A.bm.jail, ip, time: t0 + 300, failures: 9, matches: [], banCount: 0, bantime: 600 })).toBe("prolonged");
      const endOnA = A.bm.list().find((b) => b.ip === ip)!.end;
      expect(endOnA).toBeCloseTo(t0 + 900, 3);
      for (const h of [B, C]) await waitFor(`${h.name} prolonged`, () => (h.bm.list().find((b) => b.ip === ip)?.end ?? 0) > t0 + 800);
      for (const h of [B, C]) expect(h.bm.list().find((b) => b.ip === ip)!.end).toBeCloseTo(endOnA, 3);
      await Bun.sleep(200);
      expect(streamLength()).toBe(before + 1);
    });

    test("ignoreip on B wins over a peer's ban", async () => {
      const ignoredBefore = B.cluster.counters.ignored;
      await localBan(A, "10.77.1.1");
      await waitFor("C has 10.77.1.1", () => C.bm.isBanned("10.77.1.1"));
      await waitFor("B counted it ignored", () => B.cluster.counters.ignored > ignoredBefore);
      expect(B.bm.isBanned("10.77.1.1")).toBe(false);
      expect(B.eff.set.has("10.77.1.1")).toBe(false);
    });

    test("forged, replayed, too wide and expired entries are dropped and counted", async () => {
      const c0 = { ...C.cluster.counters };
      const msg = {
        kind: "ban" as const,
        origin: "hostA",
        seq: 1,
        jail: "sshd",
        address: "10.66.0.1",
        time: Date.now() / 1000,
        end: Date.now() / 1000 + 600,
        failures: 1,
      };
      const payload = encode(msg);
      forge(["p", payload]);
      forge(["p", payload, "s", sign(payload, Buffer.from("not-the-fleet-key-at-all-000000"))]);
      forge(["p", payload.replace("10.66.0.1", "10.66.0.2"), "s", sign(payload, KEY)]);
      // Correctly signed but older than what hostA already sent: a replay.
      forge(["p", payload, "s", sign(payload, KEY)]);
      const wide = encode({ ...msg, origin: "mallory", seq: 5, address: "10.0.0.0/4" });
      forge(["p", wide, "s", sign(wide, KEY)]);
      const old = encode({ ...msg, origin: "mallory", seq: 6, address: "10.66.0.3", time: 1000, end: 1600 });
      forge(["p", old, "s", sign(old, KEY)]);
      await waitFor("C counted all six", () => C.cluster.counters.received >= c0.received + 6);
      const c1 = C.cluster.counters;
      expect(c1.unsigned - c0.unsigned).toBe(1);
      expect(c1.badSignature - c0.badSignature).toBe(2);
      expect(c1.replayed - c0.replayed).toBe(1);
      expect(c1.refused - c0.refused).toBe(1);
      expect(c1.expired - c0.expired).toBe(1);
      for (const ip of ["10.66.0.1", "10.66.0.2", "10.0.0.0/4", "10.66.0.3"]) expect(C.eff.set.has(ip)).toBe(false);
      expect(C.logs.some((l) => l.startsWith("WARNING") && l.includes("bad-signature"))).toBe(true);
    });

    test("a network wider than a host's own minprefix is not banned there (the peer's limit does not count)", async () => {
      const D = start("hostD", { minprefix: { 4: 16, 6: 48 } });
      await up(D);
      const refused0 = D.cluster.counters.refused;
      await localBan(A, "10.80.0.0/12");
      await localBan(A, "10.200.0.0/16");
      await waitFor("B has the /12 (its minimum is /8)", () => B.bm.isBanned("10.80.0.0/12"));
      await waitFor("D has the /16", () => D.bm.isBanned("10.200.0.0/16"));
      expect(D.bm.isBanned("10.80.0.0/12")).toBe(false);
      expect(D.eff.set.has("10.80.0.0/12")).toBe(false);
      expect(D.cluster.counters.refused - refused0).toBe(1);
      await D.stop();
    });

    test("C stopped during a ban gets it when started again; a ban that expired meanwhile is not applied", async () => {
      const dbFile = C.dbFile;
      await C.stop();
      hosts.splice(hosts.indexOf(C), 1);
      await localBan(A, "10.10.0.3");
      await A.bm.ban({
        jail: "sshd",
        ip: "10.10.0.4",
        time: Date.now() / 1000 - 599.5,
        failures: 1,
        matches: [],
        banCount: 0,
        bantime: 600,
        fixedBantime: true,
      });
      await waitFor("B has both", () => B.bm.isBanned("10.10.0.3") && B.bm.isBanned("10.10.0.4"));
      await Bun.sleep(700);
      C = start("hostC", { dbFile });
      await waitFor("C caught up", () => C.bm.isBanned("10.10.0.3"));
      await waitFor("C counted the expired one", () => C.cluster.counters.expired >= 1);
      expect(C.eff.set.has("10.10.0.4")).toBe(false);
      // It read on from where it stopped: the entries before are not handled again.
      expect(C.cluster.counters.received).toBeLessThan(10);
    });

    test("Redis restarted mid-run: local bans go on, the link shows down since when, the fleet catches up", async () => {
      await redis.stop();
      await waitFor("A sees the link down", () => !A.cluster.status().link.up);
      const down = A.cluster.status().link;
      expect(down.since).toBeGreaterThan(Date.now() / 1000 - 30);
      expect(await localBan(A, "10.10.0.5")).toBe("banned");
      expect(A.eff.set.has("10.10.0.5")).toBe(true);
      expect(A.cluster.status().outbox).toBe(1);
      await redis.start();
      await waitFor("B and C have the ban made while Redis was down", () => B.bm.isBanned("10.10.0.5") && C.bm.isBanned("10.10.0.5"), 40_000);
      await localBan(B, "10.10.0.6");
      await waitFor("A and C have B's later ban", () => A.bm.isBanned("10.10.0.6") && C.bm.isBanned("10.10.0.6"));
      expect(A.logs.some((l) => l.includes("link to Redis is down"))).toBe(true);
      expect(A.logs.some((l) => l.includes("up again"))).toBe(true);
    });

    test("a burst of 10,000 bans from one peer is applied in batches (seeded addresses)", async () => {
      const seed = Date.now() % 100_000;
      const rng = seeded(seed);
      const ips = new Set<string>();
      while (ips.size < 10_000) ips.add(`10.${100 + rng(100)}.${rng(256)}.${rng(256)}`);
      const batchesBefore = B.eff.batches.length;
      const t0 = performance.now();
      const now = Date.now() / 1000;
      await Promise.all([...ips].map((ip) => A.bm.ban({ jail: "sshd", ip, time: now, failures: 1, matches: [], banCount: 0, bantime: 600 })));
      await waitFor("B has all 10,000", () => [...ips].every((ip) => B.bm.isBanned(ip)), 60_000);
      const ms = performance.now() - t0;
      const batches = B.eff.batches.length - batchesBefore;
      console.log(`cluster burst (seed ${seed}): 10,000 bans applied on B in ${ms.toFixed(0)} ms, ${batches} firewall batches`);
      expect(batches).toBeLessThanOrEqual(40);
      expect(B.cluster.counters.rateLimited).toBe(0);
    });

    test("share: a host applies and publishes only the listed jails; others go to its `cluster` jail", async () => {
      const E = start("hostE", { cfg: { share: new Set(["sshd", "nginx"]) }, jail: "cluster" });
      await up(E);
      const F = start("hostF", { jail: "nginx" });
      await up(F);
      const n0 = E.cluster.counters.notShared;
      await localBan(F, "10.12.0.1");
      // nginx is shared with E, which does not run it: into E's `cluster` jail.
      await waitFor("E has F's nginx ban in its cluster jail", () => E.bm.isBanned("10.12.0.1"));
      await localBan(A, "10.12.0.2");
      await waitFor("F has A's sshd ban? no: F runs no sshd and no cluster jail", () => F.cluster.counters.noJail > 0);
      const other = start("hostG", { jail: "recidive" });
      await up(other);
      await localBan(other, "10.12.0.3");
      await waitFor("E counted recidive as not shared", () => E.cluster.counters.notShared > n0);
      expect(E.bm.isBanned("10.12.0.3")).toBe(false);
      // E's own bans of a jail outside `share` are not published.
      const p0 = E.cluster.counters.published;
      E.cluster.onLocalChange({
        kind: "ban",
        jail: "recidive",
        ticket: { jail: "recidive", ip: "10.12.0.4", time: Date.now() / 1000, failures: 1, matches: [], banCount: 1, bantime: 600 },
      });
      expect(E.cluster.counters.published).toBe(p0);
    });

    test("a batch that fails half-way is read again and applied, not taken for a replay", async () => {
      const H = start("hostH", { ignoreFailures: 1 });
      // (Redis lost its data in the restart above; 10.10.0.6 came after it.)
      await waitFor("H caught up after the failed first batch", () => H.bm.isBanned("10.10.0.6") && H.cluster.status().link.up, 30_000);
      expect(H.cluster.counters.replayed).toBe(0);
      expect(H.logs.some((l) => l.startsWith("ERROR") && l.includes("reading them again"))).toBe(true);
    });

    test("a peer over its rate limit gets no more bans accepted", async () => {
      const D = start("hostD", { cfg: { peerlimit: 3 } });
      await up(D);
      const marker = D.cluster.counters.received;
      await waitFor("D caught up", () => D.cluster.counters.received > marker && D.cluster.status().outbox === 0, 30_000);
      const limited = D.cluster.counters.rateLimited;
      expect(limited).toBeGreaterThan(0);
      // Everything D accepted per peer stays within 3 (+ refill) bans.
      expect(D.bm.size()).toBeLessThanOrEqual(3 * 3 + 1);
    });
  });
}
