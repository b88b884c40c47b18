// Read-only endpoints that answer "why?" and "is it working?" (issue 14), mounted by readRoutes:
// a ban's detail, failing-now, recent events. The jail detail (health, settings) is on
// GET /jails/:name in routes-read.ts.
import type { Hono } from "hono";
import { EVENT_KINDS, InvalidInputError, type Controller, type EventKind, type EventQuery } from "./controller.ts";
import { parseIpField, requireJail } from "./validate.ts";

function numberParam(raw: string | undefined, field: string, min: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new InvalidInputError(`${field}: expected a number${min > 0 ? ` >= ${min}` : ""}, got '${raw}'`, field);
  return n;
}

/** `?since=EPOCH&after=ID&jail=NAME&kind=ban,unban&limit=N` → an EventQuery. */
export function parseEventQuery(q: (name: string) => string | undefined): EventQuery {
  const out: EventQuery = {};
  const since = numberParam(q("since"), "since", 0);
  if (since !== undefined) out.since = since;
  const after = numberParam(q("after"), "after", 0);
  if (after !== undefined) out.afterId = after;
  const limit = numberParam(q("limit"), "limit", 1);
  if (limit !== undefined) out.limit = Math.floor(limit);
  const jail = q("jail");
  if (jail) out.jail = jail;
  const kind = q("kind");
  if (kind) {
    const kinds = kind
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
    const bad = kinds.find((k) => !(EVENT_KINDS as readonly string[]).includes(k));
    if (bad !== undefined) throw new InvalidInputError(`kind: unknown event kind '${bad}' (known: ${EVENT_KINDS.join(", ")})`, "kind");
    out.kinds = kinds as EventKind[];
  }
  return out;
}

export function insightRoutes(r: Hono, ctl: Controller): void {
  r.get("/bans/:ip/why", async (c) => c.json(await ctl.banDetail(parseIpField(c.req.param("ip"), "ip"))));

  r.get("/failing", async (c) => {
    const name = c.req.query("jail");
    const jail = name ? await requireJail(ctl, name) : undefined;
    return c.json({ failing: await ctl.failing(jail) });
  });

  r.get("/events", async (c) => c.json({ events: await ctl.events(parseEventQuery((n) => c.req.query(n))) }));
}
