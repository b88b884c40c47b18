// The nftables backend adds a new element with one plain add, and replaces the kernel timeout of
// an element already in the set (prolong, shorter re-ban, restart with changed bantime): read back
// from the kernel with `nft -j list set` in a network namespace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { nftablesBackend } from "../../src/action/nftables.ts";
import type { FirewallJailSpec } from "../../src/action/types.ts";
import type { CommandRunner } from "../../src/system/command.ts";
import { create, netnsUnavailableReason, type NetnsPair } from "../helpers/netns.ts";
import { countingRunner } from "./backend-suite.ts";

const skipReason = netnsUnavailableReason();
if (skipReason) console.warn(`tests/action/nft-timeouts: skipped: ${skipReason}`);

const spec = (jail: string): FirewallJailSpec => ({
  jail,
  ports: "ssh",
  protocol: "tcp",
  allports: false,
  chains: ["INPUT"],
  blocktype: "reject",
});

describe.skipIf(skipReason !== null)("nftables element timeouts in a network namespace", () => {
  let pair: NetnsPair;
  beforeAll(async () => {
    pair = await create();
  });
  afterAll(async () => {
    await pair?.destroy();
  });

  /** element text → kernel timeout in seconds (null: permanent) of every set of the jail */
  async function timeouts(jail: string): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    for (const set of [`addr-${jail}-v4`, `addr-${jail}-v6`, `net-${jail}-v4`]) {
      const r = await pair.exec(pair.server, ["nft", "-j", "list", "set", "inet", "f2b", set]);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
      for (const e of doc.nftables.flatMap((i) => i.set?.elem ?? [])) {
        const el = (e as { elem?: { val: unknown; timeout?: number } }).elem;
        const val = el ? el.val : e;
        const text =
          typeof val === "string"
            ? val
            : `${(val as { prefix: { addr: string; len: number } }).prefix.addr}/${(val as { prefix: { len: number } }).prefix.len}`;
        out.set(text, el?.timeout ?? null);
      }
    }
    return out;
  }
  /** the element commands ("add", "delete") of the last nft transaction the runner sent */
  const verbsOf = (input: string | undefined): string[] =>
    (JSON.parse(input ?? "{}") as { nftables: Record<string, unknown>[] }).nftables.map((c) => Object.keys(c)[0] as string);

  test("fresh bans are plain adds; a re-ban replaces the timeout, longer or shorter; unban forgets", async () => {
    const inner = pair.runner(pair.server);
    const inputs: (string | undefined)[] = [];
    const run: CommandRunner = {
      run: (argv, opts) => {
        inputs.push(opts?.input);
        return inner.run(argv, opts);
      },
    };
    const fw = nftablesBackend({ run, log: memoryLog() });
    const s = spec("tmo");
    await fw.start(s);
    const all = (t: number | null) => [
      { ip: "10.9.0.1", timeout: t },
      { ip: "2001:db8::1", timeout: t },
      { ip: "10.8.0.0/16", timeout: t },
    ];
    await fw.ban(s, all(100));
    expect(verbsOf(inputs.at(-1))).not.toContain("delete");
    expect([...(await timeouts("tmo"))].sort()).toEqual([
      ["10.8.0.0/16", 100],
      ["10.9.0.1", 100],
      ["2001:db8::1", 100],
    ]);

    await fw.ban(s, [...all(5000).slice(0, 2), { ip: "10.8.0.0/16", timeout: 5000 }, { ip: "10.9.0.2", timeout: 80 }]);
    expect(verbsOf(inputs.at(-1))).toContain("delete");
    let t = await timeouts("tmo");
    expect([t.get("10.9.0.1"), t.get("2001:db8::1"), t.get("10.8.0.0/16"), t.get("10.9.0.2")]).toEqual([5000, 5000, 5000, 80]);

    // the same address written differently is the same element
    await fw.ban(s, [
      { ip: "10.9.0.1", timeout: 50 },
      { ip: "2001:DB8:0::1", timeout: 50 },
    ]);
    t = await timeouts("tmo");
    expect([t.get("10.9.0.1"), t.get("2001:db8::1")]).toEqual([50, 50]);

    await fw.ban(s, [{ ip: "10.9.0.1", timeout: null }]);
    expect((await timeouts("tmo")).get("10.9.0.1")).toBeNull();

    await fw.unban(s, ["10.9.0.1", "10.8.0.0/16"]);
    expect((await timeouts("tmo")).has("10.9.0.1")).toBe(false);
    await fw.ban(s, [
      { ip: "10.9.0.1", timeout: 70 },
      { ip: "10.8.0.0/16", timeout: 70 },
    ]);
    expect(verbsOf(inputs.at(-1))).not.toContain("delete");
    t = await timeouts("tmo");
    expect([t.get("10.9.0.1"), t.get("10.8.0.0/16")]).toEqual([70, 70]);
    await fw.stop(s);
  }, 30_000);

  test("after a restart the set is listed once, so a changed ban time still reaches the kernel", async () => {
    const s = spec("restart");
    const before = nftablesBackend({ run: pair.runner(pair.server), log: memoryLog() });
    await before.start(s);
    await before.ban(s, [
      { ip: "10.9.1.1", timeout: 100 },
      { ip: "10.7.0.0/16", timeout: 100 },
    ]);

    const counting = countingRunner(pair.runner(pair.server));
    const after = nftablesBackend({ run: counting, log: memoryLog() }); // a new process: knows nothing of the old elements
    await after.start(s);
    await after.ban(s, [
      { ip: "10.9.1.1", timeout: 3000 },
      { ip: "10.9.1.2", timeout: 3000 },
      { ip: "10.7.0.0/16", timeout: 3000 },
    ]);
    const t = await timeouts("restart");
    expect([t.get("10.9.1.1"), t.get("10.9.1.2"), t.get("10.7.0.0/16")]).toEqual([3000, 3000, 3000]);
    const lists = () => counting.calls.filter((c) => c.includes("list") && c.includes("set")).length;
    expect(lists()).toBe(2); // addr-restart-v4 and net-restart-v4, once each
    await after.ban(s, [
      { ip: "10.9.1.3", timeout: 60 },
      { ip: "10.9.1.1", timeout: 90 },
    ]);
    expect(lists()).toBe(2);
    expect((await timeouts("restart")).get("10.9.1.1")).toBe(90);
    await after.stop(s);
  }, 30_000);
});
