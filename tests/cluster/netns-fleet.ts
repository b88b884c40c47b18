// Three compiled f2b daemons (A, B, C), each in its own network namespace with real nftables,
// and a redis-server in a fourth namespace joined to them by a bridge (10.x addresses only inside
// the namespaces). Each host logs in as its own Redis ACL user limited to the ban stream (the
// README's ACL lines). Used by tests/cluster/daemons.test.ts and scripts/bench-cluster.ts.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NetnsPair } from "../helpers/netns.ts";
import { e2eRoot, ensureBinary, type E2eRoot } from "../e2e/fixtures.ts";
import { F2bProcess } from "../e2e/f2b-process.ts";
import { RedisServer } from "./redis-server.ts";

export const NAMES = ["A", "B", "C"] as const;
export type Name = (typeof NAMES)[number];
export const FLEET_KEY = "fleet-signing-key-for-the-daemon-test";

/** The README's ACL rules for one host: its own user, the stream key only, the four commands. */
export const aclLine = (user: string, pass: string, prefix: string): string =>
  `user ${user} on >${pass} resetkeys ~${prefix}:bans resetchannels -@all +xadd +xread +xtrim +ping +hello`;

function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

export interface Fleet {
  ns: Record<Name, string>;
  roots: Record<Name, E2eRoot>;
  procs: Record<Name, F2bProcess>;
  redis: RedisServer;
  start(n: Name): Promise<void>;
  /** The host's f2b nftables table as text (empty before the first ban). */
  table(n: Name): string;
  inKernel(n: Name, ip: string): boolean;
  destroy(): Promise<void>;
}

export async function startFleet(binary: string, opts: { jail?: (n: Name) => Record<string, string> } = {}): Promise<Fleet> {
  ensureBinary();
  const sfx = randomBytes(3).toString("hex");
  const net = `10.${20 + (parseInt(sfx.slice(0, 2), 16) % 200)}.${parseInt(sfx.slice(2, 4), 16)}`;
  const rns = `f2bcr-${sfx}`;
  const ns: Record<Name, string> = { A: `f2bcA-${sfx}`, B: `f2bcB-${sfx}`, C: `f2bcC-${sfx}` };
  const roots = {} as Record<Name, E2eRoot>;
  const procs = {} as Record<Name, F2bProcess>;
  let redis: RedisServer | undefined;
  const table = (n: Name): string => spawnSync("ip", ["netns", "exec", ns[n], "nft", "list", "table", "inet", "f2b"], { encoding: "utf8" }).stdout;
  const destroy = async (): Promise<void> => {
    for (const p of Object.values(procs)) await p.kill().catch(() => {});
    await redis?.destroy();
    for (const n of [rns, ...Object.values(ns)]) spawnSync("ip", ["netns", "del", n]);
    for (const r of Object.values(roots)) r.cleanup();
  };
  const fleet: Fleet = {
    ns,
    roots,
    procs,
    get redis() {
      return redis!;
    },
    table,
    destroy,
    inKernel: (n, ip) => table(n).includes(ip),
    // F2bProcess runs the server in `pair.server`; nothing else of the pair is used.
    start: async (n) => {
      procs[n] = await F2bProcess.start({ server: ns[n] } as NetnsPair, roots[n]);
    },
  };
  try {
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
      roots[n] = e2eRoot({
        banaction: "nftables-multiport",
        port: "8080",
        action: '%(banaction)s[port="%(port)s", protocol=tcp]',
        bantime: "1h",
        ...(opts.jail?.(n) ?? {}),
      });
      writeFileSync(join(roots[n].conf, "cluster.key"), FLEET_KEY);
      chmodSync(join(roots[n].conf, "cluster.key"), 0o600);
      writeFileSync(
        join(roots[n].conf, "fail2ban.local"),
        [
          "[cluster]",
          `url = redis://host${n.toLowerCase()}:pw-${n}-${sfx}@${net}.1:6379/0`,
          `hostid = pve-${n}`,
          `keyfile = ${join(roots[n].conf, "cluster.key")}`,
          "share = *",
          "",
        ].join("\n"),
      );
      await fleet.start(n);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return fleet;
}
