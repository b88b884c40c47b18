// The control API: one Hono app over an injected Controller. "unix" mode (the root-only
// socket) serves everything; "tcp" mode is read-only and every endpoint but /healthz
// needs `Authorization: Bearer <token>`.
import { Hono } from "hono";
import { bearerAuth } from "./auth.ts";
import type { Controller, UnhealthyJail } from "./controller.ts";
import { errorResponse } from "./errors.ts";
import type { Log } from "../system/log.ts";
import { renderMetrics } from "./metrics.ts";
import { clusterMetrics } from "../cluster/report.ts";
import { pageRoutes } from "./page.ts";
import { readRoutes } from "./routes-read.ts";
import type { ApiMode } from "./mode.ts";
import { writeRoutes } from "./routes-write.ts";

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
    let unhealthy: UnhealthyJail[] | undefined;
    try {
      await ctl.ping();
      ({ unhealthy } = await ctl.status());
    } catch {
      return c.json({ status: "unavailable" }, 503);
    }
    // A jail whose action could not start does not protect anything: not healthy. Over TCP the
    // probe needs no token, so it names no jail and no reason (paths, errors): those need the token.
    if (unhealthy?.length) return c.json(mode === "tcp" ? { status: "unhealthy", jails: unhealthy.length } : { status: "unhealthy", unhealthy }, 503);
    return c.json({ status: "ok" });
  });

  // Before the bearer check: the HTML page has its own (browser-friendly) token check, see page.ts.
  app.route("/", pageRoutes(ctl, { mode, token: opts.token, now: opts.now }));

  if (mode === "tcp") app.use("*", bearerAuth(opts.token ?? ""));

  app.get("/metrics", async (c) => {
    const counters = await ctl.metrics();
    // A jail removed by a reload meanwhile is left out.
    const health = await Promise.allSettled(counters.map(async (j) => ({ jail: j.jail, health: await ctl.jailHealth(j.jail) })));
    const samples = health.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const body = renderMetrics(counters, await ctl.version(), await ctl.banLatency?.(), samples) + clusterMetrics(await ctl.cluster?.());
    return c.body(body, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.route("/api/v1", readRoutes(ctl));
  if (mode === "unix") app.route("/api/v1", writeRoutes(ctl, log));
  return app;
}
