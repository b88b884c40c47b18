// The control API: one Hono app over an injected Controller. "unix" mode (the root-only
// socket) serves everything; "tcp" mode is read-only and every endpoint but /healthz
// needs `Authorization: Bearer <token>`.
import { Hono } from "hono";
import { bearerAuth } from "./auth.ts";
import type { Controller } from "./controller.ts";
import { errorResponse } from "./errors.ts";
import type { Log } from "../system/log.ts";
import { renderMetrics } from "./metrics.ts";
import { clusterMetrics } from "../cluster/report.ts";
import { pageRoutes } from "./page.ts";
import { readRoutes } from "./routes-read.ts";
import { writeRoutes } from "./routes-write.ts";

export type ApiMode = "unix" | "tcp";

export interface ApiOptions {
  controller: Controller;
  mode: ApiMode;
  /** Required in tcp mode. */
  token?: string;
  /** Where unexpected errors are logged (the server's "server" logger). */
  log: Log;
  /** Epoch seconds for the status page; injectable for tests. */
  now?: () => number;
}

export function createApi(opts: ApiOptions): Hono {
  const { controller: ctl, mode, log } = opts;
  const app = new Hono();
  app.onError((err, c) => errorResponse(err, c, log));
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

  app.get("/healthz", async (c) => {
    try {
      await ctl.ping();
      return c.json({ status: "ok" });
    } catch {
      return c.json({ status: "unavailable" }, 503);
    }
  });

  // Before the bearer check: the HTML page has its own (browser-friendly) token check, see page.ts.
  app.route("/", pageRoutes(ctl, { mode, token: opts.token, now: opts.now }));

  if (mode === "tcp") app.use("*", bearerAuth(opts.token ?? ""));

  app.get("/metrics", async (c) => {
    const body = renderMetrics(await ctl.metrics(), await ctl.version(), await ctl.banLatency?.()) + clusterMetrics(await ctl.cluster?.());
    return c.body(body, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.route("/api/v1", readRoutes(ctl));
  if (mode === "unix") app.route("/api/v1", writeRoutes(ctl, log));
  return app;
}
