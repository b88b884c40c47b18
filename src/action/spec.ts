// Turns fail2ban's jail options (port, protocol, blocktype, chain) and ban addresses into a
// normalised form both native backends render from. Errors name the offending field.
import { parseIP } from "../net/address.ts";
import { etcServices, type ServiceResolver } from "./services.ts";
import type { FirewallJailSpec } from "./types.ts";

export interface PortRange {
  from: number;
  to: number;
}

export type BlockKind = "reject" | "drop" | "tcp-reset";
export type HookKind = "input" | "forward";
export type Family = "v4" | "v6";

export interface NormalisedSpec {
  jail: string;
  /** null = every port (allports, "0:65535", "all", "any" or no port given) */
  ports: PortRange[] | null;
  /** [] = any protocol */
  protocols: string[];
  block: BlockKind;
  hooks: HookKind[];
}

export type { ServiceResolver } from "./services.ts";

const JAIL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const PROTOCOLS = new Set(["tcp", "udp", "sctp", "dccp", "udplite"]);

export function validateJailName(jail: string): string {
  if (!JAIL_NAME.test(jail)) {
    throw new Error(`jail name ${JSON.stringify(jail)} cannot name a firewall object (allowed: letters, digits, _ . -, max 64)`);
  }
  return jail;
}

function parsePort(token: string, protocol: string, resolve: ServiceResolver, field: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n > 65535) throw new Error(`${field}: port ${token} out of range`);
    return n;
  }
  const n = resolve(token, protocol);
  if (n === null)
    throw new Error(`${field}: unknown service name ${JSON.stringify(token)} (not in /etc/services nor f2b's table of well-known names: use the port number)`);
  return n;
}

/** fail2ban port syntax: comma (or space) list of ports, service names and `a:b` ranges. */
export function parsePorts(spec: string, protocol = "tcp", resolve: ServiceResolver = etcServices): PortRange[] | null {
  const field = `port = ${spec}`;
  const tokens = spec.split(/[,\s]+/).filter(Boolean);
  if (tokens.length === 0) return null;
  const out: PortRange[] = [];
  for (const t of tokens) {
    if (/^(all|any)$/i.test(t)) return null;
    // `a:b` is a range; `a-b` only between numbers, since service names have dashes (ftp-data).
    const parts = t.includes(":") ? t.split(":") : /^\d+-\d+$/.test(t) ? t.split("-") : [t];
    if (parts.length > 2 || parts.some((p) => p === "")) throw new Error(`${field}: bad port token ${JSON.stringify(t)}`);
    const from = parsePort(parts[0]!, protocol, resolve, field);
    const to = parts.length === 2 ? parsePort(parts[1]!, protocol, resolve, field) : from;
    if (to < from) throw new Error(`${field}: range ${t} is reversed`);
    if ((from === 0 || from === 1) && to === 65535) return null;
    out.push({ from, to });
  }
  out.sort((a, b) => a.from - b.from);
  return out;
}

export function parseProtocols(spec: string): string[] {
  const tokens = spec
    .toLowerCase()
    .split(/[,\s]+/)
    .filter(Boolean);
  if (tokens.length === 0 || tokens.includes("all") || tokens.includes("any")) return [];
  for (const t of tokens) {
    if (!PROTOCOLS.has(t)) throw new Error(`protocol = ${spec}: unsupported protocol ${JSON.stringify(t)}`);
  }
  return [...new Set(tokens)];
}

/** fail2ban writes blocktype per action flavour: "reject", "REJECT --reject-with ...", "DROP", "drop" ... */
export function parseBlocktype(spec: string): BlockKind {
  const s = spec.toLowerCase();
  if (s === "" || s.includes("reject")) {
    return /tcp[- ]reset/.test(s) ? "tcp-reset" : "reject";
  }
  if (s.includes("drop") || s.includes("blackhole")) return "drop";
  throw new Error(`blocktype = ${spec}: expected reject or drop`);
}

/** fail2ban 1.1 `chain = INPUT,FORWARD`; DOCKER-USER is forwarded traffic too. */
export function parseHooks(chains: string[]): HookKind[] {
  const hooks = new Set<HookKind>();
  for (const raw of chains.flatMap((c) => c.split(/[,\s]+/)).filter(Boolean)) {
    const c = raw.toLowerCase();
    if (c === "input" || c === "f2b-input") hooks.add("input");
    else if (c === "forward" || c === "docker-user") hooks.add("forward");
    else throw new Error(`chain = ${chains.join(",")}: unsupported chain ${JSON.stringify(raw)} (use INPUT, FORWARD or DOCKER-USER)`);
  }
  if (hooks.size === 0) hooks.add("input");
  return [...hooks];
}

export function normaliseSpec(spec: FirewallJailSpec, resolve: ServiceResolver = etcServices): NormalisedSpec {
  const protocols = parseProtocols(spec.protocol);
  return {
    jail: validateJailName(spec.jail),
    ports: spec.allports ? null : parsePorts(spec.ports, protocols[0] ?? "tcp", resolve),
    protocols,
    block: parseBlocktype(spec.blocktype),
    hooks: parseHooks(spec.chains),
  };
}

export interface ParsedAddr {
  family: Family;
  addr: string;
  /** prefix length, undefined for a single address */
  prefix?: number;
  /** canonical text: "a.b.c.d" or "net/len" */
  text: string;
}

/** An IP or CIDR from a ban request, read by the one parser (src/net); host bits of a CIDR are cleared. */
export function parseAddr(ip: string): ParsedAddr {
  const a = parseIP(ip);
  if (a === null || a.zone !== undefined) throw new Error(`not an IP address or CIDR: ${JSON.stringify(ip)}`);
  const family: Family = a.family === 4 ? "v4" : "v6";
  if (a.isSingle) return { family, addr: a.base, text: a.base };
  return { family, addr: a.base, prefix: a.plen, text: a.cidr };
}

/** Short stable hash so long jail names still fit kernel name limits (ipset: 31, iptables chain: 28). */
export function fitName(prefix: string, jail: string, suffix: string, max: number): string {
  const full = `${prefix}${jail}${suffix}`;
  if (full.length <= max) return full;
  let h = 2166136261;
  for (const ch of jail) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const tag = h.toString(36).slice(0, 6);
  const room = max - prefix.length - suffix.length - tag.length - 1;
  return `${prefix}${jail.slice(0, room)}_${tag}${suffix}`;
}
