// Three compiled f2b daemons, each in its own network namespace with real nftables, share bans
// through a real redis-server in a fourth namespace (joined by a bridge), each host logging in as
// its own Redis ACL user that may touch the ban stream only (the README's ACL lines).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NetnsPair } from "../helpers/netns.ts";
import { e2eRoot, ensureBinary, type E2eRoot } from "../e2e/fixtures.ts";
import { F2bProcess } from "../e2e/f2b-process.ts";
import { encode, sign } from "../../src/cluster/message.ts";
import { RedisServer, redisBinaries, redisUnavailableReason, waitFor } from "./redis-server.ts";

const why = redisUnavailableReason() ?? (spawnSync("sh", ["-c", "command -v nft"]).status !== 0 ? "nft not installed" : null);
if (why) console.warn(`SKIP cluster daemons: ${why}`);

const KEY = "fleet-signing-key-for-the-daemon-test";
const NAMES = ["A", "B", "C"] as const;
type Name = (typeof NAMES)[number];

/** The README's ACL rules for one host. */
const aclLine = (user: string, pass: string, prefix: string): string =>
  `user ${user} on >${pass} resetkeys ~${prefix}:bans resetchannels -@all +xadd +xread +xtrim +ping +hello`;

function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

for (const binary of why ? [] : redisBinaries().slice(0, 1)) {
  describe(`three f2b daemons sharing bans through ${binary}`, () => {
    const sfx = randomBytes(3).toString("hex");
    const net = `10.${20 + (parseInt(sfx.slice(0, 2), 16) % 200)}.${parseInt(sfx.slice(2, 4), 16)}`;
    const rns = `f2bcr-${sfx}`;
    const ns: Record<Name, string> = { A: `f2bcA-${sfx}`, B: `f2bcB-${sfx}`, C: `f2bcC-${sfx}` };
    const roots = {} as Record<Name, E2eRoot>;
    const procs = {} as Record<Name, F2bProcess>;
    let redis: RedisServer;

    const start = async (n: Name): Promise<void> => {
      // F2bProcess runs the server in `pair.server`; nothing else of the pair is used.
      procs[n] = await F2bProcess.start({ server: ns[n] } as NetnsPair, roots[n]);
    };
    // The jail's sets appear with its first ban; before that the table is empty.
    const kernelSet = (n: Name): string => spawnSync("ip", ["netns", "exec", ns[n], "nft", "list", "table", "inet", "f2b"], { encoding: "utf8" }).stdout;
    const inKernel = (n: Name, ip: string): boolean => kernelSet(n).includes(ip);
    const streamLength = (): number => Number(redis.cli(["XLEN", "f2b:bans"]).trim());

    beforeAll(async () => {
      ensureBinary();
      for (const n of [rns, ...Object.values(ns)]) {
        sh(["ip", "netns", "add", n]);
        sh(["ip", "-n", n, "link", "set", "lo", "up"]);
      }
      sh(["ip", "-n", rns, "link", "add", "br0", "type", "bridge"]);
      sh(["ip", "-n", rns, "addr", "add", `${net}.1/24`, "dev", "br0"]);
      sh(["ip", "-n", rns, "link", "set", "br0", "up"]);
      NAMES.forEach((n, i) => {
        sh(["ip", "link", "add", `cl${n}${sfx}`, "netns", ns[n], "type", "veth", "peer", "name", `cr${n}${sfx}`, "netns", rns]);
        sh(["ip", "-n", rns, "link", "set", `cr${n}${sfx}`, "master", "br0", "up"]);
        sh(["ip", "-n", ns[n], "addr", "add", `${net}.${11 + i}/24`, "dev", `cl${n}${sfx}`]);
        sh(["ip", "-n", ns[n], "link", "set", `cl${n}${sfx}`, "up"]);
      });
      redis = await RedisServer.create(binary, { ns: rns, bind: `${net}.1`, port: 6379 });
      const acl = ["user default on nopass ~* &* +@all", ...NAMES.map((n) => aclLine(`host${n.toLowerCase()}`, `pw-${n}-${sfx}`, "f2b"))];
      writeFileSync(redis.aclfile, acl.join("\n") + "\n");
      redis.cli(["ACL", "LOAD"]);
      for (const n of NAMES) {
        roots[n] = e2eRoot({ banaction: "nftables-multiport", port: "8080", action: "%(banaction)s[port=\"%(port)s\", protocol=tcp]", bantime: "1h", ...(n === "B" ? { ignoreip: "10.250.0.0/16" } : {}) });
        writeFileSync(join(roots[n].conf, "cluster.key"), KEY);
        chmodSync(join(roots[n].conf, "cluster.key"), 0o600);
        writeFileSync(join(roots[n].conf, "fail2ban.local"), [
          "[cluster]", `url = redis://host${n.toLowerCase()}:pw-${n}-${sfx}@${net}.1:6379/0`, `hostid = pve-${n}`,
          `keyfile = ${join(roots[n].conf, "cluster.key")}`, "share = *", "",
        ].join("\n"));
        await start(n);
      }
    });

    afterAll(async () => {
      if (process.env["F2B_TEST_DEBUG"]) for (const n of NAMES) console.log(`--- ${n}\n${procs[n]?.logTextSync().split("\n").slice(-30).join("\n")}`);
      for (const p of Object.values(procs)) await p.kill().catch(() => {});
      await redis?.destroy();
      for (const n of [rns, ...Object.values(ns)]) spawnSync("ip", ["netns", "del", n]);
      for (const r of Object.values(roots)) r.cleanup();
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
      await start("C");
      await waitFor("C has it after its restart", () => inKernel("C", "10.240.0.3"));
    });

    test("Redis restarted mid-run: the fleet keeps working and catches up", async () => {
      expect((await procs.A.cli(["status"])).stdout).toMatch(/`- Cluster:\tpve-A on f2b:bans, link up since /u);
      await redis.stop();
      await waitFor("A's status shows the link down", async () => (await procs.A.cli(["status"])).stdout.includes("link DOWN since"));
      expect((await procs.A.cli(["set", "webapp", "banip", "10.240.0.4"])).code).toBe(0);
      expect(inKernel("A", "10.240.0.4")).toBe(true);
      await redis.start();
      await waitFor("B and C got the ban made while Redis was down", () => inKernel("B", "10.240.0.4") && inKernel("C", "10.240.0.4"), 60_000);
      await procs.C.cli(["set", "webapp", "banip", "10.240.0.5"]);
      await waitFor("A and B got C's ban", () => inKernel("A", "10.240.0.5") && inKernel("B", "10.240.0.5"));
      expect(procs.A.logTextSync()).toContain("link to Redis is down");
    });

    test("a forged entry is dropped; no ban loops", async () => {
      const now = Date.now() / 1000;
      const payload = encode({ kind: "ban", origin: "pve-A", seq: Date.now() * 2000, jail: "webapp", address: "10.240.0.66", time: now, end: now + 600, failures: 1 });
      redis.cli(["XADD", "f2b:bans", "*", "p", payload, "s", sign(payload, Buffer.from("a-key-the-attacker-guessed-wrong"))]);
      await waitFor("B logged the drop", () => procs.B.logTextSync().includes("bad-signature"));
      expect(inKernel("B", "10.240.0.66") || inKernel("C", "10.240.0.66")).toBe(false);
      // Since Redis restarted: A's ban, C's ban and the forged entry; nothing was sent back.
      await Bun.sleep(500);
      expect(streamLength()).toBe(3);
    });
  });
}
