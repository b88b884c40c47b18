// The issue-14 endpoints of the real Hono app on a real Unix socket and TCP, over the fake
// Controller: input checks, the same bearer rule as the other read endpoints, who unbanned,
// and the source-health gauges on /metrics.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BanDetail, FailingEntry, ServerEvent } from "../../src/api/controller.ts";
import { serveApi, type ApiServer } from "../../src/api/serve.ts";
import { memoryLog } from "../../src/system/log.ts";
import { FakeController } from "./fake-controller.ts";

const sock = join(mkdtempSync(join(tmpdir(), "f2b-insight-")), "f2b.sock");
const TOKEN = "an-insight-test-token";
const ctl = new FakeController();
let server: ApiServer;

beforeAll(async () => {
  server = await serveApi({ controller: ctl, socketPath: sock, tcp: { hostname: "127.0.0.1", port: 0, token: TOKEN }, log: memoryLog() });
});
afterAll(async () => {
  await server.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://localhost${path}`, { method, unix: sock, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
}

test("ban detail: the address validated and normalised; history records who unbanned (cli or api)", async () => {
  expect((await call("GET", "/api/v1/bans/1.2.3.999/why")).json).toMatchObject({ field: "ip" });
  expect((await call("GET", "/api/v1/bans/1.2.3.999/why")).status).toBe(400);
  await ctl.banIp("sshd", ["192.0.2.10", "192.0.2.11"]);
  const d = (await call("GET", "/api/v1/bans/192.0.2.10/why")).json as BanDetail;
  expect(d.current).toMatchObject([{ jail: "sshd", ip: "192.0.2.10", active: true, users: ["root"] }]);
  expect(d.current[0]!.matches[0]).toContain("Failed password for root from 192.0.2.10");
  await call("DELETE", "/api/v1/jails/sshd/bans", { ips: ["192.0.2.10"] }, { "X-F2b-Client": "cli" });
  await call("DELETE", "/api/v1/bans", { ips: ["192.0.2.11"] });
  expect(((await call("GET", "/api/v1/bans/192.0.2.10/why")).json as BanDetail).history[0]!.ended).toMatchObject({ how: "unbanned", by: "cli" });
  expect(((await call("GET", "/api/v1/bans/192.0.2.11/why")).json as BanDetail).history[0]!.ended).toMatchObject({ how: "unbanned", by: "api" });
  // An IPv6 address is normalised before the lookup.
  expect(((await call("GET", "/api/v1/bans/2001:DB8:0::5/why")).json as BanDetail).ip).toBe("2001:db8::5");
});

test("failing: all jails or one; an unknown jail is a 404", async () => {
  const all = (await call("GET", "/api/v1/failing")).json as { failing: FailingEntry[] };
  expect(all.failing.map((f) => [f.ip, f.failures, f.maxretry])).toEqual([
    ["198.51.100.7", 4, 5],
    ["2001:db8::5", 1, 5],
  ]);
  expect(((await call("GET", "/api/v1/failing?jail=recidive")).json as { failing: FailingEntry[] }).failing).toEqual([]);
  expect(await call("GET", "/api/v1/failing?jail=nope")).toMatchObject({ status: 404, json: { jail: "nope" } });
});

test("events: filters checked, newest first", async () => {
  for (const [q, field] of [
    ["since=yesterday", "since"],
    ["after=-1", "after"],
    ["limit=0", "limit"],
    ["kind=ban,nope", "kind"],
  ] as const) {
    expect(await call("GET", `/api/v1/events?${q}`)).toMatchObject({ status: 400, json: { field } });
  }
  const { events } = (await call("GET", "/api/v1/events?jail=sshd&kind=unban")).json as { events: ServerEvent[] };
  expect(events.map((e) => [e.ip, e.ended?.by])).toEqual([
    ["192.0.2.11", "api"],
    ["192.0.2.10", "cli"],
  ]);
  expect(((await call("GET", "/api/v1/events?limit=1")).json as { events: ServerEvent[] }).events).toHaveLength(1);
});

test("jail detail carries health and settings; TCP needs the token for all of it and takes no unban", async () => {
  const sshd = (await call("GET", "/api/v1/jails/sshd")).json as { name: string; health: { ok: boolean }; settings: { maxretry: number } };
  expect(sshd).toMatchObject({ name: "sshd", health: { ok: true }, settings: { maxretry: 5 } });
  const base = server.tcpUrl!;
  for (const path of ["/api/v1/bans/192.0.2.10/why", "/api/v1/failing", "/api/v1/events", "/api/v1/jails/sshd", "/metrics"]) {
    expect((await fetch(`${base}${path}`)).status).toBe(401);
    expect((await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  }
  const del = await fetch(`${base}/api/v1/bans`, { method: "DELETE", headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ all: true }) });
  expect(del.status).toBe(404);
});

test("/metrics: source health and silence per jail, per-file state and unread bytes", async () => {
  const text = await (await fetch("http://localhost/metrics", { unix: sock })).text();
  expect(text).toContain("# TYPE f2b_source_healthy gauge\n");
  expect(text).toContain('f2b_source_healthy{jail="recidive"} 0\n');
  expect(text).toContain('f2b_source_healthy{jail="sshd"} 1\n');
  expect(text).toContain('f2b_source_last_line_age_seconds{jail="recidive"} 3600\n');
  expect(text).toContain('f2b_source_last_line_age_seconds{jail="sshd"} 10\n');
  expect(text).toContain('f2b_source_file_healthy{jail="sshd",path="/var/log/auth.log"} 1\n');
  expect(text).toContain('f2b_source_file_unread_bytes{jail="sshd",path="/var/log/auth.log"} 0\n');
  // Every sample line is NAME{labels} NUMBER, and every name has one HELP and one TYPE.
  const names = new Set<string>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const name = line.split(" ")[2]!;
      expect(names.has(name)).toBe(false);
      names.add(name);
    } else if (!line.startsWith("#")) expect(line).toMatch(/^[a-z0-9_]+(\{[^}]*\})? (-?[\d.e+]+|NaN)$/u);
  }
});
