// Maps thrown errors to JSON answers: bad input → 400, unknown jail → 404, anything
// else → 500 with a generic message (the detail goes to the log, never to the client).
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { InvalidInputError, UnknownJailError } from "./controller.ts";

export interface ErrorLog {
  error(msg: string): void;
}

export function errorResponse(err: Error, c: Context, log?: ErrorLog): Response {
  if (err instanceof UnknownJailError) {
    return c.json({ error: err.message, jail: err.jail }, 404);
  }
  if (err instanceof InvalidInputError) {
    return c.json({ error: err.message, ...(err.field ? { field: err.field } : {}) }, 400);
  }
  if (err instanceof HTTPException) {
    return c.json({ error: err.message || "request failed" }, err.status);
  }
  log?.error(`API ${c.req.method} ${new URL(c.req.url).pathname} failed: ${err.stack ?? err.message}`);
  return c.json({ error: "internal error (see the server log)" }, 500);
}
