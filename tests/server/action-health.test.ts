// A jail whose action cannot start is unhealthy, loudly (issue 12): status, status JAIL, /metrics
// and /healthz say so with the reason; the bans in the database stay recorded and listed, and
// reach the action once it starts (retried before each ban and at every reconcile).
import { expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApi } from "../../src/api/app.ts";
import { renderMetrics } from "../../src/api/metrics.ts";
import { formatJailStatus, formatStatus } from "../../src/cli/format.ts";
import { memoryLog } from "../../src/system/log.ts";
import { makeRoot, type TestRoot } from "./helpers.ts";
import { serverBed } from "./in-process.ts";

const { pool, sink, keep } = serverBed();

/** A firewall stand-in that starts only while FLAG exists, as nft fails on a host it cannot use. */
function flakyRoot(): { root: TestRoot; flag: string; bans: string } {
  const root = makeRoot("[testd]\naction = flaky\n");
  keep(root);
  const flag = join(root.dir, "firewall-ready");
  const bans = join(root.dir, "bans.txt");
  writeFileSync(
    join(root.conf, "action.d", "flaky.conf"),
    [
      "[Definition]",
      `actionstart = test -e ${flag} || { echo "no firewall here" >&2; exit 1; }`,
      "actionstop = true",
      `actionban = echo <ip> >> ${bans}`,
      `actionunban = true`,
      "",
    ].join("\n"),
  );
  return { root, flag, bans };
}

test("an action that fails to start: the jail is UNHEALTHY in status, metrics and /healthz; it recovers on the next ban", async () => {
  const { root, flag, bans } = flakyRoot();
  const { ctl } = await pool.start(root.conf);
  const problem = "action 'flaky' failed to start: [flaky] actionstart failed (exit 1: no firewall here)";
  expect(ctl.status()).toEqual({ jails: ["testd"], unhealthy: [{ jail: "testd", problems: [problem] }] });
  const st = ctl.jailStatus("testd");
  expect(st.actions.problems).toEqual([problem]);
  expect(formatJailStatus(st)).toContain(`Problems:\tUNHEALTHY: ${problem}`);
  expect(formatStatus(["testd"], undefined, { unhealthy: ctl.status().unhealthy })).toContain(`UNHEALTHY jail:\ttestd: ${problem}`);
  expect(renderMetrics(ctl.metrics(), "x")).toContain('f2b_jail_healthy{jail="testd"} 0');
  expect(sink.lines.join("\n")).toContain(`ERROR   [testd] ${problem}; the jail is UNHEALTHY`);

  const app = createApi({ controller: ctl, mode: "unix", log: memoryLog() });
  const res = await app.request("/healthz");
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: "unhealthy", unhealthy: [{ jail: "testd", problems: [problem] }] });
  // Over TCP the probe needs no token: it says how many jails, not which or why.
  const tcp = await createApi({ controller: ctl, mode: "tcp", token: "t0ken-for-the-test", log: memoryLog() }).request("/healthz");
  expect(tcp.status).toBe(503);
  expect(await tcp.json()).toEqual({ status: "unhealthy", jails: 1 });

  // Still no firewall: the ban is refused (and the start was tried again).
  await expect(ctl.banIp("testd", ["192.0.2.1"])).rejects.toThrow(/refused/);
  writeFileSync(flag, "");
  expect(await ctl.banIp("testd", ["192.0.2.2"])).toBe(1);
  expect(ctl.status()).toEqual({ jails: ["testd"] });
  expect(ctl.jailStatus("testd").actions.problems).toBeUndefined();
  expect(renderMetrics(ctl.metrics(), "x")).toContain('f2b_jail_healthy{jail="testd"} 1');
  expect((await app.request("/healthz")).status).toBe(200);
  expect(readFileSync(bans, "utf8").trim().split("\n")).toEqual(["192.0.2.2"]);
  expect(sink.lines.join("\n")).toContain("[testd] action 'flaky' started; the jail is healthy again");
});

test("bans in the database survive a start that fails, stay listed, and reach the action once it starts (reconcile)", async () => {
  const { root, flag, bans } = flakyRoot();
  writeFileSync(flag, "");
  const first = await pool.start(root.conf);
  await first.ctl.banIp("testd", ["192.0.2.10", "192.0.2.11"]);
  await pool.stop(first.server);
  rmSync(flag);
  rmSync(bans);

  const { server, ctl } = await pool.start(root.conf);
  expect(ctl.status().unhealthy?.map((u) => u.jail)).toEqual(["testd"]);
  expect(ctl.jailStatus("testd").actions.bannedIPs.sort()).toEqual(["192.0.2.10", "192.0.2.11"]);
  expect(server.store.currentBans("testd", Date.now() / 1000, { forbantime: null, correctBanTime: null, maxmatches: 1 }).length).toBe(2);
  expect(existsSync(bans)).toBe(false);

  await server.reconcile(); // the firewall is still missing: nothing changes, still unhealthy
  expect(ctl.status().unhealthy?.length).toBe(1);
  writeFileSync(flag, "");
  await server.reconcile(); // starts it, and it gets the jail's current bans
  expect(ctl.status().unhealthy).toBeUndefined();
  expect(readFileSync(bans, "utf8").trim().split("\n").sort()).toEqual(["192.0.2.10", "192.0.2.11"]);
});

test("a reload keeps an unhealthy jail unhealthy, and starts the action when the cause is gone", async () => {
  const { root, flag } = flakyRoot();
  const { ctl } = await pool.start(root.conf);
  expect(ctl.status().unhealthy?.length).toBe(1);
  await ctl.reload(); // same actions: the jail keeps its firewall objects, and its failure
  expect(ctl.status().unhealthy?.map((u) => u.jail)).toEqual(["testd"]);
  writeFileSync(flag, "");
  await ctl.reload();
  expect(ctl.status().unhealthy).toBeUndefined();
});

test("an action that starts with a new ban gets the stored bans it missed, each once", async () => {
  const { root, flag, bans } = flakyRoot();
  writeFileSync(flag, "");
  const first = await pool.start(root.conf);
  await first.ctl.banIp("testd", ["192.0.2.20"]);
  await pool.stop(first.server);
  rmSync(flag);
  rmSync(bans);
  const { server, ctl } = await pool.start(root.conf);
  writeFileSync(flag, "");
  expect(await ctl.banIp("testd", ["192.0.2.21"])).toBe(1); // starts the action, which first gets the stored ban
  expect(readFileSync(bans, "utf8").trim().split("\n")).toEqual(["192.0.2.20", "192.0.2.21"]);
  await server.reconcile();
  expect(readFileSync(bans, "utf8").trim().split("\n")).toEqual(["192.0.2.20", "192.0.2.21"]); // nothing twice
});
