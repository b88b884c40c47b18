// Read-only endpoints under /api/v1 (served in both unix and tcp mode).
import { Hono } from "hono";
import { InvalidInputError, JAIL_KEYS, SERVER_KEYS } from "./controller.ts";
import type { Controller, JailDetailExtra, JailKey, JailStatus, ServerKey } from "./controller.ts";
import { insightRoutes } from "./routes-insight.ts";
import { parseIpField, requireJail } from "./validate.ts";
import { parseIP } from "../net/address.ts";

/** A jail's status with its health and settings (GET /jails/:name, `f2b status JAIL --json`). */
async function jailDetail(ctl: Controller, jail: string): Promise<JailStatus & JailDetailExtra> {
  const [status, health, settings] = await Promise.all([ctl.jailStatus(jail), ctl.jailHealth(jail), ctl.jailSettings(jail)]);
  return { ...status, health, settings };
}

export function readRoutes(ctl: Controller): Hono {
  const r = new Hono();

  r.get("/ping", async (c) => {
    await ctl.ping();
    return c.json({ reply: "pong" });
  });

  r.get("/version", async (c) => c.json({ version: await ctl.version() }));

  r.get("/loglevel", async (c) => c.json({ loglevel: await ctl.logLevel() }));

  r.get("/server/:key", async (c) => {
    const key = c.req.param("key");
    if (!(SERVER_KEYS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`key: unknown server setting '${key}' (known: loglevel, ${SERVER_KEYS.join(", ")})`, "key");
    }
    return c.json({ key, value: await ctl.serverSetting(key as ServerKey) });
  });

  r.get("/status", async (c) => {
    const { jails, unhealthy } = await ctl.status();
    const cluster = (await ctl.cluster?.()) ?? null;
    return c.json({ count: jails.length, jails, ...(unhealthy?.length ? { unhealthy } : {}), ...(cluster ? { cluster } : {}) });
  });

  r.get("/jails", async (c) => {
    const { jails } = await ctl.status();
    return c.json({ jails: await Promise.all(jails.map((j) => jailDetail(ctl, j))) });
  });

  r.get("/jails/:name", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    return c.json(await jailDetail(ctl, jail));
  });

  r.get("/jails/:name/:key", async (c) => {
    const jail = await requireJail(ctl, c.req.param("name"));
    const key = c.req.param("key");
    if (!(JAIL_KEYS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`key: unknown jail property '${key}' (known: ${JAIL_KEYS.join(", ")})`, "key");
    }
    return c.json({ jail, key, value: await ctl.get(jail, key as JailKey) });
  });

  r.get("/bans", async (c) => c.json({ bans: await ctl.banned() }));

  insightRoutes(r, ctl);

  r.get("/bans/:ip", async (c) => {
    const ip = parseIpField(c.req.param("ip"), "ip");
    // an address inside a banned network (banprefix4/6, escalate4/6) is banned by that network
    const addr = parseIP(ip);
    const bans = (await ctl.banned()).filter((b) => b.ip === ip || (addr !== null && b.ip.includes("/") && !!parseIP(b.ip)?.contains(addr)));
    return c.json({ ip, jails: bans.map((b) => b.jail), bans });
  });

  return r;
}
