// Issue 14 against a real server (in-process, real log files, real SQLite, the control API on a
// real Unix socket) and the real CLI as a subprocess: why is X banned, who is failing, is each
// jail reading, what happened. Every CLI `--json` answer is checked against the API's answer
// for the same server, and the text answers against the same data.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BanDetail, FailingEntry, JailHealth, JailSettingsView, ServerEvent } from "../../src/api/controller.ts";
import { serveApi, type ApiServer } from "../../src/api/serve.ts";
import { captureSink, setupLogging } from "../../src/server/log.ts";
import { memoryLog } from "../../src/system/log.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { ServerPool, type Running } from "./in-process.ts";

const ROOT = join(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");

setupLogging({ target: "STDOUT", level: "INFO", sink: captureSink(), reopenOnSignal: false });
const pool = new ServerPool();
let root: TestRoot;
let run: Running;
let api: ApiServer;
let missing: string;

beforeAll(async () => {
  root = makeRoot("");
  missing = join(root.dir, "missing.log");
  // A second jail whose log file does not exist: it waits for it, and its health says so.
  root.writeJailLocal(`[blind]\nenabled = true\nfilter = testd\nlogpath = ${missing}\n`);
  run = await pool.start(root.conf);
  api = await serveApi({ controller: run.ctl, socketPath: root.socket, log: memoryLog() });
});
afterAll(async () => {
  await api.stop();
  await pool.stopAll();
  root.cleanup();
});

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`http://localhost${path}`, { unix: root.socket });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function f2b(...args: string[]): Promise<string> {
  const p = Bun.spawn([BUN, "src/cli/main.ts", "-s", root.socket, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, TZ: "UTC" } });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  expect({ code: await p.exited, err }).toEqual({ code: 0, err: "" });
  return out;
}
const f2bJson = async <T>(...args: string[]): Promise<T> => JSON.parse(await f2b(...args, "--json")) as T;

test("failing now: failures / maxretry, first and last seen, users; the CLI answers the API's data", async () => {
  root.fail("10.20.0.1", 2, "alice");
  await until(() => run.ctl.failing().length === 1, "two failures counted");
  const { failing } = await get<{ failing: FailingEntry[] }>("/api/v1/failing");
  expect(failing).toMatchObject([{ jail: "testd", ip: "10.20.0.1", failures: 2, maxretry: 3, users: ["alice"] }]);
  expect(failing[0]!.matches).toHaveLength(2);
  expect(failing[0]!.lastSeen).toBeGreaterThanOrEqual(failing[0]!.firstSeen);
  expect(await f2bJson("failing")).toEqual(failing);
  expect(await f2bJson("failing", "testd")).toEqual(failing);
  expect((await get<{ failing: FailingEntry[] }>("/api/v1/failing?jail=blind")).failing).toEqual([]);
  const text = await f2b("failing");
  expect(text).toMatch(/^JAIL +IP +FAILURES +FIRST SEEN +LAST SEEN +USERS\ntestd +10\.20\.0\.1 +2\/3 .* alice\n$/u);
  // The address's detail shows it failing, not banned.
  const detail = await get<BanDetail>("/api/v1/bans/10.20.0.1/why");
  expect(detail).toMatchObject({ ip: "10.20.0.1", current: [], history: [], failing: [{ failures: 2 }] });
});

