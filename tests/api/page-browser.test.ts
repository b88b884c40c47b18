// The status page in a real browser: a real f2b server (dummy action, a real log file, real
// SQLite) with the TCP endpoint on, bans made by failures in its log and by the API, then headless
// Chromium opens /?token=… (following the redirect with its cookie), screenshots and dumps the DOM.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRoot, until, type TestRoot } from "../server/helpers.ts";
import { CHROMIUM, CHROMIUM_FLAGS } from "./page-cdp.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
if (!CHROMIUM) console.warn("SKIP status page in Chromium: no chromium binary (apt-get install chromium)");

const TOKEN = "browser-test-token-0123456789";
let root: TestRoot;
let proc: ReturnType<typeof Bun.spawn>;
let url: string;
/** Where the screenshot goes; F2B_PAGE_SCREENSHOT keeps it for a human to look at. */
const shot = process.env["F2B_PAGE_SCREENSHOT"] ?? join(tmpdir(), `f2b-page-${process.pid}.png`);

const api = async (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`http://localhost${path}`, { method, unix: root.socket, ...(body ? { body: JSON.stringify(body) } : {}) });

beforeAll(async () => {
  if (!CHROMIUM) return;
  root = makeRoot("");
  const other = join(root.dir, "other.log");
  writeFileSync(other, "");
  root.writeJailLocal(`[sshd-like]\nenabled = true\nfilter = testd\nlogpath = ${other}\nbantime = 1h\n`);
  const port = 20000 + Math.floor(Math.random() * 30000);
  appendFileSync(join(root.conf, "fail2ban.conf"), `\n[api]\nlisten = 127.0.0.1:${port}\ntoken = ${TOKEN}\n`);
  proc = Bun.spawn([process.execPath, MAIN, "server", "-c", root.conf, "-f"], { stdout: "inherit", stderr: "inherit" });
  url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, "server up", 15_000);
  // a ban the way it happens in production: 3 failures in the jail's log
  root.fail("192.0.2.10", 3);
  await until(async () => JSON.stringify(await (await api("GET", "/api/v1/bans")).json()).includes("192.0.2.10"), "log-driven ban");
  expect((await api("POST", "/api/v1/jails/testd/bans", { ips: ["198.51.100.23", "2001:db8::bad"] })).status).toBe(200);
  expect((await api("POST", "/api/v1/jails/sshd-like/bans", { ips: ["203.0.113.5"] })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  if (!CHROMIUM) return;
  proc?.kill();
  await proc?.exited;
  root?.cleanup();
  if (!process.env["F2B_PAGE_SCREENSHOT"]) rmSync(shot, { force: true });
}, 60_000);

/** One Chromium run with a fresh profile (no cookie carried over between runs). */
function chromium(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), "f2b-chromium-"));
  const r = spawnSync(CHROMIUM!, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: "utf8", timeout: 60_000, maxBuffer: 16 << 20 });
  rmSync(profile, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

test.skipIf(!CHROMIUM)(
  "Chromium renders the jails and bans (token → cookie → page)",
  () => {
    const r = chromium(["--dump-dom", `${url}/?token=${TOKEN}`]);
    expect(r.code).toBe(0);
    const dom = r.stdout;
    expect(dom).toContain("Current bans");
    for (const jail of ["testd", "sshd-like"]) expect(dom).toContain(`<tr data-jail="${jail}">`);
    for (const [ip, jail] of [
      ["192.0.2.10", "testd"],
      ["198.51.100.23", "testd"],
      ["2001:db8::bad", "testd"],
      ["203.0.113.5", "sshd-like"],
    ]) {
      expect(dom).toContain(`<tr data-ip="${ip}" data-jail="${jail}">`);
    }
    // 4 bans now; testd's bans last 10 m, sshd-like's 1 h
    expect(dom).toMatch(/id="card-banned"><div class="n">4</u);
    expect(dom).toMatch(/data-ip="203\.0\.113\.5"[\s\S]*?<td class="num" data-label="Remaining"><span>(59m \d\ds|1h 00m)<\/span><\/td>/u);
    // the chart drew this hour's bars (history or current bans, whichever the server offers)
    expect(dom).toMatch(/<title>[^<]*· testd: 3 bans<\/title>/u);
    expect(dom).toMatch(/<title>[^<]*· sshd-like: 1 ban<\/title>/u);
    // the token never stays in the page
    expect(dom).not.toContain(TOKEN);
  },
  60_000,
);

test.skipIf(!CHROMIUM)(
  "a log-driven ban's page: the matched lines and user from the log; the overview's why sections",
  () => {
    // a fourth failure of another address: failing now, not banned (maxretry 3)
    root.fail("192.0.2.77", 2, `"><img/src=x/onerror=alert(1)>`);
    const r = chromium(["--dump-dom", `${url}/ban/192.0.2.10?token=${TOKEN}`]);
    expect(r.code).toBe(0);
    const dom = r.stdout;
    expect(dom).toContain('id="ip">192.0.2.10<');
    expect(dom).toContain('<section class="ban-now" data-jail="testd">');
    const lines = [...dom.matchAll(/<li>([^<]*)<\/li>/gu)].map((m) => m[1]!);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/testd\[\d+\]: login failed for root from 192\.0\.2\.10$/u);
    expect(dom).toMatch(/<dt>User names<\/dt><dd class="mono">root<\/dd>/u);
    expect(dom).toMatch(/<dt>Failures<\/dt><dd>3<\/dd>/u);
    expect(dom).not.toContain(TOKEN);
  },
  60_000,
);

