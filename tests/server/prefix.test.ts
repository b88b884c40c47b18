// banprefix4/6, escalate4/6, minprefix4/6 in the running daemon (in-process, real log files,
// real SQLite, the dummy action): what is counted, what is banned, what stays in the history,
// what ignoreip and the minimum forbid, and that a restart keeps network bans. fail2ban has no
// such options: these tests assert f2b's documented behaviour (README "Banning networks").
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jailSettings } from "../../src/server/settings.ts";
import { loadJails } from "../../src/config/jail-reader.ts";
import { diskFS } from "../../src/config/fs.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { serverBed, type Running } from "./in-process.ts";

const { pool, sink, keep } = serverBed();

function newRoot(options: string): TestRoot {
  const r = makeRoot(`[testd]\n${options}\n`);
  keep(r);
  return r;
}

const banned = (run: Running): string[] => run.ctl.jailStatus("testd").actions.bannedIPs;
const idle = (run: Running): Promise<void> => run.server.jails.get("testd")!.runtime.idle();

/** The ip column of the bans table, read with SQLite directly. */
function storedIps(root: TestRoot): string[] {
  const db = new Database(root.db, { readonly: true });
  try {
    return (db.query("SELECT ip FROM bans WHERE jail = 'testd' ORDER BY ip").all() as { ip: string }[]).map((r) => r.ip);
  } finally {
    db.close();
  }
}

test("banprefix6 = 64: three addresses of one /64 failing once each ban the /64; the DB and unbanip speak prefixes", async () => {
  const root = newRoot("banprefix6 = 64");
  const run = await pool.start(root.conf);
  root.fail("2001:db8:1::a");
  root.fail("2001:db8:1::b");
  // another /64: counted on its own
  root.fail("2001:db8:2::a");
  await idle(run);
  expect(banned(run)).toEqual([]);
  root.fail("2001:db8:1:0:ffff::c");
  await until(() => banned(run).includes("2001:db8:1::/64"), "the /64 banned");
  await idle(run);
  expect(banned(run)).toEqual(["2001:db8:1::/64"]);
  expect(run.server.jails.get("testd")!.runtime.bans.isBanned("2001:db8:1::/64")).toBe(true);
  expect(storedIps(root)).toEqual(["2001:db8:1::/64"]);
  // a fourth address of the /64 is already covered: no new ban
  expect(await run.ctl.banIp("testd", ["2001:db8:1::99"])).toBe(0);
  expect(sink.lines.some((l) => l.includes("2001:db8:1::99 already banned by 2001:db8:1::/64"))).toBe(true);
  // unbanip of an address inside names the prefix to unban
  expect(run.ctl.unbanIp(["2001:db8:1::a"], "testd")).rejects.toThrow("2001:db8:1::a is inside 2001:db8:1::/64, banned in jail 'testd': unban 2001:db8:1::/64");
  expect(await run.ctl.unbanIp(["2001:db8:1::/64"], "testd")).toBe(1);
  expect(banned(run)).toEqual([]);
});

test("banprefix6 off (the default): every address counts on its own, as in fail2ban", async () => {
  const root = newRoot("");
  const run = await pool.start(root.conf);
  for (const ip of ["2001:db8:1::a", "2001:db8:1::b", "2001:db8:1::c", "192.0.2.1", "192.0.2.2"]) root.fail(ip);
  root.fail("192.0.2.3", 3);
  await until(() => banned(run).length > 0, "a ban");
  await until(() => sink.lines.some((l) => l.includes("Found 192.0.2.2")), "all failures read");
  await idle(run);
  expect(banned(run)).toEqual(["192.0.2.3"]);
});

test("escalate4 = 3 / 24 / 1h: the third banned address of a /24 bans the /24; the single bans leave the firewall, not the history", async () => {
  const root = newRoot("escalate4 = 3 / 24 / 1h");
  const run = await pool.start(root.conf);
  root.fail("198.51.100.7", 3);
  root.fail("198.51.100.8", 3);
  // a different /24 does not count towards this one
  root.fail("198.51.101.9", 3);
  await until(() => banned(run).length === 3, "three single bans");
  await idle(run);
  expect(banned(run).sort()).toEqual(["198.51.100.7", "198.51.100.8", "198.51.101.9"]);
  root.fail("198.51.100.200", 3);
  await until(() => banned(run).includes("198.51.100.0/24"), "the /24 banned");
  await idle(run);
  expect(banned(run).sort()).toEqual(["198.51.100.0/24", "198.51.101.9"]);
  expect(storedIps(root)).toEqual(["198.51.100.0/24", "198.51.100.200", "198.51.100.7", "198.51.100.8", "198.51.101.9"]);
  expect(sink.lines.some((l) => l.includes("Escalate 3 bans inside 198.51.100.0/24"))).toBe(true);
  // restart: the /24 comes back, the addresses it covers do not
  await pool.stopAll();
  const again = await pool.start(root.conf);
  await idle(again);
  expect(banned(again).sort()).toEqual(["198.51.100.0/24", "198.51.101.9"]);
});

