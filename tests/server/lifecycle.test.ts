// `f2b server` as a process: daemonizes with a pidfile, reloads on SIGHUP, stops on SIGTERM
// (pidfile and socket gone), refuses a broken config with exit 2 naming file and line.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeRoot, until, type TestRoot } from "./helpers.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
let root: TestRoot | null = null;
afterEach(() => {
  const pidfile = root ? join(root.dir, "run", "f2b.pid") : "";
  if (root && existsSync(pidfile)) {
    try {
      process.kill(Number(readFileSync(pidfile, "utf8")), "SIGKILL");
    } catch {
      // already gone
    }
  }
  root?.cleanup();
  root = null;
});

function f2b(args: string[]): { code: number; out: string } {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

test("daemonizes, reloads on SIGHUP, stops on SIGTERM", async () => {
  root = makeRoot("");
  const pidfile = join(root.dir, "run", "f2b.pid");
  const start = f2b(["server", "-c", root.conf]);
  expect(start.code).toBe(0);
  await until(() => existsSync(pidfile), "pidfile");
  const pid = Number(readFileSync(pidfile, "utf8"));
  expect(pid).toBeGreaterThan(1);
  expect(f2b(["-s", root.socket, "get", "testd", "maxretry"]).out.trim()).toBe("3");

  root.writeJailLocal("[testd]\nmaxretry = 7\n");
  process.kill(pid, "SIGHUP");
  await until(() => f2b(["-s", root!.socket, "get", "testd", "maxretry"]).out.trim() === "7", "reload by SIGHUP");

  process.kill(pid, "SIGTERM");
  await until(() => !existsSync(pidfile) && !existsSync(root!.socket), "pidfile and socket removed");
  const log = readFileSync(root.f2bLog, "utf8");
  expect(log).toMatch(/fail2ban\.server\s+\[\d+\]: INFO\s+Reload all jails/u);
  expect(log).toMatch(/Exiting f2b/u);
});

test("a broken config is refused before daemonizing, with file and line", () => {
  root = makeRoot("[testd]\nbantime = forever\n");
  const r = f2b(["server", "-c", root.conf]);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(/jail\.local:2: jail \[testd\] option 'bantime'/u); // the line that set it
  expect(existsSync(root.socket)).toBe(false);
});