test("why is X banned: jail, matched lines, users, failures, ban count, end; then unbanned by the CLI, kept in the history", async () => {
  root.fail("10.20.0.1", 1, "bob");
  await until(() => run.ctl.banned().length === 1, "the ban");
  const detail = await get<BanDetail>("/api/v1/bans/10.20.0.1/why");
  expect(detail.current).toHaveLength(1);
  const b = detail.current[0]!;
  expect(b).toMatchObject({ jail: "testd", ip: "10.20.0.1", bantime: 600, banCount: 1, failures: 3, active: true });
  expect(b.users.sort()).toEqual(["alice", "bob"]);
  expect(b.matches).toHaveLength(3);
  for (const m of b.matches) expect(m).toMatch(/testd\[\d+\]: login failed for (alice|bob) from 10\.20\.0\.1$/u);
  expect(b.end).toBe(b.timeOfBan + 600);
  expect(detail.failing).toEqual([]);
  // The same data from the CLI, both spellings, and as text.
  expect(await f2bJson("banned", "--why", "10.20.0.1")).toEqual(detail);
  expect(await f2bJson("show", "10.20.0.1")).toEqual(detail);
  const text = await f2b("show", "10.20.0.1");
  expect(text).toContain("banned in testd since ");
  expect(text).toContain("3 failures, users: ");
  for (const m of b.matches) expect(text).toContain(`      ${m}\n`);

  // Unban by hand through the CLI: the ban leaves, its history stays and says who lifted it.
  expect(await f2b("unban", "10.20.0.1")).toBe("1\n");
  const after = await get<BanDetail>("/api/v1/bans/10.20.0.1/why");
  expect(after.current).toEqual([]);
  expect(after.history).toHaveLength(1);
  expect(after.history[0]).toMatchObject({ jail: "testd", active: false, failures: 3, ended: { how: "unbanned", by: "cli" } });
  expect(after.history[0]!.matches).toEqual(b.matches);
  // "Bans, last 24 h" still counts it.
  expect(run.ctl.banHistory(b.timeOfBan - 1).map((e) => e.ip)).toEqual(["10.20.0.1"]);
  expect(await f2b("show", "10.20.0.1")).toMatch(/earlier bans:\n +JAIL +BANNED AT +FOR +ENDED +WHY\n +testd +\S+ \S+ +10m +unbanned by cli /u);
  // An API client (no CLI header) is recorded as "api".
  await run.ctl.banIp("testd", ["10.20.0.2"]);
  const res = await fetch("http://localhost/api/v1/bans", {
    unix: root.socket,
    method: "DELETE",
    body: JSON.stringify({ ips: ["10.20.0.2"] }),
    headers: { "Content-Type": "application/json" },
  });
  expect(res.status).toBe(200);
  expect((await get<BanDetail>("/api/v1/bans/10.20.0.2/why")).history[0]!.ended).toMatchObject({ how: "unbanned", by: "api" });
  // Banned, lifted and banned again by lines of the same second: both bans start at that second,
  // the lifted one is history.
  const d = new Date(Date.now() - 30_000);
  const p = (x: number): string => String(x).padStart(2, "0");
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  const lines = `${stamp} testd[7]: login failed for eve from 10.20.0.3\n`.repeat(3);
  appendFileSync(root.log, lines);
  await until(() => run.ctl.banned().some((x) => x.ip === "10.20.0.3"), "the first ban of 10.20.0.3");
  await run.ctl.unbanIp(["10.20.0.3"], "testd", { by: "cli" });
  appendFileSync(root.log, lines);
  await until(() => run.ctl.banned().some((x) => x.ip === "10.20.0.3"), "the second ban of 10.20.0.3");
  const again = await get<BanDetail>("/api/v1/bans/10.20.0.3/why");
  expect(again.current[0]!.timeOfBan).toBe(Math.floor(d.getTime() / 1000));
  expect(again.current).toMatchObject([{ active: true }]);
  expect(again.history).toMatchObject([{ active: false, ended: { how: "unbanned", by: "cli" } }]);
  await run.ctl.unbanIp(["10.20.0.3"], "testd", { by: "cli" });
});

test("events: bans and unbans with who lifted them, newest first; filters; the CLI answers the API's data", async () => {
  await until(() => run.ctl.events({ kinds: ["unban"] }).length === 4, "the unbans recorded");
  const { events } = await get<{ events: ServerEvent[] }>("/api/v1/events");
  expect(events.map((e) => [e.kind, e.ip, e.message])).toEqual([
    ["unban", "10.20.0.3", "unbanned by cli"],
    ["ban", "10.20.0.3", "banned for 10m (3 failures)"],
    ["unban", "10.20.0.3", "unbanned by cli"],
    ["ban", "10.20.0.3", "banned for 10m (3 failures)"],
    ["unban", "10.20.0.2", "unbanned by api"],
    ["ban", "10.20.0.2", "banned for 10m (3 failures)"],
    ["unban", "10.20.0.1", "unbanned by cli"],
    ["ban", "10.20.0.1", "banned for 10m (3 failures)"],
  ]);
  expect(events[6]!.ended).toMatchObject({ how: "unbanned", by: "cli" });
  expect(await f2bJson("events")).toEqual(events);
  expect(await f2bJson("events", "testd", "--kind", "unban")).toEqual(events.filter((e) => e.kind === "unban"));
  expect(await f2bJson("events", "--since", "1h", "--limit", "1")).toEqual(events.slice(0, 1));
  expect(await f2bJson("events", "--since", String(Math.ceil(events[0]!.time) + 5))).toEqual([]);
  // Text: oldest first, as a log reads.
  const lines = (await f2b("events")).trimEnd().split("\n");
  expect(lines[0]).toMatch(/^TIME +KIND +JAIL +IP +WHAT$/u);
  expect(lines.slice(1).map((l) => l.split(/ {2,}/u).slice(1))).toEqual([...events].reverse().map((e) => [e.kind, e.jail ?? "-", e.ip ?? "-", e.message]));
  // A reload is an event too.
  await run.ctl.reload();
  expect(run.ctl.events({ limit: 1 })[0]).toMatchObject({ kind: "reload", jail: null, message: "reloaded all jails" });
  const bad = await fetch("http://localhost/api/v1/events?kind=nope", { unix: root.socket });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ field: "kind" });
});

