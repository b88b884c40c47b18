// The HTML status page at `/`, over real HTTP (Unix socket and TCP) on the real Hono app, with a
// fake Controller that also keeps a ban history. Checks content, escaping, the chart's numbers,
// the browser token flow (query → cookie) and the security headers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createApi } from "../../src/api/app.ts";
import type { BanEvent, JailHealth, JailStatus } from "../../src/api/controller.ts";
import type { ClusterStatus } from "../../src/cluster/cluster.ts";
import { escapeHtml } from "../../src/api/html.ts";
import { gridStep } from "../../src/api/page-chart.ts";
import { bucketize, HOUR } from "../../src/api/page-data.ts";
import { duration } from "../../src/api/page-format.ts";
import { PAGE_COOKIE, pageCookieValue } from "../../src/api/page.ts";
import { FakeController } from "./fake-controller.ts";

class HistoryController extends FakeController {
  history: BanEvent[] = [];
  historySince: number[] = [];
  banHistory(since: number): BanEvent[] {
    this.historySince.push(since);
    return this.history.filter((e) => e.time >= since);
  }
}

const TOKEN = "page-test-token-0123456789";
const dir = mkdtempSync(join(tmpdir(), "f2b-page-"));
const sock = join(dir, "f2b.sock");
const ctl = new HistoryController();
const NOW = ctl.now + 1800; // half past the hour
const HOSTILE = `evil<script>alert("x")</script>&'jail`;
let unixServer: ReturnType<typeof Bun.serve>;
let tcpServer: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(async () => {
  await ctl.banIp("sshd", ["192.0.2.7", "2001:db8::42"]);
  await ctl.banIp("recidive", ["198.51.100.9"]);
  ctl.jails.set(HOSTILE, { files: ["/var/log/<b>.log"], ignoreip: [], bans: new Map(), totalBanned: 0, totalFailed: 1, failed: 1 });
  await ctl.banIp(HOSTILE, ["203.0.113.66"]);
  // 3 sshd bans in the current hour, 2 recidive 5 h ago, 1 sshd 30 h ago (outside the chart)
  const hourStart = Math.floor(NOW / HOUR) * HOUR;
  ctl.history = [
    ...[0, 60, 120].map((d) => ({ jail: "sshd", ip: `192.0.2.${d}`, time: hourStart + d })),
    ...[0, 1].map((d) => ({ jail: "recidive", ip: `198.51.100.${d}`, time: hourStart - 5 * HOUR + d })),
    { jail: "sshd", ip: "192.0.2.250", time: NOW - 30 * HOUR },
  ];
  const opts = { controller: ctl, now: () => NOW };
  unixServer = Bun.serve({ unix: sock, fetch: createApi({ ...opts, mode: "unix", log: memoryLog() }).fetch });
  tcpServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApi({ ...opts, mode: "tcp", token: TOKEN, log: memoryLog() }).fetch });
  base = `http://127.0.0.1:${tcpServer.port}`;
});

