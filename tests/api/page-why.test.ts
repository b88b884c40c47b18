// The "why" pages in headless Chromium over DevTools: the overview and a ban's page at 1200 px
// and 390 px, light and dark; no sideways overflow on a phone; hostile log text (markup, quotes,
// bidi overrides, escape sequences, megabyte lines) shown as text. F2B_UPDATE_SCREENSHOTS=1
// writes the README's screenshots to docs/screenshots/.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { logText, MAX_SHOWN_CHARS } from "../../src/api/visible-text.ts";
import { MAX_MATCH_LINES, renderBanPage } from "../../src/api/page-ban.ts";
import { renderPage } from "../../src/api/page-render.ts";
import { pageCsp } from "../../src/api/page-style.ts";
import { Browser, CHROMIUM, type Tab } from "./page-cdp.ts";
import { toPalettePng } from "./page-png.ts";
import { rng } from "../helpers/rng.ts";
import { demoBan, demoPage, HOSTILE_HOST, HOSTILE_LINE, HOSTILE_USER, LONG_LINE } from "./page-demo.ts";

if (!CHROMIUM) console.warn("SKIP status page layout in Chromium: no chromium binary (apt-get install chromium)");
const SHOTS = join(import.meta.dir, "..", "..", "docs", "screenshots");
const update = process.env["F2B_UPDATE_SCREENSHOTS"] === "1";
/** The README shows each page once wide and once narrow, in both schemes between them. */
const README_SHOTS = new Set(["overview-1200-light", "overview-390-dark", "ban-1200-dark", "ban-390-light"]);

