// `f2b banned --why ADDR` / `f2b show ADDR`, `f2b failing [JAIL]`, `f2b events [JAIL]
// [--since WHEN] [--kind K,...] [--limit N]`, `f2b health [JAIL]` (issue 14). Each is one API
// call per item; `--json` prints the API's answer unchanged.
import type { BanDetail, FailingEntry, JailHealth, ServerEvent } from "../api/controller.ts";
import { parseTime } from "../jail/time.ts";
import { CliError, type ApiClient } from "./client.ts";
import type { Flags } from "./flags.ts";
import { formatBanDetail, formatEvents, formatFailing, formatHealth } from "./format-insight.ts";

const enc = encodeURIComponent;
const json = (v: unknown): string => JSON.stringify(v, null, 2);
const usage = (msg: string): CliError => new CliError(`f2b: ${msg}`);
const nowSec = (): number => Date.now() / 1000;

/** `--since`: a duration back from now ("1h", "30m", "600" seconds, fail2ban's time words), an
 *  epoch (10 digits or more) or a date ("2026-12-07 14:00", local time). */
export function parseSince(text: string, now: number): number {
  const t = text.trim();
  if (/^\d{10,}(\.\d+)?$/u.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}/u.test(t)) {
    const ms = Date.parse(t.replace(" ", "T"));
    if (Number.isFinite(ms)) return ms / 1000;
  }
  try {
    return now - parseTime(t);
  } catch {
    throw usage(`--since: '${text}' is neither a duration (1h, 30m, 2d), an epoch nor a date (YYYY-MM-DD HH:MM)`);
  }
}

/** `banned --why ADDR...` and `show ADDR...`. */
export async function why(api: ApiClient, ips: string[], flags: Flags): Promise<string> {
  if (ips.length === 0) throw usage("usage: f2b show ADDR... (or f2b banned --why ADDR...)");
  const details = await Promise.all(ips.map(async (ip) => (await api.call("GET", `/api/v1/bans/${enc(ip)}/why`)) as BanDetail));
  if (flags.json) return json(details.length === 1 ? details[0] : details);
  const now = nowSec();
  return details.map((d) => formatBanDetail(d, now)).join("\n\n");
}

export async function failing(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 1) throw usage("usage: f2b failing [JAIL] [--json]");
  const q = args[0] === undefined ? "" : `?jail=${enc(args[0])}`;
  const { failing: list } = (await api.call("GET", `/api/v1/failing${q}`)) as { failing: FailingEntry[] };
  return flags.json ? json(list) : formatFailing(list);
}

export async function events(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 1) throw usage("usage: f2b events [JAIL] [--since 1h] [--kind ban,unban] [--limit N] [--json]");
  const q = new URLSearchParams();
  if (args[0] !== undefined) q.set("jail", args[0]);
  if (flags.since !== undefined) q.set("since", String(parseSince(flags.since, nowSec())));
  if (flags.kind !== undefined) q.set("kind", flags.kind);
  if (flags.limit !== undefined) q.set("limit", flags.limit);
  const text = q.toString();
  const { events: list } = (await api.call("GET", `/api/v1/events${text ? `?${text}` : ""}`)) as { events: ServerEvent[] };
  return flags.json ? json(list) : formatEvents(list);
}

export async function health(api: ApiClient, args: string[], flags: Flags): Promise<string> {
  if (args.length > 1) throw usage("usage: f2b health [JAIL] [--json]");
  const names = args.length ? args : ((await api.call("GET", "/api/v1/status")) as { jails: string[] }).jails;
  const jails = await Promise.all(
    names.map(async (name) => {
      const st = (await api.call("GET", `/api/v1/jails/${enc(name)}`)) as { health: JailHealth };
      return { name, health: st.health };
    }),
  );
  if (flags.json) return json(Object.fromEntries(jails.map((j) => [j.name, j.health])));
  return formatHealth(jails);
}
