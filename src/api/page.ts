// GET / — the HTML status page. On the root-only Unix socket it needs nothing more. On TCP a
// browser cannot send a bearer header, so `/` (and only `/`) also accepts:
//   /?token=TOKEN  → checked, then a 303 to `/` that sets an HttpOnly, SameSite=Strict cookie, so
//                    the token leaves the address bar and history at once;
//   the cookie     → holds HMAC(token, "f2b status page"), not the token: it opens this page and
//                    nothing else (the JSON API and /metrics still need the bearer header).
// Every page answer forbids caching, framing, referrers, scripts and any outside resource.
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import type { ApiMode } from "./app.ts";
import type { Controller } from "./controller.ts";
import { html } from "./html.ts";
import { loadPageModel } from "./page-data.ts";
import { renderPage } from "./page-render.ts";
import { PAGE_CSP } from "./page-style.ts";

export const PAGE_COOKIE = "f2b_page";
const COOKIE_MAX_AGE = 12 * 3600;

export interface PageOptions {
  mode: ApiMode;
  /** The TCP bearer token (tcp mode). */
  token?: string;
  /** Epoch seconds; injectable for tests. */
  now?: () => number;
}

/** The cookie value for a token: proves knowledge of the token without being it. */
export function pageCookieValue(token: string): string {
  return createHmac("sha256", token).update("f2b status page").digest("hex");
}

const sameSecret = (a: string, b: string): boolean => {
  const x = createHmac("sha256", "cmp").update(a).digest();
  const y = createHmac("sha256", "cmp").update(b).digest();
  return timingSafeEqual(x, y); // digests of equal length: no early exit on length
};

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function secure(c: Context): void {
  c.header("Content-Security-Policy", PAGE_CSP);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
}

const LOGIN_HINT = html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>f2b: token required</title></head>
<body><h1>f2b: token required</h1><p>Open <code>/?token=YOUR_TOKEN</code> once (the <code>[api] token</code> from fail2ban.local); the page then remembers it for 12 hours in a cookie that opens only this page.</p></body></html>
`.text;

export function pageRoutes(ctl: Controller, opts: PageOptions): Hono {
  const r = new Hono();
  const now = opts.now ?? (() => Date.now() / 1000);
  const token = opts.mode === "tcp" ? (opts.token ?? "") : null;
  if (token !== null && token.length === 0) throw new Error("the TCP status page needs a non-empty token");
  const cookieValue = token === null ? "" : pageCookieValue(token);

  const denied = (c: Context): Response => {
    secure(c);
    c.header("WWW-Authenticate", 'Bearer realm="f2b"');
    return c.html(LOGIN_HINT, 401);
  };

  r.get("/", async (c) => {
    if (token !== null) {
      const query = c.req.query("token");
      if (query !== undefined) {
        if (!sameSecret(query, token)) return denied(c);
        secure(c);
        const proto = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
        c.header("Set-Cookie", `${PAGE_COOKIE}=${cookieValue}; Max-Age=${COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Strict${proto}`);
        return c.redirect("/", 303);
      }
      const bearer = /^Bearer\s+(\S+)\s*$/iu.exec(c.req.header("authorization") ?? "")?.[1];
      const cookie = readCookie(c.req.header("cookie"), PAGE_COOKIE);
      const ok = (bearer !== undefined && sameSecret(bearer, token)) || (cookie !== undefined && sameSecret(cookie, cookieValue));
      if (!ok) return denied(c);
    }
    const model = await loadPageModel(ctl, now());
    secure(c);
    return c.html(renderPage(model));
  });
  return r;
}
