// One behaviour suite run against each native backend, with the real firewall inside a pair of
// network namespaces: the attacker's next TCP connect must really fail while others get through.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BanEntry, FirewallBackend, FirewallJailSpec } from "../../src/action/types.ts";
import type { CommandRunner } from "../../src/system/command.ts";
import { create, netnsUnavailableReason, probe, startListener, type Listener, type NetnsPair } from "../helpers/netns.ts";

export interface BackendHarness {
  name: string;
  make(run: CommandRunner): FirewallBackend;
  /** text of this jail's firewall objects, to spot duplicated rules */
  dumpJail(pair: NetnsPair, jail: string): Promise<string>;
  /** creates firewall objects that belong to someone else */
  createUnrelated(pair: NetnsPair): Promise<void>;
  unrelatedIntact(pair: NetnsPair): Promise<boolean>;
  /** whether any object of the jail is still present */
  jailLeftovers(pair: NetnsPair, jail: string): Promise<string>;
}

const skipReason = netnsUnavailableReason();
if (skipReason) console.warn(`tests/action: namespace firewall tests skipped: ${skipReason}`);

/** Wraps a real runner to count how many programs a call sequence started. */
export function countingRunner(inner: CommandRunner): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: (argv, opts) => {
      calls.push(argv);
      return inner.run(argv, opts);
    },
  };
}

const spec = (jail: string, over: Partial<FirewallJailSpec> = {}): FirewallJailSpec => ({
  jail,
  ports: "ssh,2222",
  protocol: "tcp",
  allports: false,
  chains: ["INPUT"],
  blocktype: "reject",
  ...over,
});