test("source health and settings per jail: a file read with its size and position, a missing file named; status --json carries them", async () => {
  type Detail = { health: JailHealth; settings: JailSettingsView; name: string };
  // The reload above restarted the tailer: it catches up from the saved position first.
  await until(async () => {
    const f = (await get<Detail>("/api/v1/jails/testd")).health.source.files[0];
    return f !== undefined && f.position === f.size;
  }, "testd read to the end after the reload");
  const testd = await get<Detail>("/api/v1/jails/testd");
  const why = JSON.stringify(testd.health);
  expect(testd.health.ok, why).toBe(true);
  expect(testd.health.source.kind).toBe("files");
  const file = testd.health.source.files[0]!;
  expect(file, why).toMatchObject({ path: root.log, state: "ok" });
  expect(file.size, why).toBeGreaterThan(0);
  expect(file.position, why).toBe(file.size);
  expect(file.lastLineAt, why).not.toBeNull();
  expect(testd.health.source.lastLineAgeSec, why).toBeLessThan(600);
  expect(testd.settings).toMatchObject({ maxretry: 3, findtime: 600, bantime: 600, actions: ["dummy"], filter: "testd", logpath: [root.log] });
  expect(testd.settings.increment.enabled).toBe(false);

  const blind = await get<{ health: JailHealth }>("/api/v1/jails/blind");
  expect(blind.health.ok).toBe(false);
  expect(blind.health.source.files).toMatchObject([{ path: missing, state: "missing", size: null, lastLineAt: null }]);
  expect(blind.health.problems.join("\n")).toContain(missing);
  expect(blind.health.source.lastLineAt).toBeNull();

  const status = await f2bJson<{ health: JailHealth; settings: JailSettingsView }>("status", "blind");
  expect(status.health.ok).toBe(false);
  expect(status.health.source.files).toEqual(blind.health.source.files);
  const text = await f2b("health");
  expect(text).toContain("blind: PROBLEM, last line never\n");
  expect(text).toMatch(new RegExp(`\\n  ${missing.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&")} +missing +- +- +-\\n`, "u"));
  expect(text).toContain("testd: ok, last line ");

  // /metrics: an alert can fire on the blind jail.
  const metrics = await (await fetch("http://localhost/metrics", { unix: root.socket })).text();
  expect(metrics).toContain('f2b_source_healthy{jail="blind"} 0');
  expect(metrics).toContain('f2b_source_healthy{jail="testd"} 1');
  expect(metrics).toMatch(/^f2b_source_last_line_age_seconds\{jail="blind"\} \d+$/mu);
  expect(metrics).toContain(`f2b_source_file_healthy{jail="blind",path="${missing}"} 0`);
  expect(metrics).toContain(`f2b_source_file_unread_bytes{jail="testd",path="${root.log}"} 0`);

  // The file appears empty: still nothing to read. A line comes: the jail reads it, healthy.
  writeFileSync(missing, "");
  const blindHealth = async (): Promise<JailHealth> => (await get<{ health: JailHealth }>("/api/v1/jails/blind")).health;
  await until(async () => (await blindHealth()).source.files[0]!.state === "empty", "the empty file noticed", 15_000);
  expect((await blindHealth()).problems, JSON.stringify(await blindHealth())).toEqual([`${missing}: the file is empty`]);
  writeFileSync(missing, "a line no filter matches\n");
  await until(async () => (await blindHealth()).source.files[0]!.position === 25, "the jail reads the new file", 15_000);
  expect((await blindHealth()).ok).toBe(true);
  expect((await blindHealth()).source.files[0]).toMatchObject({ state: "ok", size: 25, position: 25 });
  expect((await blindHealth()).source.lastLineAt).not.toBeNull();
});

test("an action that reports a failed start makes the jail unhealthy, with the action's reason", async () => {
  // Effectors that report their actions' health have problems() (an action that failed to start).
  const effector = run.server.jails.get("testd")!.effector;
  Object.assign(effector, { problems: () => ["action 'dummy' failed to start: nft: Operation not permitted"] });
  try {
    const { health } = await get<{ health: JailHealth }>("/api/v1/jails/testd");
    expect(health).toMatchObject({
      ok: false,
      source: { ok: true },
      action: { ok: false, problems: ["action 'dummy' failed to start: nft: Operation not permitted"] },
    });
    expect(health.problems).toEqual(["action 'dummy' failed to start: nft: Operation not permitted"]);
  } finally {
    Object.assign(effector, { problems: () => [] });
  }
  expect((await get<{ health: JailHealth }>("/api/v1/jails/testd")).health).toMatchObject({ ok: true, action: { ok: true, problems: [] } });
});
