// Bearer-token check for the TCP listener, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

export function bearerAuth(token: string): MiddlewareHandler {
  if (token.length === 0) throw new Error("the TCP API needs a non-empty token");
  const want = digest(token);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Hashing first gives equal lengths, so timingSafeEqual never short-circuits on length.
    if (!m || !timingSafeEqual(digest(m[1]!), want)) {
      c.header("WWW-Authenticate", 'Bearer realm="f2b"');
      return c.json({ error: "missing or invalid bearer token" }, 401);
    }
    await next();
  };
}
