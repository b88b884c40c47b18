// Input checks shared by the routes: every bad input becomes an InvalidInputError or
// UnknownJailError, which errors.ts turns into a 400/404 JSON answer.
import type { Context } from "hono";
import { parseIP } from "../net/address.ts";
import { ignoreFileName } from "../jail/ignore-file.ts";
import { InvalidInputError, UnknownJailError } from "./controller.ts";
import type { Controller } from "./controller.ts";

const MAX_BODY_BYTES = 1 << 20;
const MAX_IPS = 10_000;

/** A request body as a JSON object; an absent body is `{}`. */
export async function readJson(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new InvalidInputError("request body too large", "body");
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidInputError("request body is not valid JSON", "body");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new InvalidInputError("request body must be a JSON object", "body");
  }
  return v as Record<string, unknown>;
}

/** One IP address or network (CIDR), normalised like fail2ban's IPAddr. */
export function parseIpField(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length > 100) {
    throw new InvalidInputError(`${field}: expected an IP address string`, field);
  }
  const ip = parseIP(value);
  if (ip === null) throw new InvalidInputError(`${field}: '${value}' is not a valid IP address`, field);
  return ip.toString();
}

const HOSTNAME_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * An ignoreip entry: an IP/CIDR (normalised), `file:/path`, or, as fail2ban allows, a DNS host name.
 * A name whose last label is all digits is rejected: that is a mistyped address ("1.2.3.999").
 */
export function parseIgnoreEntry(value: unknown, field: string): string {
  // fail2ban 1.1's allow-list file, `file:/path` (src/jail/ignore-file.ts)
  if (typeof value === "string" && value.length <= 4096 && !value.includes("\0") && ignoreFileName(value)) return value.trim();
  if (typeof value === "string" && parseIP(value) === null && HOSTNAME_RE.test(value) && !/(^|\.)\d+$/.test(value)) {
    return value.toLowerCase();
  }
  return parseIpField(value, field);
}

/** A non-empty list of IPs (a single string is accepted too). */
export function parseIpList(value: unknown, field: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidInputError(`${field}: expected a non-empty list of IP addresses`, field);
  }
  if (list.length > MAX_IPS) throw new InvalidInputError(`${field}: more than ${MAX_IPS} addresses`, field);
  return list.map((v, i) => parseIpField(v, `${field}[${i}]`));
}

/** `banip` targets: like parseIpList, but networks keep their prefix in the text, /0 included
 *  ("0.0.0.0/0", where the fail2ban text is "0.0.0.0"), so the jail can refuse what is too wide
 *  (minprefix4/6, src/ban/prefix-bans.ts) instead of banning one address. */
export function parseBanTargets(value: unknown, field: string): string[] {
  parseIpList(value, field);
  const given = (Array.isArray(value) ? value : [value]) as string[];
  return given.map((text) => parseIP(text)!.cidr);
}

export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new InvalidInputError(`${field}: expected true or false`, field);
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidInputError(`${field}: expected a string`, field);
  return value;
}

/** Checks the jail exists before any controller call that names it. */
export async function requireJail(ctl: Controller, jail: string): Promise<string> {
  const { jails } = await ctl.status();
  if (!jails.includes(jail)) throw new UnknownJailError(jail);
  return jail;
}
