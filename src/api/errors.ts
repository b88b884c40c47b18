// Maps thrown errors to JSON answers: bad input → 400, unknown jail → 404, a broken config or
// a command that failed → 409 with its message, anything
// else → 500 with a generic message (the detail goes to the log, never to the client).
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config/errors.ts";
import type { Log } from "../system/log.ts";
import { CommandFailedError, InvalidInputError, UnknownJailError } from "./controller.ts";

export function errorResponse(err: Error, c: Context, log: Log): Response {
  if (err instanceof UnknownJailError) {
    return c.json({ error: err.message, jail: err.jail }, 404);
  }
  if (err instanceof InvalidInputError) {
    return c.json({ error: err.message, ...(err.field ? { field: err.field } : {}) }, 400);
  }
  // A broken config on reload/start: the client prints the file:line message.
  if (err instanceof ConfigError || err instanceof CommandFailedError) {
    return c.json({ error: err.message }, 409);
  }
  if (err instanceof HTTPException) {
    return c.json({ error: err.message || "request failed" }, err.status);
  }
  log.error(`API ${c.req.method} ${new URL(c.req.url).pathname} failed: ${err.stack ?? err.message}`);
  return c.json({ error: "internal error (see the server log)" }, 500);
}
