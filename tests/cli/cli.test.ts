// `f2b` client commands run as real subprocesses against the real API on a Unix socket,
// with a fake Controller behind it. Output is compared with fail2ban-client's shapes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveApi } from "../../src/api/serve.ts";
import { ConfigError } from "../../src/config/errors.ts";
import type { ApiServer } from "../../src/api/serve.ts";
import { FakeController } from "../api/fake-controller.ts";

const ROOT = join(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const dir = mkdtempSync(join(tmpdir(), "f2b-cli-"));
const sock = join(dir, "f2b.sock");
const ctl = new FakeController();
let server: ApiServer;

beforeAll(async () => {
  chmodSync(dir, 0o755); // so the non-root test reaches the socket's own 0600 mode
  server = await serveApi({ controller: ctl, socketPath: sock, log: memoryLog() });
});
afterAll(async () => {
  await server.stop();
});

/** Runs `f2b ARGS` (async: the server lives in this very process). */
async function f2b(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BUN, "src/cli/main.ts", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, TZ: "UTC" } });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

describe("read commands", () => {
  test("status, like fail2ban-client", async () => {
    expect(await f2b("-s", sock, "status")).toEqual({ code: 0, out: "Status\n|- Number of jail:\t2\n`- Jail list:\trecidive, sshd\n", err: "" });
  });

  test("status JAIL prints the Filter/Actions tree; ping; version", async () => {
    await f2b("-s", sock, "set", "sshd", "banip", "1.2.3.4", "5.6.7.8");
    const r = await f2b("status", "sshd", "-s", sock);
    expect(r.out).toBe(
      "Status for the jail: sshd\n" +
        "|- Filter\n|  |- Currently failed:\t2\n|  |- Total failed:\t7\n|  `- File list:\t/var/log/auth.log\n" +
        "`- Actions\n   |- Currently banned:\t2\n   |- Total banned:\t2\n   `- Banned IP list:\t1.2.3.4 5.6.7.8\n",
    );
    expect((await f2b("-s", sock, "status", "recidive")).out).toContain("|  `- Journal matches:\t_SYSTEMD_UNIT=f2b.service\n");
    expect((await f2b("-s", sock, "ping")).out).toBe("Server replied: pong\n");
    expect(JSON.parse((await f2b("-s", sock, "status", "sshd", "--json")).out).actions.bannedIPs).toEqual(["1.2.3.4", "5.6.7.8"]);
    expect(JSON.parse((await f2b("-s", sock, "status", "--json")).out)).toEqual({ count: 2, jails: ["recidive", "sshd"] });
    // fail2ban 1.1's status --all: every jail's tree under the list (text checked against its Beautifier in format.test.ts)
    const all = (await f2b("-s", sock, "status", "--all")).out;
    expect(all).toStartWith("Status\n|- Number of jail:\t2\n|- Jail list:\trecidive, sshd\n`- Status for the jails:\n   |- Jail: recidive\n   |  |- Filter\n");
    expect(all).toContain("   `- Jail: sshd\n      |- Filter\n      |  |- Currently failed:\t2\n");
    expect(JSON.parse((await f2b("-s", sock, "status", "--all", "--json")).out).status.map((j: { name: string }) => j.name)).toEqual(["recidive", "sshd"]);
    expect((await f2b("-s", sock, "status", "sshd", "--all")).code).toBe(255);
    // fail2ban 1.1's stats: the table's text is checked against its Beautifier in format.test.ts
    const rows = JSON.parse((await f2b("-s", sock, "stats", "--json")).out) as { jail: string; backend: string; failed: number[]; banned: number[] }[];
    expect(rows.map((r) => [r.jail, r.backend, r.failed, r.banned])).toEqual([
      ["recidive", "systemd", [0, 0], [0, 0]],
      ["sshd", "pyinotify", [2, 7], [2, 2]],
    ]);
    const table = (await f2b("-s", sock, "stats")).out.split("\n");
    expect(table[0]).toMatch(/^ {10}\u2551 {11}\u2551 Filter +\u2551 Actions/u);
    expect(table.find((l) => l.startsWith(" sshd "))).toMatch(/^ sshd +\u2551 pyinotify \u2551 +2 \u2502 +7 \u2551 +2 \u2502 +2$/u);
    expect(JSON.parse((await f2b("-s", sock, "get", "sshd", "ignoreip", "--json")).out)).toEqual(["127.0.0.1/8", "::1"]);
    expect((await f2b("version")).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test("get JAIL KEY", async () => {
    expect((await f2b("-s", sock, "get", "sshd", "maxretry")).out).toBe("5\n");
    expect((await f2b("-s", sock, "get", "recidive", "bantime")).out).toBe("604800\n");
    expect((await f2b("-s", sock, "get", "sshd", "logpath")).out).toBe("Current monitored log file(s):\n`- /var/log/auth.log\n");
    expect((await f2b("-s", sock, "get", "recidive", "logpath")).out).toBe("No file is currently monitored\n");
    expect((await f2b("-s", sock, "get", "sshd", "ignoreip")).out).toBe("These IP addresses/networks are ignored:\n|- 127.0.0.1/8\n`- ::1\n");
    expect((await f2b("-s", sock, "get", "sshd", "banned")).out).toBe("['1.2.3.4', '5.6.7.8']\n");
    expect((await f2b("-s", sock, "get", "sshd", "banned", "5.6.7.8")).out).toBe("1\n");
    expect((await f2b("-s", sock, "get", "sshd", "banip")).out).toBe("1.2.3.4 5.6.7.8\n");
    expect((await f2b("-s", sock, "get", "sshd", "banip", "--with-time")).out).toBe(
      "1.2.3.4 \t2025-11-22 10:00:00 + 600 = 2025-11-22 10:10:00\n5.6.7.8 \t2025-11-22 10:00:00 + 600 = 2025-11-22 10:10:00\n",
    );
  });

  test("banned: table, --json, and fail2ban's per-IP form", async () => {
    const t = await f2b("-s", sock, "banned");
    expect(t.out.split("\n")[0]).toMatch(/^JAIL +IP +BANNED AT +REMAINING +BANS$/);
    expect(t.out).toMatch(/sshd +1\.2\.3\.4 +2025-11-22 10:00:00 +10m +1\n/);
    const j = JSON.parse((await f2b("-s", sock, "banned", "--json")).out);
    expect(j[0]).toEqual({ jail: "sshd", ip: "1.2.3.4", timeOfBan: 1763805600, bantime: 600, remaining: 600, banCount: 1 });
    expect((await f2b("-s", sock, "banned", "1.2.3.4", "9.9.9.9")).out).toBe("[['sshd'], []]\n");
  });

  test("metrics", async () => {
    expect((await f2b("-s", sock, "metrics")).out).toContain('f2b_bans_current{jail="sshd"} 2');
  });
});

describe("write commands", () => {
  test("ban / unban / ignoreip / reload / flushlogs", async () => {
    expect((await f2b("-s", sock, "set", "recidive", "banip", "2001:db8::1")).out).toBe("1\n");
    expect((await f2b("-s", sock, "set", "recidive", "banip", "2001:db8::1")).out).toBe("0\n");
    expect((await f2b("-s", sock, "set", "sshd", "unbanip", "1.2.3.4")).out).toBe("1\n");
    expect((await f2b("-s", sock, "unban", "5.6.7.8", "2001:db8::1")).out).toBe("2\n");
    await f2b("-s", sock, "set", "sshd", "banip", "7.7.7.7");
    expect((await f2b("-s", sock, "unban", "--all")).out).toBe("1\n");
    expect((await f2b("-s", sock, "set", "sshd", "addignoreip", "192.0.2.0/24")).out).toBe(
      "These IP addresses/networks are ignored:\n|- 127.0.0.1/8\n|- ::1\n`- 192.0.2.0/24\n",
    );
    expect((await f2b("-s", sock, "set", "sshd", "delignoreip", "192.0.2.0/24")).out).toBe(
      "These IP addresses/networks are ignored:\n|- 127.0.0.1/8\n`- ::1\n",
    );
    expect((await f2b("-s", sock, "reload", "sshd")).out).toBe("OK\n");
    expect(ctl.reloaded.at(-1)).toBe("sshd");
    expect((await f2b("-s", sock, "flushlogs")).out).toBe("logs: flushed\n");
  });
});

describe("fail2ban-client's command surface", () => {
  test("-h/--help exit 0 with the usage, -V/--version print the version, no command is a failure", async () => {
    for (const h of ["-h", "--help"]) {
      const r = await f2b(h);
      expect(r.code).toBe(0);
      expect(r.out).toContain("usage: f2b");
    }
    expect((await f2b("-V")).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await f2b("--version")).out).toMatch(/^f2b v\d+\.\d+\.\d+\n$/);
    const none = await f2b();
    expect(none.code).toBe(255);
    expect(none.out).toContain("usage: f2b");
    expect((await f2b("frobnicate")).code).toBe(255);
  });

  test("stop JAIL / stop --all / start JAIL stop and start jails, not the server", async () => {
    expect(await f2b("-s", sock, "stop", "sshd")).toEqual({ code: 0, out: "Jail stopped\n", err: "" });
    expect(await f2b("-s", sock, "stop", "nosuchjail")).toEqual({ code: 255, out: "", err: "Sorry but the jail 'nosuchjail' does not exist\n" });
    expect(await f2b("-s", sock, "stop", "--all")).toEqual({ code: 0, out: "Jail stopped\n", err: "" });
    expect(await f2b("-s", sock, "start", "sshd")).toEqual({ code: 0, out: "Jail started\n", err: "" });
    expect(ctl.calls.slice(-3)).toEqual(["stopJail sshd", "stopAllJails", "startJail sshd"]);
    expect(ctl.stopped).toBe(false);
  });

  test("reload and restart options reach the server", async () => {
    expect((await f2b("-s", sock, "reload", "--restart", "--unban", "sshd")).out).toBe("OK\n");
    expect(ctl.reloadOpts.at(-1)).toEqual({ restart: true, unban: true, ifExists: false });
    expect((await f2b("-s", sock, "restart", "sshd")).out).toBe("OK\n");
    expect([ctl.reloaded.at(-1), ctl.reloadOpts.at(-1)]).toEqual(["sshd", { restart: true, unban: false, ifExists: false }]);
    expect((await f2b("-s", sock, "reload", "--all")).out).toBe("OK\n");
    expect(ctl.reloaded.at(-1)).toBeUndefined();
    expect(await f2b("-s", sock, "reload", "sshd", "extra")).toEqual({ code: 255, out: "", err: "Unexpected argument(s) for reload: ['sshd', 'extra']\n" });
    expect((await f2b("-s", sock, "reload", "nosuch")).err).toBe("Sorry but the jail 'nosuch' does not exist\n");
    expect((await f2b("-s", sock, "reload", "--if-exists", "nosuch")).code).toBe(0);
  });

  test("a reload refused for a broken config prints the file:line message, not an internal error", async () => {
    ctl.reloadError = new ConfigError("section [sshd] appears twice in this file", { file: "/etc/f2b/jail.local", line: 12 }, "[sshd]");
    expect(await f2b("-s", sock, "reload")).toEqual({
      code: 255,
      out: "",
      err: '/etc/f2b/jail.local:12: section [sshd] appears twice in this file: "[sshd]"\n',
    });
  });

  test("set/get loglevel and jail settings", async () => {
    expect((await f2b("-s", sock, "get", "loglevel")).out).toBe("Current logging level is 'INFO'\n");
    expect((await f2b("-s", sock, "set", "loglevel", "debug")).out).toBe("Current logging level is 'DEBUG'\n");
    expect((await f2b("-s", sock, "set", "sshd", "bantime", "1h")).out).toBe("1h\n");
    expect((await f2b("-s", sock, "set", "sshd", "bantime.multipliers", "1", "2", "4")).out).toBe("1 2 4\n");
    expect(ctl.settings.get("sshd bantime.multipliers")).toBe("1 2 4");
    expect((await f2b("-s", sock, "set", "sshd", "usedns", "no")).code).toBe(255);
  });

  test("banip refuses networks wider than /8 (IPv4) or /32 (IPv6): nothing is banned", async () => {
    for (const net of ["0.0.0.0/0", "10.0.0.0/7", "::/0", "2001:db8::/31"]) {
      const r = await f2b("-s", sock, "set", "sshd", "banip", "192.0.2.1", net);
      expect(r.code).toBe(255);
      expect(r.err).toMatch(new RegExp(`^refusing to ban '${net.replace(/[.]/g, "\\.")}': prefix /\\d+ is shorter than /(8|32)`));
    }
    expect(ctl.calls.some((c) => c.includes("192.0.2.1"))).toBe(false);
    expect((await f2b("-s", sock, "set", "sshd", "banip", "10.0.0.0/8", "2001:db8::/32")).out).toBe("2\n");
    await f2b("-s", sock, "set", "sshd", "unbanip", "10.0.0.0/8", "2001:db8::/32");
  });
});

describe("errors", () => {
  test("unknown jail, invalid IP, bad usage: message and non-zero exit", async () => {
    expect(await f2b("-s", sock, "status", "nope")).toEqual({ code: 255, out: "", err: "Sorry but the jail 'nope' does not exist\n" });
    expect(await f2b("-s", sock, "set", "sshd", "banip", "1.2.3.4", "300.1.1.1")).toEqual({
      code: 255,
      out: "",
      err: "'300.1.1.1' is not a valid IP address\n",
    });
    expect((await f2b("-s", sock, "get", "sshd", "password")).err).toMatch(/^unknown jail property 'password'/);
    // fail2ban-client exits 255 on every failure, usage errors included
    expect((await f2b("-s", sock, "set", "sshd", "frobnicate", "x")).code).toBe(255);
    expect((await f2b("-s", sock, "unban")).code).toBe(255);
    expect((await f2b("-s", sock, "status", "--bogus")).code).toBe(255);
    expect(ctl.calls.some((c) => c.includes("300.1.1.1"))).toBe(false);
  });

  test("no server running", async () => {
    const missing = join(dir, "none.sock");
    expect(await f2b("-s", missing, "status")).toEqual({
      code: 255,
      out: "",
      err: `f2b: cannot reach the server at ${missing}: is it running? (f2b server)\n`,
    });
  });

  if (process.getuid?.() !== 0) console.warn("skipping the non-root socket test: needs root to switch user");
  test.skipIf(process.getuid?.() !== 0)("a non-root user is told the socket is root only", async () => {
    const nobody = Bun.spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BUN, "src/cli/main.ts", "-s", sock, "status"], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const err = await new Response(nobody.stderr).text();
    expect(await nobody.exited).toBe(255);
    expect(err).toBe(`f2b: permission denied on ${sock}: the control socket is root only (try sudo)\n`);
  });
});

describe("socket from -c DIR", () => {
  test("reads [Definition] socket from fail2ban.conf, overridden by fail2ban.local", async () => {
    const conf = join(dir, "conf");
    mkdirSync(join(conf, "fail2ban.d"), { recursive: true });
    writeFileSync(join(conf, "fail2ban.conf"), "[Definition]\nsocket = /nonexistent/f2b.sock\n");
    expect((await f2b("-c", conf, "ping")).err).toContain("cannot reach the server at /nonexistent/f2b.sock");
    writeFileSync(join(conf, "fail2ban.local"), `[Definition]\nsocket = ${sock}\n`);
    expect((await f2b("-c", conf, "ping")).out).toBe("Server replied: pong\n");
    // no socket option at all: fail2ban's default, like fail2ban-client
    writeFileSync(join(conf, "fail2ban.local"), "[Definition]\nloglevel = INFO\n");
    writeFileSync(join(conf, "fail2ban.conf"), "[Definition]\nlogtarget = STDERR\n");
    expect((await f2b("-c", conf, "ping")).err).toContain("cannot reach the server at /var/run/fail2ban/fail2ban.sock");
    writeFileSync(join(conf, "fail2ban.local"), `[Definition]\nsocket = ${sock}\n`);
    // -s wins over the config
    expect((await f2b("-c", conf, "-s", "/nonexistent/x.sock", "ping")).code).toBe(255);
    writeFileSync(join(conf, "fail2ban.local"), "[Definition\nsocket = x\n");
    chmodSync(join(conf, "fail2ban.local"), 0o644);
    const broken = await f2b("-c", conf, "ping");
    expect(broken.code).toBe(255);
    expect(broken.err).toContain("fail2ban.local");
  });
});

describe("stop", () => {
  test("prints fail2ban's answer and stops the server", async () => {
    expect((await f2b("-s", sock, "stop")).out).toBe("Shutdown successful\n");
    await Bun.sleep(60);
    expect(ctl.stopped).toBe(true);
  });
});