test.skipIf(!CHROMIUM)(
  "the overview: failing now with the hostile user name as text, the jail's file read, settings, events",
  async () => {
    await until(async () => JSON.stringify(await (await api("GET", "/api/v1/jails/testd")).json()).includes('"currentlyFailed":1'), "failing address counted");
    const dom = chromium(["--dump-dom", `${url}/?token=${TOKEN}`]).stdout;
    expect(dom).toMatch(/<tr data-ip="192\.0\.2\.77" data-jail="testd">[\s\S]*?aria-label="2 of 3"/u);
    expect(dom).toContain('<span class="mono">"&gt;&lt;img/src=x/onerror=alert(1)&gt;</span>');
    expect(dom).not.toContain("<img");
    expect(dom).toContain(`data-path="${root.log}" data-state="ok"`);
    expect(dom).toMatch(/<tr data-jail="testd">[\s\S]*?dummy/u);
    expect(dom).toContain('<tr data-kind="ban">');
    // the empty second log: its jail stands out, with the reason
    expect(dom).toMatch(/<section class="alert"[^>]*>[\s\S]*?sshd-like[\s\S]*?NOT READING[\s\S]*?other\.log: the file is empty/u);
  },
  60_000,
);

test.skipIf(!CHROMIUM)(
  "Chromium takes a non-trivial screenshot",
  () => {
    rmSync(shot, { force: true });
    const r = chromium([`--screenshot=${shot}`, "--window-size=1200,900", "--hide-scrollbars", `${url}/?token=${TOKEN}`]);
    expect(r.code).toBe(0);
    expect(existsSync(shot)).toBe(true);
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    // IHDR: the window size we asked for
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 900]);
    // a blank or error page compresses to a few KB; the rendered page with chart and tables does not
    expect(statSync(shot).size).toBeGreaterThan(30_000);
  },
  60_000,
);

test.skipIf(!CHROMIUM)(
  "without the token Chromium gets the 401 hint, not the data",
  () => {
    const dom = chromium(["--dump-dom", `${url}/`]).stdout;
    expect(dom).toContain("token required");
    expect(dom).not.toContain("192.0.2.10");
  },
  60_000,
);
