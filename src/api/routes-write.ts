// Mutating endpoints under /api/v1: only mounted on the Unix socket (root only),
// never on TCP.
import { Hono } from "hono";
import { InvalidInputError } from "./controller.ts";
import type { Controller } from "./controller.ts";
import type { ErrorLog } from "./errors.ts";
import { optionalString, parseIgnoreEntry, parseIpList, readJson, requireJail } from "./validate.ts";

/** `{"ips": [...]}` or `{"all": true}` → a list or "all". */
function ipsOrAll(body: Record<string, unknown>): string[] | "all" {
  if (body.all === true) {
    if (body.ips !== undefined) throw new InvalidInputError("give either 'ips' or 'all', not both", "all");
    return "all";
  }
  if (body.all !== undefined && body.all !== false) throw new InvalidInputError("all: expected true or false", "all");
  return parseIpList(body.ips, "ips");
}

export function writeRoutes(ctl: Controller, log?: ErrorLog): Hono {
  const r = new Hono();

  r.post("/jails/:name/bans", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const ips = parseIpList((await readJson(c)).ips, "ips");
    return c.json({ jail, banned: await ctl.banIp(jail, ips) });
  });

  r.delete("/jails/:name/bans", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const what = ipsOrAll(await readJson(c));
    const n = what === "all" ? await ctl.unbanAll(jail) : await ctl.unbanIp(what, jail);
    return c.json({ jail, unbanned: n });
  });

  r.delete("/bans", async (c) => {
    const what = ipsOrAll(await readJson(c));
    return c.json({ unbanned: what === "all" ? await ctl.unbanAll() : await ctl.unbanIp(what) });
  });

  r.post("/jails/:name/ignoreip", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const ip = parseIgnoreEntry((await readJson(c)).ip, "ip");
    return c.json({ jail, ignoreip: await ctl.addIgnoreIp(jail, ip) });
  });

  r.delete("/jails/:name/ignoreip", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const ip = parseIgnoreEntry((await readJson(c)).ip, "ip");
    return c.json({ jail, ignoreip: await ctl.delIgnoreIp(jail, ip) });
  });

  r.post("/reload", async (c) => {
    const jail = optionalString((await readJson(c)).jail, "jail");
    if (jail !== undefined) await requireJail(ctl, jail);
    await ctl.reload(jail);
    return c.json({ status: "OK" });
  });

  r.post("/stop", (c) => {
    // Reply first: stopping closes the very socket this answer travels on.
    setTimeout(() => {
      Promise.resolve()
        .then(() => ctl.stop())
        .catch((e: unknown) => log?.error(`stop failed: ${(e as Error).message}`));
    }, 20);
    return c.json({ status: "Shutdown successful" });
  });

  r.post("/flushlogs", async (c) => {
    if (!ctl.flushLogs) return c.json({ status: "flushed" });
    return c.json({ status: await ctl.flushLogs() });
  });

  return r;
}
