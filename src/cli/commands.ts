// The client commands: each turns positional words into API calls and returns the text
// to print (fail2ban-client's wording), or throws CliError.
import { SERVER_KEYS, SETTABLE_KEYS, type BanInfo, type JailStatus, type JailValue, type ServerKey, type UnhealthyJail } from "../api/controller.ts";
import type { ClusterStatus } from "../cluster/cluster.ts";
import type { ApiClient } from "./client.ts";
import { events, failing, health, why } from "./insight.ts";
import { CliError } from "./client.ts";
import type { Command, Flags } from "./flags.ts";
import {
  formatBanTable,
  formatBanWithTime,
  formatGet,
  formatJailStatus,
  formatServerSetting,
  formatStats,
  formatStatus,
  pyRepr,
  type StatsRow,
} from "./format.ts";

// fail2ban-client exits 255 on every failure, usage errors included.
const usage = (msg: string): CliError => new CliError(`f2b: ${msg}`);
const enc = encodeURIComponent;

const json = (v: unknown): string => JSON.stringify(v, null, 2);

async function status(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  // fail2ban's `status JAIL [FLAVOR]`: f2b has the basic one; 1.1's `status --all` takes no jail.
  if (args.length > 2 || (args.length === 2 && args[1] !== "basic") || (flags.all && args.length > 0)) {
    throw usage("usage: f2b status [JAIL [basic] | --all] [--json]");
  }
  if (args.length === 0) {
    const res = (await api.call("GET", "/api/v1/status")) as { jails: string[]; unhealthy?: UnhealthyJail[]; cluster?: ClusterStatus };
    if (!flags.all) return flags.json ? json(res) : formatStatus(res.jails, undefined, { unhealthy: res.unhealthy, cluster: res.cluster });
    // fail2ban 1.1's `status --all`: every jail's status too
    const all = await Promise.all(res.jails.map(async (j) => (await api.call("GET", `/api/v1/jails/${enc(j)}`)) as JailStatus));
    return flags.json ? json({ ...res, status: all }) : formatStatus(res.jails, all, { unhealthy: res.unhealthy, cluster: res.cluster });
  }
  const st = (await api.call("GET", `/api/v1/jails/${enc(args[0]!)}`)) as JailStatus;
  return flags.json ? json(st) : formatJailStatus(st);
}

async function set(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  const [jail, what, ...rest] = args;
  if (jail === "loglevel") {
    if (what === undefined || rest.length) throw usage("usage: f2b set loglevel LEVEL");
    return formatLogLevel(((await api.call("PUT", "/api/v1/loglevel", { level: what })) as { loglevel: string }).loglevel);
  }
  if (!jail || !what) throw usage(`usage: f2b set JAIL banip|unbanip|addignoreip|delignoreip|${SETTABLE_KEYS.join("|")} ...`);
  const base = `/api/v1/jails/${enc(jail)}`;
  switch (what) {
    case "banip": {
      if (rest.length === 0) throw usage("set JAIL banip needs at least one IP");
      const r = (await api.call("POST", `${base}/bans`, { ips: rest })) as { banned: number };
      return String(r.banned);
    }
    case "unbanip": {
      if (flags.all) return String(((await api.call("DELETE", `${base}/bans`, { all: true })) as { unbanned: number }).unbanned);
      if (rest.length === 0) throw usage("set JAIL unbanip needs at least one IP (or --all)");
      const r = (await api.call("DELETE", `${base}/bans`, { ips: rest, reportAbsent: flags.reportAbsent })) as { unbanned: number };
      return String(r.unbanned);
    }
    case "addignoreip":
    case "delignoreip": {
      if (rest.length !== 1) throw usage(`set JAIL ${what} needs exactly one IP`);
      const method = what === "addignoreip" ? "POST" : "DELETE";
      const r = (await api.call(method, `${base}/ignoreip`, { ip: rest[0] })) as { ignoreip: string[] };
      return formatGet(jail, what, r.ignoreip);
    }
    default: {
      if (!(SETTABLE_KEYS as readonly string[]).includes(what)) {
        throw usage(`unsupported 'set' property '${what}' (supported: banip, unbanip, addignoreip, delignoreip, ${SETTABLE_KEYS.join(", ")})`);
      }
      // fail2ban joins the rest of the words (`set JAIL bantime.multipliers 1 2 4`).
      if (rest.length === 0) throw usage(`set JAIL ${what} needs a value`);
      const r = (await api.call("PUT", `${base}/${enc(what)}`, { value: rest.join(" ") })) as { value: JailValue };
      return formatGet(jail, what, r.value);
    }
  }
}

/** fail2ban's "Current logging level is 'INFO'". */
const formatLogLevel = (level: string): string => `Current logging level is ${pyRepr(level)}`;

