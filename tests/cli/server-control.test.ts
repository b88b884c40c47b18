// A bare `f2b start` / `f2b restart` / `f2b stop` control the server itself, as fail2ban-client's do:
// start daemonizes (refused while a server answers), restart is stop + start, stop ends it.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeRoot, until, type TestRoot } from "../server/helpers.ts";

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

function f2b(args: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const pidOf = (r: TestRoot): number => Number(readFileSync(join(r.dir, "run", "f2b.pid"), "utf8"));

test("start, start again (refused), restart (a new process), stop", async () => {
  root = makeRoot("");
  const conf = root.conf;
  expect(f2b(["-c", conf, "start"]).code).toBe(0);
  expect(f2b(["-c", conf, "ping"]).out).toBe("Server replied: pong\n");
  const first = pidOf(root);
  expect(f2b(["-c", conf, "start"])).toEqual({ code: 255, out: "", err: "f2b: Server already running\n" });
  expect(pidOf(root)).toBe(first);

  expect(f2b(["-c", conf, "restart"]).code).toBe(0);
  expect(f2b(["-c", conf, "status"]).out).toContain("Jail list:\ttestd");
  const second = pidOf(root);
  expect(second).not.toBe(first);

  expect(f2b(["-c", conf, "stop"]).out).toBe("Shutdown successful\n");
  await until(() => !existsSync(root!.socket), "socket removed");
  expect(f2b(["-c", conf, "ping"]).code).toBe(255);

  // restart with no server running starts one, as fail2ban-client's does
  expect(f2b(["-c", conf, "restart"]).code).toBe(0);
  expect(f2b(["-c", conf, "ping"]).out).toBe("Server replied: pong\n");
  expect(f2b(["-c", conf, "stop"]).code).toBe(0);
  await until(() => !existsSync(root!.socket), "socket removed");
});
