// A fatal start-up error ends the real binary with a non-zero code and the reason on stderr and in
// the log (issue 12: with fail2ban's paths read-only under the unit, f2b logged CRITICAL and then
// spun at 100% CPU, because removing the pidfile on the way out threw and nothing ever exited).
// Also the real binary's other start-up checks: a port no database names (-t), another server
// on the socket, and a jail whose action cannot start (loud on stderr, in the log and in status).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../e2e/fixtures.ts";
import { makeRoot, until } from "./helpers.ts";

/** A guard against a hang, not a speed claim: the process must end by itself well before it. */
const HANG_GUARD_MS = 30_000;

let dir: string;
let bin: string;

beforeAll(() => {
  bin = ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "f2b-fatal-"));
  mkdirSync(join(dir, "etc"));
  writeFileSync(join(dir, "etc", "jail.conf"), "[DEFAULT]\n");
  mkdirSync(join(dir, "run"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: string | null;
  stderr: string;
  killed: boolean;
}

function run(argv: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let killed = false;
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => {
      killed = true;
      p.kill("SIGKILL");
    }, HANG_GUARD_MS);
    p.on("exit", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr, killed });
    });
  });
}

const serverArgs = (db: string, pid: string, log: string): string[] => [
  bin,
  "server",
  "-c",
  join(dir, "etc"),
  "-f",
  "--dbfile",
  db,
  "-p",
  pid,
  "-s",
  join(dir, "run", "f2b.sock"),
  "--logtarget",
  log,
];

test("the database's directory cannot be created: exit 1, the path on stderr and in the log", async () => {
  writeFileSync(join(dir, "a-file"), "");
  const db = join(dir, "a-file", "sub", "f2b.sqlite3");
  const log = join(dir, "enotdir.log");
  const r = await run(serverArgs(db, join(dir, "run", "f2b.pid"), log));
  expect(r.killed).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(join(dir, "a-file", "sub"));
  expect(readFileSync(log, "utf8")).toMatch(new RegExp(`CRITICAL Server failed to start: .*${join(dir, "a-file")}`));
});

const canMount = process.getuid?.() === 0 && spawnSync("unshare", ["-m", "true"]).status === 0;
if (!canMount) console.warn("SKIP read-only state directory: needs root and unshare -m (a private read-only bind mount)");

test.skipIf(!canMount)("fail2ban's state directories read-only (the unit's sandbox): exit 1 naming the database, no spinning", async () => {
  // The case: database and pidfile both in directories that exist but are read-only.
  const ro = join(dir, "ro");
  mkdirSync(ro);
  const log = join(dir, "rofs.log");
  const db = join(ro, "fail2ban.sqlite3");
  const script = `mount --bind ${ro} ${ro} && mount -o remount,ro,bind ${ro} && exec "$@"`;
  const r = await run(["unshare", "-m", "sh", "-c", script, "sh", ...serverArgs(db, join(ro, "fail2ban.pid"), log)]);
  expect(r.killed).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`cannot open database ${db}`);
  expect(r.stderr).toContain(`${ro} is not writable: read-only file system`);
  const text = readFileSync(log, "utf8");
  expect(text).toContain(`CRITICAL Server failed to start: cannot open database ${db}`);
  expect(text).toContain("Exiting f2b");
});

test("f2b -t: a port no services database names fails the test, naming jail, action and port", () => {
  const conf = join(dir, "badport");
  expect(spawnSync(bin, ["dump-config", conf]).status).toBe(0); // f2b's own defaults, action.d included
  writeFileSync(join(conf, "x.log"), "");
  writeFileSync(
    join(conf, "jail.local"),
    `[sshd]\nenabled = false\n\n[x]\nenabled = true\nfilter = sshd\nlogpath = ${join(conf, "x.log")}\nbanaction = nftables-multiport\nport = ssh,nosuchservice\n`,
  );
  const r = spawnSync(bin, ["-c", conf, "-t"], { encoding: "utf8" });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/ERROR: .*jail \[x\].*action 'nftables-multiport' cannot start: port = ssh,nosuchservice: unknown service name "nosuchservice"/);
});

test("another server answering on the socket (a fail2ban still running): exit 1 before the database is touched", async () => {
  const sock = join(dir, "run", "other.sock");
  const other = Bun.listen({ unix: sock, socket: { data() {} } });
  try {
    const db = join(dir, "not-created.sqlite3");
    const args = serverArgs(db, join(dir, "run", "x.pid"), join(dir, "busy.log"));
    args[args.indexOf("-s") + 1] = sock;
    const r = await run(args);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`another server (f2b or fail2ban) is answering on ${sock}`);
    expect(existsSync(db)).toBe(false);
  } finally {
    other.stop(true);
  }
});

test("f2b server (daemonizing) with another server on the socket: exit 1 at once, not a false success", async () => {
  const sock = join(dir, "run", "other2.sock");
  const other = Bun.listen({ unix: sock, socket: { data() {} } });
  try {
    const args = serverArgs(join(dir, "x2.sqlite3"), join(dir, "run", "x2.pid"), join(dir, "busy2.log")).filter((a) => a !== "-f");
    args[args.indexOf("-s") + 1] = sock;
    const r = await run(args);
    expect([r.killed, r.code]).toEqual([false, 1]);
    expect(r.stderr).toContain(`another server (f2b or fail2ban) is answering on ${sock}`);
  } finally {
    other.stop(true);
  }
});

test("start-up with an action that cannot start: ERROR on stderr and in the log; f2b status marks the jail", async () => {
  const root = makeRoot("[testd]\naction = nofirewall\n");
  writeFileSync(
    join(root.conf, "action.d", "nofirewall.conf"),
    "[Definition]\nactionstart = echo 'nft: not found' >&2; exit 1\nactionban = true\nactionunban = true\n",
  );
  const p = Bun.spawn([bin, "server", "-c", root.conf, "-f"], { stdout: "ignore", stderr: "pipe" });
  const cli = (args: string[]) => spawnSync(bin, ["-s", root.socket, ...args], { encoding: "utf8" });
  try {
    await until(() => cli(["ping"]).status === 0, "server up", 20_000);
    const problem = "action 'nofirewall' failed to start: [nofirewall] actionstart failed (exit 1: nft: not found)";
    expect(cli(["status"]).stdout).toContain(`UNHEALTHY jail:\ttestd: ${problem}`);
    expect(cli(["status", "testd"]).stdout).toContain(`Problems:\tUNHEALTHY: ${problem}`);
    expect(readFileSync(root.f2bLog, "utf8")).toContain(`ERROR   Jail 'testd' is UNHEALTHY, it cannot ban: ${problem}`);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(await new Response(p.stderr).text()).toContain(`f2b server: ERROR: jail 'testd' is UNHEALTHY, it cannot ban: ${problem}`);
  } finally {
    p.kill("SIGKILL");
    root.cleanup();
  }
});