async function get(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  const [jail, key, ...rest] = args;
  if (jail === "loglevel" && key === undefined) {
    return formatLogLevel(((await api.call("GET", "/api/v1/loglevel")) as { loglevel: string }).loglevel);
  }
  if (jail !== undefined && (SERVER_KEYS as readonly string[]).includes(jail) && key === undefined) {
    const { value } = (await api.call("GET", `/api/v1/server/${jail}`)) as { value: string | number | null };
    return formatServerSetting(jail as ServerKey, value);
  }
  if (!jail || !key) throw usage("usage: f2b get JAIL banned|banip|maxretry|findtime|bantime|logpath|ignoreip|...");
  if (key === "banip" && flags.withTime) {
    await api.call("GET", `/api/v1/jails/${enc(jail)}`); // 404 for an unknown jail
    const { bans } = (await api.call("GET", "/api/v1/bans")) as { bans: BanInfo[] };
    return bans
      .filter((b) => b.jail === jail)
      .map(formatBanWithTime)
      .join("\n");
  }
  const { value } = (await api.call("GET", `/api/v1/jails/${enc(jail)}/${enc(key)}`)) as { value: JailValue };
  if (flags.json && rest.length === 0) return json(value);
  if (key === "banned" && rest.length > 0) {
    // fail2ban: `get JAIL banned IP...` answers 1/0 per IP.
    const banned = new Set(Array.isArray(value) ? value : []);
    const ips = await Promise.all(rest.map(async (ip) => ((await api.call("GET", `/api/v1/bans/${enc(ip)}`)) as { ip: string }).ip));
    const flags01 = ips.map((ip) => (banned.has(ip) ? 1 : 0));
    return pyRepr(flags01.length === 1 ? flags01[0] : flags01);
  }
  // fail2ban: `get JAIL banip SEP` joins the addresses with SEP.
  if (key === "banip" && rest.length === 1 && Array.isArray(value)) return value.join(rest[0]);
  return formatGet(jail, key, value);
}

async function unban(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (flags.all) {
    if (args.length) throw usage("unban: give IPs or --all, not both");
    return String(((await api.call("DELETE", "/api/v1/bans", { all: true })) as { unbanned: number }).unbanned);
  }
  if (args.length === 0) throw usage("usage: f2b unban IP... | --all");
  return String(((await api.call("DELETE", "/api/v1/bans", { ips: args })) as { unbanned: number }).unbanned);
}

async function banned(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (flags.why) return why(api, args, flags);
  if (args.length > 0) {
    // fail2ban's `banned IP...`: for each IP, the list of jails that ban it.
    const res = await Promise.all(args.map(async (ip) => (await api.call("GET", `/api/v1/bans/${enc(ip)}`)) as { ip: string; jails: string[] }));
    return flags.json ? json(res) : pyRepr(res.map((r) => r.jails));
  }
  const { bans } = (await api.call("GET", "/api/v1/bans")) as { bans: BanInfo[] };
  return flags.json ? json(bans) : formatBanTable(bans);
}

/** fail2ban-client's `reload [--restart] [--unban] [--if-exists] [--all|JAIL]`. */
async function reload(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 1 || (flags.all && args.length > 0)) {
    throw new CliError(`Unexpected argument(s) for reload: ${pyRepr(flags.all ? ["--all", ...args] : args)}`);
  }
  const body = { restart: flags.restart, unban: flags.unban, ifExists: flags.ifExists, ...(args[0] === undefined ? {} : { jail: args[0] }) };
  await api.call("POST", "/api/v1/reload", body);
  return "OK";
}

/** `restart [--unban] [--if-exists] JAIL`: fail2ban-client's alias of `reload --restart`. (A bare
 *  `restart`, which restarts the server, never reaches the API: see run.ts.) */
async function restart(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  return reload(api, args, { ...flags, restart: true });
}

/** `stop` stops the server; `stop JAIL` only that jail, `stop --all` every jail. */
async function stop(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 1 || (flags.all && args.length > 0)) throw usage("usage: f2b stop [JAIL|--all]");
  if (flags.all) return ((await api.call("POST", "/api/v1/jails/stop")) as { status: string }).status;
  if (args.length === 1) return ((await api.call("POST", `/api/v1/jails/${enc(args[0]!)}/stop`)) as { status: string }).status;
  return ((await api.call("POST", "/api/v1/stop")) as { status: string }).status;
}

/** `start JAIL` (a bare `start`, which starts the server, never reaches the API: see run.ts). */
async function start(api: ApiClient, args: string[]): Promise<string> {
  if (args.length !== 1) throw usage("usage: f2b start [JAIL]");
  return ((await api.call("POST", `/api/v1/jails/${enc(args[0]!)}/start`)) as { status: string }).status;
}

async function ping(api: ApiClient): Promise<string> {
  return `Server replied: ${((await api.call("GET", "/api/v1/ping")) as { reply: string }).reply}`;
}

async function flushlogs(api: ApiClient): Promise<string> {
  return `logs: ${((await api.call("POST", "/api/v1/flushlogs")) as { status: string }).status}`;
}

async function metrics(api: ApiClient): Promise<string> {
  return (await api.text("/metrics")).trimEnd();
}

/** fail2ban 1.1's `stats`: per jail its backend, failures and bans (current, total) in one table. */
async function stats(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 0) throw usage("usage: f2b stats [--json]");
  const { jails } = (await api.call("GET", "/api/v1/status")) as { jails: string[] };
  const rows = await Promise.all(
    jails.map(async (jail): Promise<StatsRow> => {
      const st = (await api.call("GET", `/api/v1/jails/${enc(jail)}`)) as JailStatus;
      const { value } = (await api.call("GET", `/api/v1/jails/${enc(jail)}/backend`)) as { value: JailValue };
      // the backend that runs, in fail2ban's names: `auto` reading files is the inotify one
      const backend = st.filter.journalMatches !== undefined ? "systemd" : String(value).startsWith("polling") ? "polling" : "pyinotify";
      return { jail, backend, failed: [st.filter.currentlyFailed, st.filter.totalFailed], banned: [st.actions.currentlyBanned, st.actions.totalBanned] };
    }),
  );
  return flags.json ? json(rows) : formatStats(rows);
}

export const COMMANDS: Record<string, Command> = {
  status,
  stats,
  statistics: stats,
  set,
  get,
  unban,
  banned,
  reload,
  restart,
  start,
  stop,
  ping,
  flushlogs,
  metrics,
  show: (api, args, flags) => why(api, args, flags),
  failing,
  events,
  health,
};