export function backendSuite(h: BackendHarness): void {
  describe.skipIf(skipReason !== null)(`${h.name} backend in network namespaces`, () => {
    let pair: NetnsPair;
    let listener: Listener;
    let innerListener: Listener;
    let fw: FirewallBackend;
    const v4 = (src: string, port = 22): Promise<string> => probe(pair, src, pair.serverIp4, port);
    const v6 = (src: string, port = 22): Promise<string> => probe(pair, src, pair.serverIp6, port);

    beforeAll(async () => {
      pair = await create({ inner: true });
      listener = await startListener(pair, [22, 2222, 8080]);
      innerListener = await startListener(pair, [8080], pair.inner!.ns);
      fw = h.make(pair.runner(pair.server));
    });
    afterAll(async () => {
      listener?.stop();
      innerListener?.stop();
      await pair?.destroy();
    });

    test("baseline: both attacker addresses connect", async () => {
      expect(await v4(pair.attackerIp4)).toBe("ok");
      expect(await v6(pair.attackerIp6)).toBe("ok");
    }, 30_000);

    test("multiport reject: banned v4+v6 refused on listed ports only, second address unaffected, unban restores", async () => {
      const s = spec("sshd");
      await fw.start(s);
      expect(await fw.check(s)).toBe(true);
      await fw.ban(s, [
        { ip: pair.attackerIp4, timeout: null },
        { ip: pair.attackerIp6, timeout: 600 },
      ]);
      expect(await v4(pair.attackerIp4, 22)).toBe("refused");
      expect(await v4(pair.attackerIp4, 2222)).toBe("refused");
      expect(await v4(pair.attackerIp4, 8080)).toBe("ok");
      expect(await v4(pair.attacker2Ip4, 22)).toBe("ok");
      expect(await v6(pair.attackerIp6, 22)).toBe("refused");
      expect(await v6(pair.attackerIp6, 8080)).toBe("ok");
      expect(await v6(pair.attacker2Ip6, 22)).toBe("ok");
      expect((await fw.list(s)).sort()).toEqual([pair.attackerIp4, pair.attackerIp6].sort());
      await fw.unban(s, [pair.attackerIp4, pair.attackerIp6]);
      expect(await v4(pair.attackerIp4, 22)).toBe("ok");
      expect(await v6(pair.attackerIp6, 22)).toBe("ok");
      expect(await fw.list(s)).toEqual([]);
      await fw.unban(s, [pair.attackerIp4]); // unbanning an address that is not banned is harmless
      await fw.stop(s);
      expect(await fw.check(s)).toBe(false);
    }, 30_000);

    test("allports drop: every port times out for the banned address", async () => {
      const s = spec("all-drop", { allports: true, blocktype: "DROP" });
      await fw.start(s);
      await fw.ban(s, [
        { ip: pair.attackerIp4, timeout: null },
        { ip: pair.attackerIp6, timeout: null },
      ]);
      // a dropped SYN gets no answer at all: a short probe suffices
      expect(await probe(pair, pair.attackerIp4, pair.serverIp4, 8080, 0.6)).toBe("timeout");
      expect(await probe(pair, pair.attackerIp4, pair.serverIp4, 22, 0.6)).toBe("timeout");
      expect(await probe(pair, pair.attackerIp6, pair.serverIp6, 2222, 0.6)).toBe("timeout");
      expect(await v4(pair.attacker2Ip4, 8080)).toBe("ok");
      await fw.stop(s);
      expect(await v4(pair.attackerIp4, 8080)).toBe("ok");
    }, 30_000);

    test("port 0:65535 means all ports; CIDR bans cover every address inside", async () => {
      const s = spec("cidr", { ports: "0:65535" });
      await fw.start(s);
      const net4 = pair.attackerIp4.replace(/\.\d+$/, ".0/30");
      const net6 = pair.attackerIp6.replace(/::2$/, "::/120");
      await fw.ban(s, [
        { ip: net4, timeout: 600 },
        { ip: net6, timeout: null },
      ]);
      for (const src of [pair.attackerIp4, pair.attacker2Ip4]) expect(await v4(src, 8080)).toBe("refused");
      for (const src of [pair.attackerIp6, pair.attacker2Ip6]) expect(await v6(src, 8080)).toBe("refused");
      expect((await fw.list(s)).sort()).toEqual([net4, net6].sort());
      await fw.unban(s, [net4, net6]);
      expect(await v4(pair.attacker2Ip4, 8080)).toBe("ok");
      await fw.stop(s);
    }, 30_000);

    test("a network and what lies inside it coexist; a wider network over banned ones (escalation) is applied, then they leave", async () => {
      const s = spec("nested", { ports: "0:65535" });
      await fw.start(s);
      const v6in = (n: string, len: number): string => pair.attackerIp6.replace(/::2$/, `::${n}/${len}`);
      const [a, b, wide] = [v6in("", 126), v6in("100", 126), v6in("", 118)];
      // an address inside a network banned earlier, and a network over an address: no error
      await fw.ban(s, [{ ip: a, timeout: 600 }]);
      await fw.ban(s, [
        { ip: pair.attackerIp6, timeout: 600 },
        { ip: pair.attackerIp4, timeout: 600 },
      ]);
      await fw.ban(s, [
        { ip: pair.attackerIp4.replace(/\.\d+$/, ".0/30"), timeout: 600 },
        { ip: b, timeout: 600 },
      ]);
      expect(await v6(pair.attacker2Ip6, 8080)).toBe("refused");
      // the wider network covering both (nftables' interval set would refuse an overlap)
      await fw.ban(s, [{ ip: wide, timeout: 600 }]);
      expect((await fw.list(s)).filter((e) => e.endsWith("/118"))).toEqual([wide]);
      // the ban manager then retires the inner ones; the wider network keeps them out
      await fw.unban(s, [a, b, pair.attackerIp6]);
      expect(await v6(pair.attacker2Ip6, 8080)).toBe("refused");
      expect((await fw.list(s)).filter((e) => e.includes(":"))).toEqual([wide]);
      await fw.unban(s, [wide]);
      expect(await v6(pair.attacker2Ip6, 8080)).toBe("ok");
      await fw.stop(s);
    }, 30_000);

    test("the kernel expires a ban after its timeout", async () => {
      const s = spec("expire");
      await fw.start(s);
      await fw.ban(s, [
        { ip: pair.attackerIp4, timeout: 2 },
        { ip: pair.attackerIp6, timeout: 2 },
      ]);
      expect(await v4(pair.attackerIp4)).toBe("refused");
      expect(await v6(pair.attackerIp6)).toBe("refused");
      await Bun.sleep(2600);
      expect(await v4(pair.attackerIp4)).toBe("ok");
      expect(await v6(pair.attackerIp6)).toBe("ok");
      expect(await fw.list(s)).toEqual([]);
      await fw.stop(s);
    }, 30_000);

    test("re-start after a crash keeps bans and duplicates nothing; stop leaves other jails and unrelated rules", async () => {
      await h.createUnrelated(pair);
      const a = spec("crashy", { chains: ["INPUT", "FORWARD"] });
      const b = spec("other-jail", { allports: true });
      await fw.start(a);
      await fw.start(b);
      expect(await fw.check(a)).toBe(true); // input and forward hooks both in place
      await fw.ban(a, [{ ip: pair.attackerIp4, timeout: null }]);
      await fw.ban(b, [{ ip: pair.attacker2Ip6, timeout: null }]);
      const before = await h.dumpJail(pair, "crashy");
      await fw.start(a); // simulated crash: the daemon starts again without having stopped
      await fw.start(a);
      expect(await h.dumpJail(pair, "crashy")).toBe(before);
      expect(await fw.list(a)).toEqual([pair.attackerIp4]);
      expect(await v4(pair.attackerIp4)).toBe("refused");
      await fw.stop(a);
      expect(await h.jailLeftovers(pair, "crashy")).toBe("");
      expect(await v4(pair.attackerIp4)).toBe("ok");
      expect(await fw.check(b)).toBe(true);
      expect(await v6(pair.attacker2Ip6, 8080)).toBe("refused");
      await fw.stop(b);
      expect(await h.unrelatedIntact(pair)).toBe(true);
    }, 30_000);

    test("chain FORWARD / DOCKER-USER blocks forwarded traffic only; INPUT,FORWARD blocks both", async () => {
      const inner = pair.inner!;
      const fwd = spec("fwd", { chains: ["DOCKER-USER"], ports: "8080" });
      expect(await probe(pair, pair.attackerIp4, inner.ip4, 8080)).toBe("ok");
      await fw.start(fwd);
      await fw.ban(fwd, [
        { ip: pair.attackerIp4, timeout: null },
        { ip: pair.attackerIp6, timeout: null },
      ]);
      expect(await probe(pair, pair.attackerIp4, inner.ip4, 8080)).toBe("refused");
      expect(await probe(pair, pair.attackerIp6, inner.ip6, 8080)).toBe("refused");
      expect(await probe(pair, pair.attacker2Ip4, inner.ip4, 8080)).toBe("ok");
      expect(await v4(pair.attackerIp4, 8080)).toBe("ok"); // the server itself is not protected by a forward-only jail
      await fw.start({ ...fwd, chains: ["INPUT", "FORWARD"] }); // reconfigured: both hooks now
      expect(await v4(pair.attackerIp4, 8080)).toBe("refused");
      expect(await probe(pair, pair.attackerIp4, inner.ip4, 8080)).toBe("refused");
      await fw.start({ ...fwd, chains: ["INPUT"] }); // and back: the forward hook goes away
      expect(await probe(pair, pair.attackerIp4, inner.ip4, 8080)).toBe("ok");
      await fw.stop(fwd);
    }, 30_000);

    test("long jail names with dots and dashes still fit the kernel's name limits", async () => {
      const s = spec("nginx-limit-req.a-rather-long-jail-name-for-kernel-limits", { chains: ["DOCKER-USER"] });
      await fw.start(s);
      expect(await fw.check(s)).toBe(true);
      await fw.ban(s, [{ ip: pair.attackerIp4, timeout: 60 }]);
      expect(await fw.list(s)).toEqual([pair.attackerIp4]);
      await fw.stop(s);
      expect(await fw.check(s)).toBe(false);
    }, 30_000);

    test("a 10,000-address ban is one transaction", async () => {
      const counting = countingRunner(pair.runner(pair.server));
      const big = h.make(counting);
      const s = spec("bulk");
      await big.start(s);
      const entries: BanEntry[] = [];
      for (let i = 0; i < 10_000; i++) entries.push({ ip: `10.${200 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, timeout: 3600 });
      counting.calls.length = 0;
      const t0 = performance.now();
      await big.ban(s, entries);
      const ms = performance.now() - t0;
      console.log(`${h.name}: banned 10,000 addresses in ${ms.toFixed(0)} ms with ${counting.calls.length} command(s)`);
      expect(counting.calls.length).toBe(1);
      expect((await big.list(s)).length).toBe(10_000);
      await big.stop(s);
    }, 30_000);
  });
}
