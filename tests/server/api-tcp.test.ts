// The optional TCP status endpoint, configured in fail2ban.local [api]: off by default, needs a
// token, read-only; a bad [api] section stops the server from starting with a clear error.
import { afterEach, expect, test } from "bun:test";
import { appendFileSync, chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/config/errors.ts";
import type { Fail2banConf } from "../../src/config/fail2ban-conf.ts";
import { tcpApiConfig } from "../../src/server/api-config.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
let root: TestRoot | null = null;
let proc: ReturnType<typeof Bun.spawn> | null = null;
afterEach(async () => {
  proc?.kill();
  await proc?.exited;
  root?.cleanup();
  proc = root = null;
});

const conf = (api: Record<string, string>): Fail2banConf => ({ sections: { api }, files: ["/x/fail2ban.local"] }) as unknown as Fail2banConf;

test("[api] parsing: off without listen, token required, tokenfile must be private", () => {
  expect(tcpApiConfig(conf({}))).toBeUndefined();
  expect(tcpApiConfig(conf({ listen: "" }))).toBeUndefined();
  expect(() => tcpApiConfig(conf({ listen: "127.0.0.1:9191" }))).toThrow(/token of at least 16/u);
  expect(() => tcpApiConfig(conf({ listen: "127.0.0.1:99999", token: "x".repeat(20) }))).toThrow(ConfigError);
  expect(tcpApiConfig(conf({ listen: "[::1]:9191", token: "t".repeat(16) }))).toEqual({ hostname: "::1", port: 9191, token: "t".repeat(16) });
  expect(tcpApiConfig(conf({ listen: "9191", token: "t".repeat(16) }))?.hostname).toBe("127.0.0.1");
  root = makeRoot("");
  const tf = join(root.dir, "token");
  writeFileSync(tf, "s3cr3t-token-0123456789\n");
  chmodSync(tf, 0o644);
  expect(() => tcpApiConfig(conf({ listen: "9191", tokenfile: tf }))).toThrow(/readable by others/u);
  chmodSync(tf, 0o600);
  expect(tcpApiConfig(conf({ listen: "9191", tokenfile: tf }))?.token).toBe("s3cr3t-token-0123456789");
});

test("the server serves status on TCP with the token only, and no mutations", async () => {
  root = makeRoot("");
  const port = 20000 + Math.floor(Math.random() * 30000);
  const token = "a-long-enough-test-token";
  appendFileSync(join(root.conf, "fail2ban.conf"), `\n[api]\nlisten = 127.0.0.1:${port}\ntoken = ${token}\n`);
  proc = Bun.spawn([process.execPath, MAIN, "server", "-c", root.conf, "-f"], { stdout: "inherit", stderr: "inherit" });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200, "TCP endpoint up", 15_000);
  expect((await fetch(`${base}/api/v1/status`)).status).toBe(401);
  expect((await fetch(`${base}/api/v1/status`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  const ok = await fetch(`${base}/api/v1/status`, { headers: { Authorization: `Bearer ${token}` } });
  expect(ok.status).toBe(200);
  expect(JSON.stringify(await ok.json())).toContain("testd");
  const ban = await fetch(`${base}/api/v1/jails/testd/bans`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ ips: ["10.9.9.9"] }),
  });
  expect([404, 405]).toContain(ban.status);
});
