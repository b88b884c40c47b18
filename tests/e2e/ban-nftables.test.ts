// End to end, as root: the compiled f2b bans an attacker that fails logins against a real HTTP
// service in a network namespace, in real nftables; the ban blocks it (and only it, and only
// the jail's port), expires, survives kill -9, and `f2b stop` removes only f2b's table.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { create, netnsUnavailableReason, probe, startListener, type Listener, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, e2eRoot, login, startWebapp, type E2eRoot } from "./fixtures.ts";
import { F2bProcess } from "./f2b-process.ts";

/** Rows of the ip in the database's bans table (read with Python's sqlite3, not our code). */
function banRows(db: string, ip: string): number {
  const py = `import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from bans where ip=?", (sys.argv[2],)).fetchone()[0])`;
  return Number(spawnSync("/usr/bin/python3", ["-c", py, db, ip], { encoding: "utf8" }).stdout.trim());
}

const why = netnsUnavailableReason();
if (why) console.warn(`SKIP e2e nftables: ${why}`);

const WEB = 8080;
const OTHER = 9090;
let pair: NetnsPair;
let root: E2eRoot;
let web: { stop(): void };
let other: Listener;
let f2b: F2bProcess;

beforeAll(async () => {
  if (why) return;
  ensureBinary();
  pair = await create();
  root = e2eRoot({
    port: String(WEB),
    maxretry: "3",
    findtime: "10m",
    bantime: "4",
    banaction: "nftables-multiport",
    action: "%(banaction)s[port=\"%(port)s\", protocol=tcp]",
    ignoreip: pair.attacker2Ip4,
  });
  web = await startWebapp(pair, WEB, root.log);
  other = await startListener(pair, [OTHER]);
  // Something of the admin's own that f2b must leave alone.
  await pair.exec(pair.server, ["nft", "add table inet keepme; add chain inet keepme c { type filter hook input priority 10; }"]);
  f2b = await F2bProcess.start(pair, root);
});

afterAll(async () => {
  if (why) return;
  await f2b?.kill();
  web?.stop();
  other?.stop();
  await pair?.destroy();
  root?.cleanup();
});

test.skipIf(!!why)("the attacker is banned after maxretry failures; others still get in; the ban expires", async () => {
  const { attackerIp4: atk, attacker2Ip4: friend, serverIp4: srv } = pair;
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
  for (let i = 0; i < 3; i++) expect(await login(pair, atk, srv, WEB, `guess${i}`)).toBe("401");
  await f2b.waitBanned("webapp", atk);
  // rejected at once (blocktype reject), while the ignored friend keeps failing without a ban
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  for (let i = 0; i < 4; i++) expect(await login(pair, friend, srv, WEB, "nope")).toBe("401");
  expect(await login(pair, friend, srv, WEB, "secret")).toBe("200");
  // only the jail's port is blocked (multiport)
  expect(await probe(pair, atk, srv, OTHER)).toBe("ok");
  const banned = await f2b.cli(["banned", "--json"]);
  expect(JSON.parse(banned.stdout).map((b: { ip: string }) => b.ip)).toEqual([atk]);
  // bantime 4 s: afterwards the attacker gets in again
  await f2b.waitUnbanned("webapp", atk, 10_000);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
  expect(await f2b.logText()).toMatch(new RegExp(`NOTICE  \\[webapp\\] Unban ${atk.replaceAll(".", "\\.")}`));
});

test.skipIf(!!why)("bans survive kill -9 with their remaining time, nothing duplicated", async () => {
  const { attackerIp4: atk, serverIp4: srv } = pair;
  await f2b.cli(["set", "webapp", "banip", atk]);
  const rowsBefore = banRows(root.db, atk);
  await f2b.kill("SIGKILL");
  // the kernel still holds the ban while f2b is down
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  f2b = await F2bProcess.start(pair, root);
  const st = await f2b.cli(["status", "webapp"]);
  expect(st.stdout).toContain(`Banned IP list:\t${atk}`);
  expect(st.stdout).toContain("Currently banned:\t1");
  // the restore re-applied the ban without writing it again
  expect(banRows(root.db, atk)).toBe(rowsBefore);
  const remaining = JSON.parse((await f2b.cli(["banned", "--json"])).stdout)[0].remaining as number;
  expect(remaining).toBeGreaterThan(0);
  expect(remaining).toBeLessThanOrEqual(4);
  await f2b.waitUnbanned("webapp", atk, 10_000);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
});

test.skipIf(!!why)("reconcile puts bans back after someone deleted f2b's table", async () => {
  const { attackerIp4: atk, serverIp4: srv } = pair;
  await f2b.cli(["set", "webapp", "banip", atk]);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  await pair.exec(pair.server, ["nft", "delete", "table", "inet", "f2b"]);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
  // reconcileinterval = 1 in this test's fail2ban.conf
  const end = Date.now() + 5000;
  while (Date.now() < end && (await login(pair, atk, srv, WEB, "secret")) !== "refused") await Bun.sleep(100);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  expect(await f2b.logText()).toMatch(/Reconcile: re-applied 1 ban/u);
  await f2b.cli(["unban", atk]);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
});

test.skipIf(!!why)("f2b stop removes f2b's table and nothing else", async () => {
  const before = await pair.exec(pair.server, ["nft", "list", "tables"]);
  expect(before.stdout).toContain("table inet f2b");
  await f2b.cli(["stop"]);
  await f2b.exited();
  const after = await pair.exec(pair.server, ["nft", "list", "tables"]);
  expect(after.stdout).not.toContain("table inet f2b");
  expect(after.stdout).toContain("table inet keepme");
});