afterAll(async () => {
  await unixServer.stop(true);
  await tcpServer.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const getUnix = async (): Promise<{ res: Response; body: string }> => {
  const res = await fetch("http://localhost/", { unix: sock });
  return { res, body: await res.text() };
};

describe("page content (Unix socket)", () => {
  test("jails, current bans with remaining time, summary cards", async () => {
    const { res, body } = await getUnix();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(body.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(body).toContain(`<span class="host">${escapeHtml(hostname())}</span>`);
    for (const jail of ["sshd", "recidive"]) expect(body).toContain(`<tr data-jail="${jail}">`);
    expect(body).toContain('<tr data-ip="192.0.2.7" data-jail="sshd">');
    expect(body).toContain('<tr data-ip="2001:db8::42" data-jail="sshd">');
    // sshd bans: 600 s left → "10m 00s"; recidive: permanent
    const sshdRow = body.slice(body.indexOf('data-ip="192.0.2.7"'), body.indexOf("</tr>", body.indexOf('data-ip="192.0.2.7"')));
    expect(sshdRow).toContain("10m 00s");
    const recRow = body.slice(body.indexOf('data-ip="198.51.100.9"'), body.indexOf("</tr>", body.indexOf('data-ip="198.51.100.9"')));
    expect(recRow).toContain("permanent");
    expect(body).toMatch(/id="card-banned"><div class="n">4</u);
    // the history's 5 bans of the last 24 h (the one 30 h ago is outside)
    expect(body).toMatch(/id="card-24h"><div class="n">5</u);
  });

  test("the chart has one stacked bar per hour with the history's counts", async () => {
    const { body } = await getUnix();
    expect(ctl.historySince.at(-1)).toBe(Math.floor(NOW / HOUR) * HOUR - 23 * HOUR);
    const titles = [...body.matchAll(/<title>([^<]*)<\/title><\/rect>/gu)].map((m) => m[1]!);
    expect(titles).toHaveLength(2);
    expect(titles.find((t) => t.includes("sshd"))).toMatch(/· sshd: 3 bans$/u);
    expect(titles.find((t) => t.includes("recidive"))).toMatch(/· recidive: 2 bans$/u);
    expect(body).toContain("all bans that started in each hour");
    expect(body).not.toContain("No bans in the last 24 hours");
  });

  test("names and addresses from config and logs are escaped everywhere", async () => {
    const { body } = await getUnix();
    expect(body).not.toContain("<script");
    expect(body).not.toContain("<b>.log");
    const escaped = "evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;jail";
    expect(body).toContain(`<tr data-jail="${escaped}">`);
    expect(body).toContain(`<strong>${escaped}</strong>`);
    expect(body).toContain("/var/log/&lt;b&gt;.log");
  });

  test("security headers: CSP allows only the page's own stylesheet, by hash", async () => {
    const { res, body } = await getUnix();
    const css = /<style>([\s\S]*?)<\/style>/u.exec(body)![1]!;
    const hash = createHash("sha256").update(css).digest("base64");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/iu);
  });

  test("without a ban history the chart shows the current bans and says so", async () => {
    const plain = new FakeController();
    await plain.banIp("sshd", ["192.0.2.1"]);
    const app = createApi({ controller: plain, mode: "unix", log: memoryLog(), now: () => plain.now + 10 });
    const body = await (await app.request("/")).text();
    expect(body).toContain("bans still in force only");
    expect(body).toMatch(/· sshd: 1 ban<\/title>/u);
    // a failing history and a jail that vanished mid-request do not break the page
    class Flaky extends FakeController {
      banHistory(): BanEvent[] {
        throw new Error("database is locked");
      }
      override status(): { jails: string[] } {
        return { jails: ["gone", ...super.status().jails] };
      }
    }
    const flaky = await (await createApi({ controller: new Flaky(), mode: "unix", log: memoryLog() }).request("/")).text();
    expect(flaky).toContain("bans still in force only");
    expect(flaky).toContain('<tr data-jail="sshd">');
    expect(flaky).not.toContain('data-jail="gone"');
    const empty = createApi({ controller: new FakeController(), mode: "unix", log: memoryLog() });
    expect(await (await empty.request("/")).text()).toContain("No bans in the last 24 hours");
  });
});

describe("TCP: the token via query once, then a page-only cookie", () => {
  test("no token, a wrong token, the raw token as cookie: 401", async () => {
    const attempts: Record<string, string>[] = [{}, { Cookie: `${PAGE_COOKIE}=${TOKEN}` }, { Authorization: "Bearer nope" }];
    for (const headers of attempts) {
      const res = await fetch(`${base}/`, { headers, redirect: "manual" });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("token required");
    }
    const wrong = await fetch(`${base}/?token=nope`, { redirect: "manual" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  test("?token= redirects to / with an HttpOnly SameSite=Strict cookie that opens the page", async () => {
    const res = await fetch(`${base}/?token=${encodeURIComponent(TOKEN)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain(`${PAGE_COOKIE}=${pageCookieValue(TOKEN)}`);
    expect(cookie).toMatch(/HttpOnly/u);
    expect(cookie).toMatch(/SameSite=Strict/u);
    expect(cookie).not.toContain(TOKEN);
    const page = await fetch(`${base}/`, { headers: { Cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<tr data-jail="sshd">');
  });

  test("the sign-in form posts the token (not in the URL) and gets the same cookie", async () => {
    const form = await fetch(`${base}/`);
    const page = await form.text();
    expect(page).toContain('<form method="post" action="/">');
    expect(page).toContain('name="token"');
    expect(form.headers.get("content-security-policy")).toContain("form-action 'self'");
    const post = (body: string): Promise<Response> =>
      fetch(`${base}/`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    const ok = await post(`token=${encodeURIComponent(TOKEN)}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("set-cookie")).toContain(`${PAGE_COOKIE}=${pageCookieValue(TOKEN)};`);
    const bad = await post("token=guess");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    expect(await bad.text()).toContain("That token is not right.");
    expect((await post("nothing=here")).status).toBe(401);
    expect((await post(`token=${"x".repeat(5000)}`)).status).toBe(401);
    // the Unix socket needs no sign-in and has no POST /
    expect((await fetch("http://localhost/", { method: "POST", unix: sock, body: "token=x" })).status).toBe(404);
  });

  test("the cookie opens only the page; the API still needs the bearer header", async () => {
    const cookie = `${PAGE_COOKIE}=${pageCookieValue(TOKEN)}`;
    for (const path of ["/api/v1/status", "/api/v1/bans", "/metrics", "/?x=1&token=bad"]) {
      expect((await fetch(`${base}${path}`, { headers: { Cookie: cookie }, redirect: "manual" })).status).toBe(401);
    }
    const bearer = await fetch(`${base}/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe("the why sections from the Controller", () => {
  const rowOf = (body: string, attrs: string): string => {
    const at = body.indexOf(`<tr ${attrs}>`);
    expect(at).toBeGreaterThan(-1);
    return body.slice(at, body.indexOf("</tr>", at));
  };

  test("failing now, source health, events and settings as the Controller reports them", async () => {
    const { body } = await getUnix();
    // failing: closest to a ban first, failures against maxretry
    const failing = body.slice(body.indexOf('<section id="failing">'), body.indexOf('<section id="bans">'));
    expect(failing.indexOf("198.51.100.7")).toBeLessThan(failing.indexOf("2001:db8::5"));
    expect(rowOf(failing, 'data-ip="198.51.100.7" data-jail="sshd"')).toContain('aria-label="4 of 5"');
    // the blind journal jail: on top, red, with the reason and the words
    const alert = body.slice(body.indexOf('<section class="alert"'), body.indexOf("</section>", body.indexOf('<section class="alert"')));
    expect(alert).toContain("⚠ NOT READING");
    expect(alert).toContain("journal: journalctl: No journal files were found.");
    expect(rowOf(body, 'data-path="/var/log/auth.log" data-state="ok"')).toContain('<span title="52113 bytes">51 KiB</span>');
    // events: the bans made in beforeAll, newest first
    expect(body).toContain('<tr data-kind="ban">');
    expect(body).toContain("banned for 10m (5 failures)");
    // settings in one place
    const sshd = rowOf(body.slice(body.indexOf('<section id="settings">')), 'data-jail="sshd"');
    expect(sshd).toContain("nftables-multiport");
    expect(sshd).toContain("multipliers 1 2 4 8 16 32 64, at most 7d 0h");
    expect(sshd).toContain("(self) 127.0.0.1/8 ::1");
  });

  test("a jail whose action failed stands out like a blind one, with the action's reason", async () => {
    class ActionDown extends FakeController {
      override jailHealth(name: string): JailHealth {
        const h = super.jailHealth(name);
        if (name !== "sshd") return h;
        const problems = ["nftables-multiport: nft: Operation not permitted"];
        return { ...h, ok: false, problems, action: { ok: false, problems } };
      }
    }
    const body = await (await createApi({ controller: new ActionDown(), mode: "unix", log: memoryLog() }).request("/")).text();
    const alert = body.slice(body.indexOf('<section class="alert"'), body.indexOf("</section>", body.indexOf('<section class="alert"')));
    expect(alert).toContain("⚠ 2 jails need attention");
    expect(alert).toMatch(
      /<strong>sshd<\/strong><\/a> <span class="bad">⚠ ACTION FAILED<\/span>: <span class="reason">nftables-multiport: nft: Operation not permitted<\/span>/u,
    );
    expect(rowOf(body, 'data-jail="sshd"')).toContain("⚠ ACTION FAILED");
    expect(body).toContain('<dt>Actions</dt><dd><span class="bad">⚠ failed</span></dd>');
  });

  test("a Controller whose why-methods fail still gives the page, saying what is unknown", async () => {
    class Broken extends FakeController {
      override failing(): never {
        throw new Error("down");
      }
      override jailHealth(): never {
        throw new Error("down");
      }
      override jailSettings(): never {
        throw new Error("down");
      }
      override events(): never {
        throw new Error("down");
      }
      override jailStatus(name: string): JailStatus {
        const st = super.jailStatus(name);
        return name === "recidive" ? { ...st, filter: { ...st.filter, problems: ["journal: journalctl exited 1"] } } : st;
      }
    }
    const res = await createApi({ controller: new Broken(), mode: "unix", log: memoryLog() }).request("/");
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("The event log could not be read.");
    expect(body).toContain("The failing addresses could not be read.");
    // without the health, the status's own problems still mark the blind jail
    expect(body).toMatch(/<strong>recidive<\/strong><\/a> <span class="bad">⚠ NOT READING<\/span>: <span class="reason">journal: journalctl exited 1</u);
    expect(body).toContain('<tr data-jail="sshd">');
  });
});

describe("the ban page /ban/ADDR", () => {
  test("a banned address: its jail, times banned, the way back; history when the server keeps it", async () => {
    const res = await fetch("http://localhost/ban/192.0.2.7", { unix: sock });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).toContain('<span class="mono" id="ip">192.0.2.7</span>');
    expect(body).toContain('<section class="ban-now" data-jail="sshd">');
    expect(body).toContain("banned now");
    expect(body).toContain('<a href="/">');
    // the overview links every current ban here
    expect((await getUnix()).body).toContain('<a class="mono" href="/ban/2001%3Adb8%3A%3A42">2001:db8::42</a>');
  });

  test("the matched lines and user names of the ban; after an unban by the CLI, the history says so", async () => {
    const own = new FakeController();
    await own.banIp("sshd", ["192.0.2.44"]);
    const app = createApi({ controller: own, mode: "unix", log: memoryLog(), now: () => own.now + 60 });
    const now = await (await app.request("/ban/192.0.2.44")).text();
    expect(now).toContain("<li>Nov 22 10:00:01 host sshd[1234]: Failed password for root from 192.0.2.44 port 22 ssh2</li>");
    expect(now).toMatch(/<dt>User names<\/dt><dd class="mono">root<\/dd>/u);
    expect(now).toContain("9m 00s left");
    await own.unbanIp(["192.0.2.44"], "sshd", { by: "cli" });
    const after = await (await app.request("/ban/192.0.2.44")).text();
    expect(after).toContain("not banned now");
    expect(after).toContain("unbanned by hand (cli)");
    expect(after).toContain('<tr data-jail="sshd" data-start="');
  });

  test("an address given in another spelling is normalised; one never banned says so", async () => {
    const v6 = await (await fetch("http://localhost/ban/2001:DB8:0:0::42", { unix: sock })).text();
    expect(v6).toContain('id="ip">2001:db8::42<');
    const clean = await (await fetch("http://localhost/ban/192.0.2.99", { unix: sock })).text();
    expect(clean).toContain("not banned now");
    expect(clean).not.toContain('class="ban-now"');
  });

  test("not an address: 404 page, the input escaped", async () => {
    for (const bad of ["nope", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "1.2.3.999", "%22onmouseover%3D%22x"]) {
      const res = await fetch(`http://localhost/ban/${bad}`, { unix: sock });
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).toContain("Not found");
      expect(body).not.toMatch(/<script|"onmouseover/iu);
    }
  });

  test("over TCP it needs the token like the overview; ?token= comes back to the same ban page", async () => {
    const form = await fetch(`${base}/ban/192.0.2.7`, { redirect: "manual" });
    expect(form.status).toBe(401);
    expect(await form.text()).toContain('<form method="post" action="/ban/192.0.2.7">');
    const posted = await fetch(`${base}/ban/2001:DB8::42`, {
      method: "POST",
      body: `token=${encodeURIComponent(TOKEN)}`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/ban/2001%3Adb8%3A%3A42");
    const res = await fetch(`${base}/ban/2001:DB8::42?token=${encodeURIComponent(TOKEN)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ban/2001%3Adb8%3A%3A42");
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const page = await fetch(`${base}/ban/192.0.2.7`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="ip">192.0.2.7<');
    // no way to make the sign-in redirect elsewhere
    for (const path of ["//evil.example/", "/ban//evil.example", "/ban/%2F%2Fevil.example"]) {
      const r = await fetch(`${base}${path}?token=${encodeURIComponent(TOKEN)}`, { redirect: "manual" });
      expect(r.headers.get("location") ?? "").not.toContain("evil");
    }
  });
});

describe("the cluster ([cluster] on)", () => {
  /** A peer id from the network: markup, quotes, a bidi override and an escape sequence. */
  const EVIL = `pve<img src=x onerror=alert(1)>"'\u202e\u001b[31m`;
  const EVIL_SHOWN = escapeHtml(`pve<img src=x onerror=alert(1)>"'\\u{202e}\\x1b[31m`);
  const status = (up: boolean): ClusterStatus => ({
    hostid: "pve1",
    stream: "f2b:bans",
    link: up
      ? { up: true, since: NOW - 7200, reconnects: 0 }
      : { up: false, since: NOW - 300, lastError: "connect ECONNREFUSED <10.0.0.5>:6379", reconnects: 4 },
    outbox: up ? 0 : 3,
    lastId: "1-0",
    counters: {
      published: 12,
      received: 30,
      applied: 21,
      unbansApplied: 2,
      unsigned: 1,
      badSignature: 4,
      malformed: 0,
      replayed: 0,
      notShared: 0,
      refused: 0,
      expired: 0,
      rateLimited: 2,
      noJail: 0,
      ignored: 0,
    },
    peers: { pve2: NOW - 60, [EVIL]: NOW - 30 },
  });
  const page = async (c: FakeController, path = "/"): Promise<string> =>
    (await createApi({ controller: c, mode: "unix", log: memoryLog(), now: () => NOW }).request(path)).text();
  const section = (body: string, id: string): string => {
    const at = body.indexOf(`<section id="${id}"`);
    expect(at).toBeGreaterThan(-1);
    return body.slice(at, body.indexOf("</section>", at));
  };

  test("off: no cluster section, no From column", async () => {
    const c = new FakeController();
    await c.banIp("sshd", ["192.0.2.1"]);
    const body = await page(c);
    expect(body).not.toContain('id="cluster"');
    expect(body).not.toContain('href="#cluster"');
    expect(section(body, "bans")).not.toContain(">From<");
  });

  test("up: this host, the link, peers, counters; a remote ban says where it came from, a hostile id as text", async () => {
    const c = new FakeController();
    c.clusterStatus = status(true);
    await c.banIp("sshd", ["192.0.2.1"]);
    await c.receiveBan("sshd", "192.0.2.2", "pve2");
    await c.receiveBan("recidive", "198.51.100.3", EVIL);
    const body = await page(c);
    // the alert holds only the fake's blind jail
    expect(body).not.toContain("link DOWN");
    expect(body).not.toContain('<a href="#cluster"><strong>cluster</strong>');
    expect(body).toContain('<a href="#cluster">Cluster</a>');
    const cl = section(body, "cluster");
    expect(cl).toStartWith('<section id="cluster">');
    expect(cl).toContain('<dd class="mono" id="cluster-host">pve1</dd>');
    expect(cl).toContain('<span class="ok">✓ link up</span> since');
    expect(cl).toContain("(2h 00m ago)");
    expect(cl).toContain("12 bans and unbans decided here");
    expect(cl).toContain("21 bans, 2 unbans from peers (30 entries read)");
    expect(cl).toContain(
      '<dd id="cluster-dropped">7 (<span data-reason="unsigned">unsigned 1</span>, <span data-reason="bad_signature">bad signature 4</span>, <span data-reason="rate_limited">rate limited 2</span>)</dd>',
    );
    expect(cl).toContain('<dd id="cluster-outbox">0</dd>');
    expect(cl).toContain('<tr data-peer="pve2">');
    expect(cl).toContain(`<span class="mono">${EVIL_SHOWN}</span>`);
    // the bans table: a From column, "here" for own bans, the peer for received ones
    const bans = section(body, "bans");
    expect(bans).toContain("<th>From</th>");
    const row = (ip: string): string => bans.slice(bans.indexOf(`data-ip="${ip}"`), bans.indexOf("</tr>", bans.indexOf(`data-ip="${ip}"`)));
    expect(row("192.0.2.1")).toContain('<span class="none">here</span>');
    expect(row("192.0.2.2")).toContain('<span class="mono origin">pve2</span>');
    expect(row("198.51.100.3")).toContain(`<span class="mono origin">${EVIL_SHOWN}</span>`);
    // nowhere raw: no markup, no bidi override, no escape sequence from the network
    expect(body).not.toContain("<img");
    expect(body).not.toMatch(/[\u001b\u202e]/u);
  });

  test("down: red on top with the word, since when and why; the outbox waiting", async () => {
    const c = new FakeController();
    c.clusterStatus = status(false);
    const body = await page(c);
    const alert = body.slice(body.indexOf('<section class="alert"'), body.indexOf("</section>", body.indexOf('<section class="alert"')));
    // the blind recidive jail of the fake and the cluster, both in the heading
    expect(alert).toContain("<h2>⚠ 1 jail needs attention · cluster link DOWN</h2>");
    expect(alert).toContain('<li><a href="#cluster"><strong>cluster</strong></a> <span class="bad">⚠ link DOWN</span> since');
    expect(alert).toContain('<span class="reason">connect ECONNREFUSED &lt;10.0.0.5&gt;:6379</span> (3 waiting to be sent)');
    const cl = section(body, "cluster");
    expect(cl).toStartWith('<section id="cluster" class="down">');
    expect(cl).toContain("(5m 00s ago)");
    expect(cl).toContain('<span class="warn">3 to send when the link is back</span>');
    // only the cluster down: the heading names it alone
    class Healthy extends FakeController {
      override jailHealth(name: string): JailHealth {
        const h = super.jailHealth(name);
        return { ...h, ok: true, problems: [], source: { ...h.source, ok: true, problems: [] } };
      }
      override jailStatus(name: string): JailStatus {
        const st = super.jailStatus(name);
        return { ...st, filter: { ...st.filter, problems: [] } };
      }
    }
    const h = new Healthy();
    h.clusterStatus = status(false);
    expect(await page(h)).toContain("<h2>⚠ cluster link DOWN</h2>");
  });

  test("a ban's page says which peer it was received from (escaped), and that the log lines are there", async () => {
    const c = new FakeController();
    c.clusterStatus = status(true);
    await c.receiveBan("sshd", "192.0.2.9", EVIL);
    await c.banIp("recidive", ["192.0.2.9"]);
    const body = await page(c, "/ban/192.0.2.9");
    expect(body).toContain(`<dt>Decided by</dt><dd class="origin">received from <span class="mono">${EVIL_SHOWN}</span> (a cluster peer)</dd>`);
    expect(body).toContain(`its log lines are there.`);
    expect(body).toContain(`<strong>sshd</strong> (received from <span class="mono">${EVIL_SHOWN}</span>)`);
    // the ban made here has no such line
    const own = body.slice(body.indexOf('<section class="ban-now" data-jail="recidive">'));
    expect(own.slice(0, own.indexOf("</section>"))).not.toContain("received from");
    expect(body).not.toContain("<img");
    expect(body).not.toMatch(/[\u001b\u202e]/u);
  });
});

describe("helpers", () => {
  test("hour buckets: aligned, 24 of them, the edges right", () => {
    const now = 1_000_000 * HOUR + 1234;
    const first = 1_000_000 * HOUR - 23 * HOUR;
    const hours = bucketize(
      [
        { jail: "a", ip: "x", time: first - 1 },
        { jail: "a", ip: "x", time: first },
        { jail: "b", ip: "x", time: now },
        { jail: "b", ip: "x", time: now + HOUR },
      ],
      now,
    );
    expect(hours).toHaveLength(24);
    expect(hours[0]!.start).toBe(first);
    expect(hours[0]!.total).toBe(1);
    expect(hours[23]!.perJail.get("b")).toBe(1);
    expect(hours.reduce((n, h) => n + h.total, 0)).toBe(2);
  });

  test("grid steps and durations", () => {
    expect([0, 3, 4, 5, 9, 17, 40, 41, 399].map(gridStep)).toEqual([1, 1, 1, 2, 5, 5, 10, 20, 100]);
    expect([0, 59, 60, 3599, 3600, 86399, 90000].map(duration)).toEqual(["0s", "59s", "1m 00s", "59m 59s", "1h 00m", "23h 59m", "1d 1h"]);
    expect(duration(null)).toBe("permanent");
  });
});
