// GET / — the HTML status page, and GET /ban/ADDR — why an address is banned. On the root-only
// Unix socket they need nothing more. On TCP a browser cannot send a bearer header, so these
// pages (and only they) also accept the token
//   - typed into the page's form (POST /, the token travels in the body: not in the address bar,
//     the history or a proxy's access log), or
//   - as /?token=TOKEN (for bookmarks and scripts; the token then is in that URL's history),
// and answer either with a 303 to the same page that sets an HttpOnly, SameSite=Strict cookie holding
// HMAC(token, "f2b status page"): it proves the token without being it and opens these pages and
// nothing else (the JSON API and /metrics still need the bearer header). A bearer header works
// on `/` too. Every page answer forbids caching, framing, referrers, scripts and outside resources.
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import type { ApiMode } from "./mode.ts";
import type { Controller } from "./controller.ts";
import { loadBanModel, renderBanPage } from "./page-ban.ts";
import { loadPageModel } from "./page-data.ts";
import { banPath, renderNotFound } from "./page-layout.ts";
import { renderLogin } from "./page-login.ts";
import { renderPage } from "./page-render.ts";
import { pageCsp } from "./page-style.ts";
import { parseIpField } from "./validate.ts";

export const PAGE_COOKIE = "f2b_page";
const COOKIE_MAX_AGE = 12 * 3600;
/** Longer than any sane token; a bigger form is not read further. */
const MAX_FORM_TOKEN = 4096;

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

function secure(c: Context, form = false): void {
  c.header("Content-Security-Policy", pageCsp(form));
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
}

export function pageRoutes(ctl: Controller, opts: PageOptions): Hono {
  const r = new Hono();
  const now = opts.now ?? (() => Date.now() / 1000);
  const token = opts.mode === "tcp" ? (opts.token ?? "") : null;
  if (token !== null && token.length === 0) throw new Error("the TCP status page needs a non-empty token");
  const cookieValue = token === null ? "" : pageCookieValue(token);

  /** The sign-in form, posting back to the page asked for (`target`, built by this code). */
  const denied = (c: Context, wrong: boolean, target: string): Response => {
    secure(c, true);
    c.header("WWW-Authenticate", 'Bearer realm="f2b"');
    return c.html(renderLogin(wrong, target), 401);
  };

  /** A right token → the cookie and a redirect to `target` (a path this code built, never the
   *  request's own: "//host" there would be a redirect off this server). */
  const signIn = (c: Context, given: string, target: string): Response => {
    if (token === null || !sameSecret(given, token)) return denied(c, true, target);
    secure(c);
    const https = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
    c.header("Set-Cookie", `${PAGE_COOKIE}=${cookieValue}; Max-Age=${COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Strict${https}`);
    return c.redirect(target, 303);
  };

  /** null: go on and render; a Response: the sign-in answer (login form or redirect). */
  const gate = (c: Context, target: string): Response | null => {
    if (token === null) return null;
    const query = c.req.query("token");
    if (query !== undefined) return signIn(c, query, target);
    const bearer = /^Bearer\s+(\S+)\s*$/iu.exec(c.req.header("authorization") ?? "")?.[1];
    const cookie = readCookie(c.req.header("cookie"), PAGE_COOKIE);
    const ok = (bearer !== undefined && sameSecret(bearer, token)) || (cookie !== undefined && sameSecret(cookie, cookieValue));
    return ok ? null : denied(c, false, target);
  };

  r.get("/", async (c) => {
    const stop = gate(c, "/");
    if (stop) return stop;
    const model = await loadPageModel(ctl, now());
    secure(c);
    return c.html(renderPage(model));
  });

  /** The address of /ban/:addr, normalised; checked before the sign-in so that a redirect or a
   *  form only ever names a valid address. A string: why it is not one. */
  const addressOf = (c: Context): { ip: string } | { why: string } => {
    try {
      return { ip: parseIpField(c.req.param("addr"), "address") };
    } catch (err) {
      return { why: err instanceof Error ? err.message : String(err) };
    }
  };
  const notFound = (c: Context, why: string): Response => {
    secure(c);
    return c.html(renderNotFound(why), 404);
  };

  r.get("/ban/:addr", async (c) => {
    const addr = addressOf(c);
    if ("why" in addr) return notFound(c, addr.why);
    const ip = addr.ip;
    const stop = gate(c, banPath(ip));
    if (stop) return stop;
    const model = await loadBanModel(ctl, ip, now());
    secure(c);
    return c.html(renderBanPage(model));
  });

  if (token !== null) {
    const post = async (c: Context, target: string): Promise<Response> => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const given = body["token"];
      if (typeof given !== "string" || given.length > MAX_FORM_TOKEN) return denied(c, true, target);
      return signIn(c, given.trim(), target);
    };
    r.post("/", async (c) => post(c, "/"));
    r.post("/ban/:addr", async (c) => {
      const addr = addressOf(c);
      return "why" in addr ? notFound(c, addr.why) : post(c, banPath(addr.ip));
    });
  }
  return r;
}