test("escalate6 over banprefix6 networks: three /64s of one /48 ban the /48", async () => {
  const root = newRoot("banprefix6 = 64\nmaxretry = 1\nescalate6 = 3 / 48 / 1h");
  const run = await pool.start(root.conf);
  root.fail("2001:db8:7:1::1");
  root.fail("2001:db8:7:2::1");
  await until(() => banned(run).length === 2, "two /64 bans");
  root.fail("2001:db8:7:3::5");
  await until(() => banned(run).includes("2001:db8:7::/48"), "the /48 banned");
  await idle(run);
  expect(banned(run)).toEqual(["2001:db8:7::/48"]);
});

test("ignoreip always wins: a prefix holding an ignored address is counted per address, never banned whole, not by hand either", async () => {
  const root = newRoot("banprefix6 = 64\nescalate4 = 2 / 24 / 1h\nignoreip = 2001:db8:1::5 198.51.100.0/28");
  const run = await pool.start(root.conf);
  root.fail("2001:db8:1::a");
  root.fail("2001:db8:1::b");
  root.fail("2001:db8:1::c");
  await until(() => sink.lines.some((l) => l.includes("Found 2001:db8:1::c")), "the third failure read");
  await idle(run);
  expect(banned(run)).toEqual([]);
  expect(sink.lines.some((l) => l.includes("2001:db8:1::/64 holds ignored 2001:db8:1::5: failures of 2001:db8:1::a count for the address alone"))).toBe(true);
  root.fail("2001:db8:1::a", 2);
  await until(() => banned(run).includes("2001:db8:1::a"), "the single address banned");
  // escalation to a /24 that holds the ignored /28 does not happen
  root.fail("198.51.100.100", 3);
  root.fail("198.51.100.101", 3);
  await until(() => banned(run).length === 3, "two more single bans");
  await idle(run);
  expect(banned(run).sort()).toEqual(["198.51.100.100", "198.51.100.101", "2001:db8:1::a"]);
  expect(sink.lines.some((l) => l.includes("no escalation to 198.51.100.0/24: 198.51.100.0/24 holds ignored 198.51.100.0/28"))).toBe(true);
  // by hand: the network is refused, the ignored address alone is banned (fail2ban's "user knows best")
  expect(run.ctl.banIp("testd", ["2001:db8:1::/64"])).rejects.toThrow(
    "refusing to ban '2001:db8:1::/64': 2001:db8:1::/64 holds ignored 2001:db8:1::5 (ignoreip always wins)",
  );
  expect(run.ctl.banIp("testd", ["2001:db8::/32"])).rejects.toThrow(/holds ignored 2001:db8:1::5/);
  expect(await run.ctl.banIp("testd", ["2001:db8:1::5"])).toBe(1);
});

test("minimum prefix: nothing wider than /8 or /32 is banned by hand unless minprefix lowers it", async () => {
  const root = newRoot("");
  const run = await pool.start(root.conf);
  expect(run.ctl.banIp("testd", ["10.0.0.0/7"])).rejects.toThrow("refusing to ban '10.0.0.0/7': prefix /7 is shorter than /8, the shortest allowed for IPv4");
  expect(run.ctl.banIp("testd", ["2001:db8::/31"])).rejects.toThrow(/prefix \/31 is shorter than \/32/);
  expect(run.ctl.banIp("testd", ["0.0.0.0/0"])).rejects.toThrow(/prefix \/0 is shorter than \/8/);
  expect(await run.ctl.banIp("testd", ["10.0.0.0/8"])).toBe(1);
  await pool.stopAll();
  const lowered = newRoot("minprefix4 = 6");
  const run2 = await pool.start(lowered.conf);
  expect(await run2.ctl.banIp("testd", ["8.0.0.0/7"])).toBe(1);
  expect(banned(run2)).toEqual(["8.0.0.0/7"]);
});

