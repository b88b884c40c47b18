// The optional TCP status endpoint from fail2ban.conf/.local `[api]`: off unless `listen` is set,
// and then never without a token (token = ..., or tokenfile = a root-only file).
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../config/errors.ts";
import type { Fail2banConf } from "../config/fail2ban-conf.ts";

export interface TcpApiConfig {
  hostname: string;
  port: number;
  token: string;
}

const MIN_TOKEN = 16;

/** Parses `host:port`, `[v6]:port` or `port`; the default host is loopback. */
function parseListen(listen: string, where: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/u.exec(listen) ?? /^()()(\d+)$/u.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new ConfigError(`${where}: [api] listen must be HOST:PORT (e.g. 127.0.0.1:9191)`, undefined, listen);
  return { hostname: m[1] || m[2] || "127.0.0.1", port };
}

export function tcpApiConfig(conf: Fail2banConf): TcpApiConfig | undefined {
  const api = conf.sections["api"] ?? {};
  const where = conf.files.at(-1) ?? "fail2ban.conf";
  const listen = (api["listen"] ?? "").trim();
  if (listen === "") return undefined;
  const { hostname, port } = parseListen(listen, where);
  let token = (api["token"] ?? "").trim();
  const tokenfile = (api["tokenfile"] ?? "").trim();
  if (!token && tokenfile) {
    try {
      if ((statSync(tokenfile).mode & 0o077) !== 0) throw new Error("it is readable by others than its owner (chmod 600)");
      token = readFileSync(tokenfile, "utf8").trim();
    } catch (e) {
      throw new ConfigError(`${where}: [api] tokenfile ${tokenfile}: ${(e as Error).message}`);
    }
  }
  if (token.length < MIN_TOKEN) {
    throw new ConfigError(`${where}: [api] listen is set, so a token of at least ${MIN_TOKEN} characters is required (token = or tokenfile =)`);
  }
  return { hostname, port, token };
}
