// ignoreself, host names in ignoreip and ignorecommand in the running daemon: the server is built
// exactly as `f2b server` builds it (real resolver through getent, real interface list, the real
// command runner); nothing here is replaced by a test double. Host names are `localhost` and this
// machine's own name, which /etc/hosts answers, so no DNS traffic leaves the machine.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { serverBed, type Running } from "./in-process.ts";

const { pool, sink, keep } = serverBed();

/** A root whose config never mentions ignoreself unless jailLocal does: fail2ban's default applies. */
function newRoot(jailLocal: string): TestRoot {
  const r = makeRoot(jailLocal);
  keep(r);
  const jailConf = join(r.conf, "jail.conf");
  writeFileSync(jailConf, readFileSync(jailConf, "utf8").replace("ignoreself = false\n", ""));
  expect(readFileSync(jailConf, "utf8")).not.toContain("ignoreself");
  return r;
}

const ipv4Of = (name: string): string[] => {
  const r = spawnSync("getent", ["ahostsv4", name], { encoding: "utf8" });
  return r.status === 0
    ? [
        ...new Set(
          r.stdout
            .split("\n")
            .map((l) => l.split(/\s+/)[0]!)
            .filter((a) => a !== ""),
        ),
      ]
    : [];
};

/** Fails `ignored` (5 times each, above maxretry 3), then a control address; waits for the control ban. */
async function failThenControl(root: TestRoot, run: Running, ignored: string[], control: string): Promise<void> {
  for (const ip of ignored) root.fail(ip, 5);
  root.fail(control, 3);
  await until(() => run.ctl.jailStatus("testd").actions.bannedIPs.includes(control), `control ${control} banned`);
  await run.server.jails.get("testd")!.runtime.idle();
  expect(run.ctl.jailStatus("testd").actions.bannedIPs).toEqual([control]);
}

const ignoredBy = (ip: string, by: string): boolean => sink.lines.some((l) => l.endsWith(`[testd] Ignore ${ip} by ${by}`));

const ownInterfaceV4 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && !a.internal && a.family === "IPv4")?.address;
if (!ownInterfaceV4) console.warn("server/ignore: this host has no non-loopback IPv4 interface; the own-interface case checks 127.0.0.1 only");

test("default ignoreself (true, as in fail2ban) never bans 127.0.0.1, ::1 or this host's interface address", async () => {
  const root = newRoot("");
  const run = await pool.start(root.conf);
  expect(run.server.jails.get("testd")!.runtime.ignore.ignoreself).toBe(true);
  const own = ["127.0.0.1", "::1", ...(ownInterfaceV4 ? [ownInterfaceV4] : [])];
  await failThenControl(root, run, own, "198.51.100.7");
  for (const ip of own) expect(ignoredBy(ip, "ignoreself rule")).toBe(true);
});

test("ignoreself = false bans the host's own address (the switch works both ways)", async () => {
  const root = newRoot("[testd]\nignoreself = false\n");
  const run = await pool.start(root.conf);
  root.fail("127.0.0.1", 3);
  await until(() => run.ctl.jailStatus("testd").actions.bannedIPs.includes("127.0.0.1"), "127.0.0.1 banned");
});

test("ignoreip = localhost ignores 127.0.0.1 (resolved through the system resolver)", async () => {
  const root = newRoot("[testd]\nignoreself = false\nignoreip = localhost\n");
  const run = await pool.start(root.conf);
  await failThenControl(root, run, ["127.0.0.1"], "198.51.100.8");
  expect(ignoredBy("127.0.0.1", "dns")).toBe(true);
});

const own = hostname();
const ownIPs = ipv4Of(own);
if (ownIPs.length === 0) console.warn(`server/ignore: skipped the host name case, ${own} does not resolve here`);

test.skipIf(ownIPs.length === 0)(`ignoreip = this host's name (${own}) ignores every address it resolves to`, async () => {
  const root = newRoot(`[testd]\nignoreself = false\nignoreip = 203.0.113.0/24 ${own}\n`);
  const run = await pool.start(root.conf);
  await failThenControl(root, run, ownIPs, "198.51.100.9");
  for (const ip of ownIPs) expect(ignoredBy(ip, "dns")).toBe(true);
});

test("ignorecommand: exit 0 ignores, exit 1 counts the failure; log values reach it quoted", async () => {
  // <F-USER> comes from the log line: a shell-active user name must arrive as one plain word
  const root = newRoot("[testd]\nignoreself = false\nignorecommand = test <ip> = 192.0.2.77 && test <F-USER> = 'a;b'\n");
  const run = await pool.start(root.conf);
  root.fail("192.0.2.77", 5, "a;b");
  root.fail("192.0.2.78", 3, "a;b");
  await until(() => run.ctl.jailStatus("testd").actions.bannedIPs.includes("192.0.2.78"), "exit 1: banned");
  await run.server.jails.get("testd")!.runtime.idle();
  expect(run.ctl.jailStatus("testd").actions.bannedIPs).toEqual(["192.0.2.78"]);
  expect(ignoredBy("192.0.2.77", "command")).toBe(true);
  expect(ignoredBy("192.0.2.78", "command")).toBe(false);
});

test("usedns = yes: a host name in the log is resolved by the same system resolver (localhost → 127.0.0.1)", async () => {
  const root = newRoot("[testd]\nignoreself = false\nusedns = yes\n");
  const run = await pool.start(root.conf);
  root.fail("localhost", 3);
  await until(() => run.ctl.jailStatus("testd").actions.bannedIPs.includes("127.0.0.1"), "127.0.0.1 banned");
  // the jail's ignore list answers host names from that resolver too: adding localhost at run time
  run.server.jails.get("testd")!.runtime.ignore.add("localhost");
  expect(await run.server.jails.get("testd")!.runtime.ignore.check({ id: "127.0.0.1" })).toBe("dns");
});

test("ignoreip = file:/path (fail2ban 1.1): the addresses in the file are never banned; an address added later is honoured", async () => {
  const root = newRoot("");
  const allow = join(root.dir, "allow.txt");
  writeFileSync(allow, "# office\n192.0.2.50 10.20.0.0/16\n");
  root.writeJailLocal(`[testd]\nignoreself = false\nignoreip = file:${allow}\n`);
  const run = await pool.start(root.conf);
  await failThenControl(root, run, ["192.0.2.50", "10.20.3.4"], "198.51.100.10");
  expect(ignoredBy("192.0.2.50", `file:/${allow}`)).toBe(true);
  // edited while running: read again on the next check (the file's mtime/size changed)
  writeFileSync(allow, "# office\n192.0.2.50 10.20.0.0/16\n198.51.100.11 ; new admin\n");
  await Bun.sleep(1100);
  root.fail("198.51.100.11", 5);
  root.fail("198.51.100.12", 3);
  await until(() => run.ctl.jailStatus("testd").actions.bannedIPs.includes("198.51.100.12"), "control 198.51.100.12 banned");
  await run.server.jails.get("testd")!.runtime.idle();
  expect(run.ctl.jailStatus("testd").actions.bannedIPs.sort()).toEqual(["198.51.100.10", "198.51.100.12"]);
  expect(run.ctl.get("testd", "ignoreip")).toEqual([`file:/${allow}`]);
});