test("bantime.increment works on prefixes: a /64 banned again after its ban ran out gets the longer bantime", async () => {
  const root = newRoot(
    "banprefix6 = 64\nmaxretry = 1\nbantime = 1\nbantime.increment = true\nbantime.factor = 1\nbantime.formula = ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor",
  );
  const run = await pool.start(root.conf);
  root.fail("2001:db8:3::1");
  await until(() => banned(run).includes("2001:db8:3::/64"), "first ban");
  await until(() => banned(run).length === 0, "first ban expired");
  // a second later, so the new failure is newer than the first ban
  await Bun.sleep(1100);
  root.fail("2001:db8:3::2");
  await until(() => banned(run).includes("2001:db8:3::/64"), "second ban");
  const b = run.server.jails
    .get("testd")!
    .runtime.bans.list()
    .find((x) => x.ip === "2001:db8:3::/64")!;
  expect(b.bantime).toBe(2);
  expect(sink.lines.some((l) => /Increase Ban 2001:db8:3::\/64 \(2 # /.test(l))).toBe(true);
});

test("bad prefix options are config errors naming the option", () => {
  const cases: [string, RegExp][] = [
    ["banprefix6 = 16", /option 'banprefix6': expected a prefix length from 32 to 128/],
    ["banprefix4 = 8", /option 'banprefix4': expected a prefix length from 16 to 32/],
    ["escalate4 = 3 / 24", /option 'escalate4': expected COUNT \/ PREFIX \/ WINDOW/],
    ["banprefix6 = 64\nescalate6 = 3 / 64 / 1h", /option 'escalate6': expected a prefix length from 32 to 63/],
    ["minprefix4 = 33", /option 'minprefix4': expected a prefix length from 1 to 32/],
    ["minprefix6 = 72\nbanprefix6 = 64", /option 'banprefix6': \/64 is shorter than minprefix6 \(\/72\)/],
  ];
  for (const [opts, want] of cases) {
    const root = newRoot(opts);
    const jail = loadJails(diskFS(root.conf)).find((j) => j.name === "testd")!;
    expect(() => jailSettings(jail), opts).toThrow(want);
  }
});

test("a network found by the filter (<SUBNET>, recidive) is counted as itself, unless it holds an ignored address", async () => {
  const root = newRoot("ignoreip = 2001:db8:9::7");
  const filterFile = join(root.conf, "filter.d", "testd.conf");
  writeFileSync(filterFile, readFileSync(filterFile, "utf8").replace("<HOST>", "<SUBNET>"));
  const run = await pool.start(root.conf);
  root.fail("2001:db8:9::/64", 3);
  root.fail("2001:db8:8::/64", 3);
  await until(() => banned(run).includes("2001:db8:8::/64"), "the network banned");
  await until(() => sink.lines.some((l) => l.includes("Found 2001:db8:9::/64")), "the other network read");
  await idle(run);
  expect(banned(run)).toEqual(["2001:db8:8::/64"]);
  expect(sink.lines.some((l) => l.includes("network 2001:db8:9::/64 is not counted: 2001:db8:9::/64 holds ignored 2001:db8:9::7 (ignoreip always wins)"))).toBe(
    true,
  );
});

test("escalation counts survive a reload, and prefix options may be turned on by one", async () => {
  const root = newRoot("escalate4 = 3 / 24 / 1h\nbantime = 1");
  const run = await pool.start(root.conf);
  root.fail("198.51.100.7", 3);
  root.fail("198.51.100.8", 3);
  await until(() => banned(run).length === 2, "two single bans");
  // both bans run out: only the escalation counts remember them
  await until(() => banned(run).length === 0, "the bans expired");
  root.writeJailLocal("[testd]\nescalate4 = 3 / 24 / 1h\nbanprefix6 = 64\n");
  await run.ctl.reload();
  expect(run.server.jails.get("testd")!.runtime.settings.prefix.ban[6]).toBe(64);
  root.fail("198.51.100.9", 3);
  await until(() => banned(run).includes("198.51.100.0/24"), "the /24 banned after the reload");
});

test("escalation counts only bans within the window", async () => {
  const root = newRoot("escalate4 = 2 / 24 / 2s");
  const run = await pool.start(root.conf);
  root.fail("198.51.100.7", 3);
  await until(() => banned(run).includes("198.51.100.7"), "first ban");
  // the second ban comes after the window: no escalation
  await Bun.sleep(3100);
  root.fail("198.51.100.8", 3);
  await until(() => banned(run).includes("198.51.100.8"), "second ban");
  await idle(run);
  expect(banned(run).sort()).toEqual(["198.51.100.7", "198.51.100.8"]);
  // a third one inside the window of the second: escalation
  root.fail("198.51.100.9", 3);
  await until(() => banned(run).includes("198.51.100.0/24"), "the /24 banned");
  expect(sink.lines.some((l) => l.includes("Escalate 2 bans inside 198.51.100.0/24 within 2s"))).toBe(true);
});

test("prefix options in [DEFAULT] reach every jail", () => {
  const root = makeRoot("[DEFAULT]\nminprefix4 = 6\nbanprefix6 = 56\n");
  keep(root);
  const jail = loadJails(diskFS(root.conf)).find((j) => j.name === "testd")!;
  const s = jailSettings(jail);
  expect(s.prefix.min[4]).toBe(6);
  expect(s.prefix.ban[6]).toBe(56);
  expect(s.warnings).toEqual([]);
});
