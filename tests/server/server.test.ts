// The server in-process with real files, a real SQLite DB and the dummy action: counting,
// bans, restart with restore, position resume, reload (good and broken config), unban.
import { expect, test } from "bun:test";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { serverBed, type Running } from "./in-process.ts";

const { pool, sink, keep } = serverBed();

const start = (root: TestRoot): Promise<Running> => pool.start(root.conf);

function newRoot(jailLocal = ""): TestRoot {
  const r = makeRoot(jailLocal);
  keep(r);
  return r;
}

test("bans at maxretry, not before; other addresses are untouched", async () => {
  const root = newRoot();
  const { ctl } = await start(root);
  root.fail("10.1.1.1", 2);
  root.fail("10.1.1.2", 1);
  await until(() => ctl.jailStatus("testd").filter.totalFailed === 3, "3 failures counted");
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual([]);
  root.fail("10.1.1.1", 1);
  await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "a ban");
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["10.1.1.1"]);
  expect(sink.lines.some((l) => /fail2ban\.actions\s+\[\d+\]: NOTICE\s+\[testd\] Ban 10\.1\.1\.1$/u.test(l))).toBe(true);
});

test("ignoreip is never banned", async () => {
  const root = newRoot("[testd]\nignoreip = 10.2.0.0/16\n");
  const { ctl } = await start(root);
  root.fail("10.2.3.4", 5);
  root.fail("10.3.0.1", 3);
  await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "the other address banned");
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["10.3.0.1"]);
  expect(sink.lines.some((l) => l.includes("[testd] Ignore 10.2.3.4 by ip"))).toBe(true);
});

test("a restart restores bans with their remaining time and does not re-read old lines", async () => {
  const root = newRoot();
  const first = await start(root);
  root.fail("10.4.0.1", 3);
  root.fail("10.4.0.2", 2);
  await until(() => first.ctl.jailStatus("testd").actions.currentlyBanned === 1, "ban before restart");
  const before = first.ctl.banned()[0]!;
  await pool.stop(first.server);

  const second = await start(root);
  expect(second.ctl.jailStatus("testd").actions.bannedIPs).toEqual(["10.4.0.1"]);
  const after = second.ctl.banned()[0]!;
  expect(after.timeOfBan).toBe(before.timeOfBan);
  expect(after.remaining!).toBeLessThanOrEqual(before.remaining!);
  expect(after.remaining!).toBeGreaterThan(590);
  // 10.4.0.2's two failures were read before the restart: the position is resumed, so one more
  // failure must not ban it (it would if the old lines were read again).
  await Bun.sleep(200);
  expect(second.ctl.jailStatus("testd").filter.totalFailed).toBe(0);
});

test("reload applies a new maxretry, keeps bans and counted failures; a broken config keeps the old one", async () => {
  const root = newRoot();
  const { server, ctl } = await start(root);
  root.fail("10.5.0.1", 3);
  root.fail("10.5.0.2", 1);
  await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "first ban");

  root.writeJailLocal("[testd]\nmaxretry = 2\n");
  await ctl.reload();
  expect(ctl.get("testd", "maxretry")).toBe(2);
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["10.5.0.1"]);
  expect(ctl.jailStatus("testd").actions.totalBanned).toBe(1); // taken over, not re-banned
  root.fail("10.5.0.2", 1); // second failure: bans under the new maxretry
  await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 2, "ban with new maxretry");

  root.writeJailLocal("[testd]\nmaxretry = lots\n");
  await expect(server.reload()).rejects.toThrow(/maxretry.*not a whole number/u);
  expect(ctl.get("testd", "maxretry")).toBe(2);
  expect(ctl.jailStatus("testd").actions.currentlyBanned).toBe(2);

  // a broken filter is caught before the running jail is touched
  root.writeJailLocal("[testd]\nmaxretry = 4\nfailregex = ^(unclosed <HOST>\n");
  await expect(server.reload()).rejects.toThrow(/unterminated subpattern/u);
  expect(ctl.get("testd", "maxretry")).toBe(2);
  expect(ctl.jailStatus("testd").actions.currentlyBanned).toBe(2);

  // and once the config is fixed, the next reload works
  root.writeJailLocal("[testd]\nmaxretry = 4\n");
  await server.reload();
  expect(ctl.get("testd", "maxretry")).toBe(4);
  expect(ctl.jailStatus("testd").actions.currentlyBanned).toBe(2);
});

test("manual ban and unban through the controller", async () => {
  const root = newRoot();
  const { ctl } = await start(root);
  expect(await ctl.banIp("testd", ["10.6.0.1", "10.6.0.2"])).toBe(2);
  expect(await ctl.banIp("testd", ["10.6.0.1"])).toBe(0);
  expect(await ctl.unbanIp(["10.6.0.1"])).toBe(1);
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["10.6.0.2"]);
  expect(await ctl.unbanAll()).toBe(1);
  expect(ctl.banned()).toEqual([]);
  expect(() => ctl.jailStatus("nope")).toThrow(/does not exist/u);
});
