// Mutating endpoints under /api/v1: only mounted on the Unix socket (root only),
// never on TCP.
import { Hono, type Context } from "hono";
import { InvalidInputError, SETTABLE_KEYS } from "./controller.ts";
import type { Controller, SettableKey, UnbanActor } from "./controller.ts";
import type { Log } from "../system/log.ts";
import { optionalBool, optionalString, parseBanTargets, parseIgnoreEntry, parseIpList, readJson, requireJail } from "./validate.ts";

/** `{"ips": [...]}` or `{"all": true}` → a list or "all". */
function ipsOrAll(body: Record<string, unknown>): string[] | "all" {
  if (body.all === true) {
    if (body.ips !== undefined) throw new InvalidInputError("give either 'ips' or 'all', not both", "all");
    return "all";
  }
  if (body.all !== undefined && body.all !== false) throw new InvalidInputError("all: expected true or false", "all");
  return parseIpList(body.ips, "ips");
}

/** The header the f2b CLI sends, so the ban history can say "unbanned by cli" (not "by api"). */
export const CLIENT_HEADER = "X-F2b-Client";

/** Who asks: the CLI names itself; anything else on the socket is an API client. */
function actor(c: Context): UnbanActor {
  return c.req.header(CLIENT_HEADER)?.toLowerCase() === "cli" ? "cli" : "api";
}

export function writeRoutes(ctl: Controller, log: Log): Hono {
  const r = new Hono();

  r.post("/jails/:name/bans", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const ips = parseBanTargets((await readJson(c)).ips, "ips");
    return c.json({ jail, banned: await ctl.banIp(jail, ips) });
  });

  r.delete("/jails/:name/bans", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const body = await readJson(c);
    const what = ipsOrAll(body);
    const reportAbsent = optionalBool(body.reportAbsent, "reportAbsent") ?? false;
    const by = actor(c);
    const n = what === "all" ? await ctl.unbanAll(jail, { by }) : await ctl.unbanIp(what, jail, { reportAbsent, by });
    return c.json({ jail, unbanned: n });
  });

  r.delete("/bans", async (c) => {
    const what = ipsOrAll(await readJson(c));
    const by = actor(c);
    return c.json({ unbanned: what === "all" ? await ctl.unbanAll(undefined, { by }) : await ctl.unbanIp(what, undefined, { by }) });
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

  r.put("/jails/:name/:key", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const key = c.req.param("key");
    if (!(SETTABLE_KEYS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`key: '${key}' cannot be set at run time (settable: ${SETTABLE_KEYS.join(", ")})`, "key");
    }
    const value = optionalString((await readJson(c)).value, "value");
    if (value === undefined) throw new InvalidInputError("value: missing", "value");
    return c.json({ jail, key, value: await ctl.setJail(jail, key as SettableKey, value) });
  });

  // fail2ban-client's `reload [--restart] [--unban] [--if-exists] [JAIL]`.
  r.post("/reload", async (c) => {
    const body = await readJson(c);
    const jail = optionalString(body.jail, "jail");
    const restart = optionalBool(body.restart, "restart") ?? false;
    const unban = optionalBool(body.unban, "unban") ?? false;
    const ifExists = optionalBool(body.ifExists, "ifExists") ?? false;
    await ctl.reload(jail, { restart, unban, ifExists });
    return c.json({ status: "OK" });
  });

  r.post("/jails/:name/start", async (c) => {
    await ctl.startJail(c.req.param("name"));
    return c.json({ status: "Jail started" });
  });

  r.post("/jails/:name/stop", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    await ctl.stopJail(jail);
    return c.json({ status: "Jail stopped" });
  });

  r.post("/jails/stop", async (c) => {
    await ctl.stopAllJails();
    return c.json({ status: "Jail stopped" });
  });

  r.put("/loglevel", async (c) => {
    const level = optionalString((await readJson(c)).level, "level");
    if (level === undefined || level.trim() === "") throw new InvalidInputError("level: missing", "level");
    return c.json({ loglevel: await ctl.setLogLevel(level) });
  });

  r.post("/stop", (c) => {
    // Reply first: stopping closes the very socket this answer travels on.
    setTimeout(() => {
      Promise.resolve()
        .then(() => ctl.stop())
        .catch((e: unknown) => log.error(`stop failed: ${(e as Error).message}`));
    }, 20);
    return c.json({ status: "Shutdown successful" });
  });

  r.post("/flushlogs", async (c) => {
    if (!ctl.flushLogs) return c.json({ status: "flushed" });
    return c.json({ status: await ctl.flushLogs() });
  });

  return r;
}