const pages: Record<string, () => string> = {
  "/": () => renderPage(demoPage()),
  "/ban/203.0.113.66": () => renderBanPage(demoBan()),
  "/hostile": () => renderPage(demoPage(true)),
  "/hostile-ban": () => renderBanPage(demoBan(true)),
};
let server: ReturnType<typeof Bun.serve>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!CHROMIUM) return;
  // the rendered pages with the headers the real route sends: the CSP forbids every script
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => {
      const page = pages[new URL(req.url).pathname];
      return page
        ? new Response(page(), { headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": pageCsp(false) } })
        : new Response("", { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
  browser = await Browser.launch();
}, 60_000);

afterAll(async () => {
  if (!CHROMIUM) return;
  await browser?.close();
  await server?.stop(true);
}, 60_000);

const overflow = (t: Tab): Promise<{ scroll: number; client: number; wide: string[] }> =>
  t.eval(`(() => {
  const d = document.documentElement;
  const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > d.clientWidth + 0.5 && !e.closest(".chart-wrap"))
    .slice(0, 5).map((e) => e.tagName + "." + e.className);
  return { scroll: d.scrollWidth, client: d.clientWidth, wide };
})()`);

describe.skipIf(!CHROMIUM)("layout at phone and desktop width, light and dark", () => {
  for (const width of [1200, 390]) {
    for (const scheme of ["light", "dark"] as const) {
      test(`${width} px, ${scheme}: every section there, nothing wider than the screen`, async () => {
        const tab = await browser.tab(width, scheme);
        for (const [path, name] of [
          ["/", "overview"],
          ["/ban/203.0.113.66", "ban"],
        ] as const) {
          await tab.open(`${base}${path}`);
          const o = await overflow(tab);
          expect({ path, ...o }).toEqual({ path, scroll: width, client: width, wide: [] });
          // the colour scheme is the one asked for (body background from the stylesheet)
          const bg = await tab.eval<string>("getComputedStyle(document.body).backgroundColor");
          expect(bg).toBe(scheme === "dark" ? "rgb(15, 20, 27)" : "rgb(245, 247, 250)");
          const png = await tab.screenshot();
          expect(png.readUInt32BE(16)).toBe(width);
          if (update && README_SHOTS.has(`${name}-${width}-${scheme}`)) {
            mkdirSync(SHOTS, { recursive: true });
            writeFileSync(join(SHOTS, `${name}-${width}-${scheme}.png`), toPalettePng(png));
          }
        }
        await tab.open(`${base}/`);
        const ids = await tab.eval<string[]>(`[...document.querySelectorAll("main section")].map((s) => s.id)`);
        expect(ids).toEqual(["attention", "chart", "jails", "failing", "bans", "cluster", "events", "health", "settings"]);
      }, 60_000);
    }
  }
});

describe.skipIf(!CHROMIUM)("what the admin reads", () => {
  test("the blind jail stands out: red, on top, with the reason and a word (not colour alone)", async () => {
    const tab = await browser.tab(1200, "light");
    await tab.open(`${base}/`);
    const alert = await tab.eval<{ text: string; color: string }>(
      `(() => { const a = document.querySelector("#attention"); return { text: a.innerText, color: getComputedStyle(a.querySelector("h2")).color }; })()`,
    );
    expect(alert.text).toContain("⚠ 1 jail needs attention");
    expect(alert.text).toContain("nginx-http-auth ⚠ NOT READING: /var/log/nginx/error.log: the file is empty");
    expect(alert.color).toBe("rgb(180, 35, 24)");
    const health = await tab.eval<string[]>(`[...document.querySelectorAll("table.jails tbody tr")].map((r) => r.dataset.jail + " " + r.cells[1].innerText)`);
    expect(health).toEqual(["nginx-http-auth ⚠ NOT READING", "recidive ✓ reading", "sshd ✓ reading"]);
    // failing now: closest to a ban first, failures against maxretry as a bar with the numbers
    const failing = await tab.eval<string[]>(
      `[...document.querySelectorAll("table.failing tbody tr")].map((r) => r.dataset.ip + " " + r.cells[1].innerText.trim() + " " + r.querySelector("svg").getAttribute("aria-label"))`,
    );
    expect(failing).toEqual(["192.0.2.45 2/3 2 of 3", "192.0.2.77 4/5 4 of 5", "2001:db8::beef 2/5 2 of 5", "198.51.100.4 1/5 1 of 5"]);
    // every address links to its ban page
    const links = await tab.eval<string[]>(`[...document.querySelectorAll("#bans a")].map((a) => a.getAttribute("href"))`);
    expect(links).toContain("/ban/2001%3Adb8%3A4b1d%3A%3A17");
    const kinds = await tab.eval<string[]>(`[...document.querySelectorAll("#events tbody tr")].map((r) => r.dataset.kind)`);
    expect(new Set(kinds)).toEqual(new Set(["ban", "unban", "prolong", "error", "reload", "reconcile", "restore"]));
  }, 60_000);

  test("a ban's page: matched lines, user names, failures, times banned, earlier bans and how they ended", async () => {
    const tab = await browser.tab(1200, "light");
    await tab.open(`${base}/ban/203.0.113.66`);
    const facts = await tab.eval<string>(`document.querySelector(".ban-now dl").innerText`);
    expect(facts).toMatch(/Times banned\s+3/u);
    expect(facts).toMatch(/Failures\s+5/u);
    expect(facts).toMatch(/User names\s+admin, oracle, test/u);
    expect(await tab.eval<number>(`document.querySelectorAll(".ban-now ol.lines li").length`)).toBe(5);
    const hist = await tab.eval<string[]>(`[...document.querySelectorAll("table.history tbody tr")].map((r) => r.cells[3].innerText)`);
    expect(hist).toEqual(["unbanned by hand (api)", "expired"]);
  }, 60_000);
});

describe.skipIf(!CHROMIUM)("hostile text from log lines stays text", () => {
  test("overview: jail names, paths, problems and event details", async () => {
    const tab = await browser.tab(390, "dark");
    await tab.open(`${base}/hostile`);
    expect(await tab.eval<number>(`document.querySelectorAll("script, img, b, [onerror], [onmouseover]").length`)).toBe(0);
    expect(await tab.eval<string>("document.title")).toBe("gate.example.net: 5 banned — f2b");
    // the cluster's link is down: red, on top, with the word; a peer's id from the network is text
    const alert = await tab.eval<string>(`document.querySelector("#attention").innerText`);
    expect(alert).toContain("cluster link DOWN");
    expect(alert).toContain("cluster ⚠ link DOWN since");
    expect(await tab.eval<string>(`getComputedStyle(document.querySelector("#cluster-link .bad")).color`)).toBe("rgb(255, 123, 107)");
    const peers = await tab.eval<string[]>(`[...document.querySelectorAll("table.peers tbody tr")].map((r) => r.cells[0].textContent)`);
    expect(peers).toContain(logText(HOSTILE_HOST, 80));
    const from = await tab.eval<string>(`document.querySelector('#bans tr[data-ip="198.51.100.77"] .origin').textContent`);
    expect(from).toBe(logText(HOSTILE_HOST, 80));
    expect(from).not.toMatch(/[\u001b\u202e]/u);
    const reasons = await tab.eval<string[]>(`[...document.querySelectorAll("#attention .reason")].map((e) => e.textContent)`);
    expect(reasons).toContain(logText(`/var/log/"><b>x</b>.log: ${HOSTILE_LINE}`));
    const jailNames = await tab.eval<string[]>(`[...document.querySelectorAll("table.settings tbody tr")].map((r) => r.dataset.jail)`);
    expect(jailNames).toContain(`evil<script>alert("x")</script>&'jail`);
    const o = await overflow(tab);
    expect(o.wide).toEqual([]);
  }, 60_000);

  test("ban page: matched lines and user names, control characters shown, a long line cut", async () => {
    const tab = await browser.tab(390, "light");
    await tab.open(`${base}/hostile-ban`);
    expect(await tab.eval<number>(`document.querySelectorAll("script, img, b, [onerror], [onmouseover]").length`)).toBe(0);
    const lines = await tab.eval<string[]>(`[...document.querySelectorAll(".ban-now ol.lines li")].map((e) => e.textContent)`);
    const hostile = lines.at(-2)!;
    expect(hostile).toBe(logText(HOSTILE_LINE));
    expect(hostile).toContain(`<script>alert("pwned")</script>`);
    expect(hostile).toContain("\\u{202e}gnp.exe \\x1b[31mred\\x00");
    expect(hostile).not.toMatch(/[\u0000-\u0008\u001b\u202e]/u);
    const long = lines.at(-1)!;
    expect(long.length).toBeLessThan(MAX_SHOWN_CHARS + 60);
    expect(long).toEndWith(`… (${LONG_LINE.length - MAX_SHOWN_CHARS} more characters)`);
    const users = await tab.eval<string>(`[...document.querySelectorAll(".ban-now dd")].find((d) => d.textContent.includes("root")).textContent`);
    expect(users).toBe(`admin, ${HOSTILE_USER}`);
    const received = await tab.eval<string>(`document.querySelector('.ban-now[data-jail="recidive"] dd.origin').textContent`);
    expect(received).toBe(`received from ${logText(HOSTILE_HOST, 80)} (a cluster peer)`);
    const o = await overflow(tab);
    expect(o).toEqual({ scroll: 390, client: 390, wide: [] });
  }, 60_000);

  test("generated lines of markup, quotes, entities, controls and bidi: each li's text is the line, written out", async () => {
    const seed = Number(process.env["F2B_SEED"] ?? Date.now() % 1_000_000);
    const next = rng(seed);
    const PIECES = [
      "<",
      ">",
      "&",
      '"',
      "'",
      "</li>",
      "<script>",
      "</ol><h1>x",
      "&amp;",
      "&#60;",
      "-->",
      "<!--",
      "]]>",
      "\t",
      "\r",
      "\n",
      "\u0000",
      "\u001b[0m",
      "\u007f",
      "\u0085",
      "\u202e",
      "\u2066",
      "\ufeff",
      "é",
      "日本",
      "🙂",
      " ",
      "user",
      "192.0.2.1",
      "%3Cb%3E",
      "javascript:",
    ];
    // more than are shown: the page shows the last MAX_MATCH_LINES and says so
    const lines = Array.from({ length: MAX_MATCH_LINES + 10 }, () => Array.from({ length: 1 + next(40) }, () => PIECES[next(PIECES.length)]!).join(""));
    const model = demoBan();
    model.detail.current[0]!.matches = lines;
    pages["/generated"] = () => renderBanPage(model);
    const tab = await browser.tab(390, "light");
    await tab.open(`${base}/generated`);
    const shown = await tab.eval<string[]>(`[...document.querySelectorAll(".ban-now ol.lines li")].map((e) => e.textContent)`);
    expect({ seed, shown }).toEqual({ seed, shown: lines.slice(-MAX_MATCH_LINES).map((l) => logText(l)) });
    // nothing invisible or reordering reaches the screen (tab excepted)
    expect({ seed, invisible: shown.join("").match(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/u) }).toEqual({
      seed,
      invisible: null,
    });
    expect({ seed, elements: await tab.eval<number>(`document.querySelectorAll("script, main h1, ol.lines li *").length`) }).toEqual({ seed, elements: 0 });
    expect({ seed, ...(await overflow(tab)) }).toEqual({ seed, scroll: 390, client: 390, wide: [] });
  }, 60_000);
});
