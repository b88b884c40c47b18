// fail2ban-client's jail control on the real server in-process (real files, SQLite, dummy action):
// stop/start of one jail, reload --restart/--unban, run-time `set`, a broken config on reload.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CommandFailedError, UnknownJailError } from "../../src/api/controller.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { serverBed, type Running } from "./in-process.ts";

const { pool, keep } = serverBed();

/** testd (the helper's jail) and other, reading its own file. */
async function twoJails(extra = ""): Promise<{ root: TestRoot; run: Running }> {
  const root = makeRoot("");
  keep(root);
  const other = join(root.dir, "other.log");
  writeFileSync(other, "");
  root.writeJailLocal(`[other]\nenabled = true\nfilter = testd\nlogpath = ${other}\n${extra}`);
  return { root, run: await pool.start(root.conf) };
}

test("stop JAIL stops only that jail; start JAIL brings it back with its bans from the database", async () => {
  const { run } = await twoJails();
  const { ctl } = run;
  await ctl.banIp("testd", ["192.0.2.7"]);
  await ctl.banIp("other", ["192.0.2.8"]);
  await ctl.stopJail("testd");
  expect(ctl.status().jails).toEqual(["other"]);
  expect(ctl.jailStatus("other").actions.bannedIPs).toEqual(["192.0.2.8"]);
  expect(() => ctl.jailStatus("testd")).toThrow(UnknownJailError);
  await expect(ctl.stopJail("testd")).rejects.toThrow(UnknownJailError);
  await ctl.startJail("testd");
  expect(ctl.status().jails).toEqual(["other", "testd"]);
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["192.0.2.7"]);
  await ctl.startJail("testd"); // running: nothing happens
  await expect(ctl.startJail("nosuch")).rejects.toThrow(UnknownJailError);
});

test("stop --all leaves a running server without jails; reload starts them again", async () => {
  const { run } = await twoJails();
  await run.ctl.stopAllJails();
  expect(run.ctl.status().jails).toEqual([]);
  await run.ctl.reload();
  expect(run.ctl.status().jails).toEqual(["other", "testd"]);
});

test("reload of a jail that is not running: unknown, unless --if-exists (then it starts); not in the config: a config error", async () => {
  const { run } = await twoJails();
  await run.ctl.stopJail("testd");
  await expect(run.ctl.reload("testd")).rejects.toThrow(UnknownJailError);
  await run.ctl.reload("testd", { ifExists: true });
  expect(run.ctl.status().jails).toEqual(["other", "testd"]);
  await expect(run.ctl.reload("nosuch", { ifExists: true })).rejects.toThrow("Failed during configuration: jail [nosuch] not found");
});

test("a disabled jail cannot be started", async () => {
  const { run } = await twoJails("[off]\nenabled = false\nfilter = testd\nlogpath = /nonexistent\n");
  await expect(run.ctl.startJail("off")).rejects.toThrow(CommandFailedError);
});

test("reload keeps bans and failures; --restart forgets failures, restores bans; --unban lifts them", async () => {
  const { root, run } = await twoJails();
  const { ctl } = run;
  await ctl.banIp("testd", ["192.0.2.9"]);
  root.fail("198.51.100.1", 2);
  await until(() => ctl.jailStatus("testd").filter.currentlyFailed === 1, "failures counted");
  await ctl.reload("testd");
  expect(ctl.jailStatus("testd").filter.currentlyFailed).toBe(1);
  await ctl.reload("testd", { restart: true });
  expect(ctl.jailStatus("testd").filter.currentlyFailed).toBe(0);
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual(["192.0.2.9"]);
  await ctl.banIp("other", ["192.0.2.10"]);
  await ctl.reload("testd", { restart: true, unban: true });
  expect(ctl.jailStatus("testd").actions.bannedIPs).toEqual([]);
  expect(ctl.jailStatus("other").actions.bannedIPs).toEqual(["192.0.2.10"]); // only the named jail
  await ctl.reload(undefined, { unban: true });
  expect(ctl.banned()).toEqual([]);
});

test("set maxretry/findtime/bantime takes effect in the running jail, and get shows it; a reload goes back", async () => {
  const { root, run } = await twoJails();
  const { ctl } = run;
  expect(ctl.setJail("testd", "maxretry", "1")).toBe(1);
  expect(ctl.setJail("testd", "bantime", "1h")).toBe(3600);
  expect(ctl.setJail("testd", "findtime", "5m")).toBe(300);
  expect(ctl.get("testd", "maxretry")).toBe(1);
  root.fail("203.0.113.5", 1);
  await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "banned after one failure");
  expect(ctl.banned()[0]!.bantime).toBe(3600);
  expect(() => ctl.setJail("testd", "maxretry", "five")).toThrow("maxretry: not a whole number: 'five'");
  expect(() => ctl.setJail("testd", "bantime.formula", "ban.Time *")).toThrow(/bantime\.formula/);
  expect(ctl.setJail("testd", "bantime.increment", "yes")).toBe(true);
  expect(ctl.get("testd", "bantime.formula")).toBe("");
  await ctl.reload();
  expect(ctl.get("testd", "maxretry")).toBe(3);
  expect(ctl.get("testd", "bantime.increment")).toBe(false);
});

test("a broken config on reload is a message naming file and line; everything keeps running", async () => {
  const { root, run } = await twoJails();
  root.writeJailLocal("[testd]\nmaxretry = five\n");
  const err = await run.ctl.reload().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CommandFailedError);
  // (which file the value error names, jail.conf or jail.local, is the config reader's business)
  expect((err as Error).message).toMatch(/^Failed during configuration: \S+jail\.(conf|local):\d+: jail \[testd\] option 'maxretry'/u);
  root.writeJailLocal("[testd]\nmaxretry = 2\n[testd\n");
  const syntax = await run.ctl.reload("testd").catch((e: unknown) => e);
  expect((syntax as Error).message).toMatch(/^Failed during configuration: \S+\/jail\.local:3: /u);
  expect(run.ctl.status().jails).toEqual(["other", "testd"]);
  expect(run.ctl.get("testd", "maxretry")).toBe(3);
});

test("reload --restart of a jail whose new filter does not compile keeps the running jail and its bans", async () => {
  const { root, run } = await twoJails();
  await run.ctl.banIp("testd", ["192.0.2.11"]);
  writeFileSync(join(root.conf, "filter.d", "testd.local"), "[Definition]\nfailregex = ^(unclosed <HOST>\n");
  const err = await run.ctl.reload("testd", { restart: true }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/^Reload failed: jail 'testd': .*unterminated subpattern/u);
  expect(run.ctl.status().jails).toEqual(["other", "testd"]);
  expect(run.ctl.jailStatus("testd").actions.bannedIPs).toEqual(["192.0.2.11"]);
});
