// Maps fail2ban banaction names to the native backends. A jail configured with
// `banaction = iptables-multiport` (or nftables[type=allports], iptables-ipset-proto6 ...) gets the
// same blocking from one batched native backend; banactions with no native equivalent (firewalld,
// ufw, xt_recent, route, mail ...) return null and run as action.d shell actions instead.
import { IPSET_MAXELEM, ipsetBackend, type IpsetDeps } from "./ipset.ts";
import { nftablesBackend, type NftablesDeps } from "./nftables.ts";
import { parseAddr, parseBlocktype } from "./spec.ts";
import type { Log } from "../system/log.ts";
import type { BanEntry, FirewallBackend, FirewallJailSpec } from "./types.ts";

export type NativeBackendName = "nftables" | "iptables-ipset";

export interface BanactionPlan {
  backend: NativeBackendName | "dummy";
  /** true when the banaction blocks every port (…-allports, [type=allports]) */
  allports: boolean;
}

const NATIVE: Record<string, BanactionPlan> = {
  nftables: { backend: "nftables", allports: false },
  "nftables-multiport": { backend: "nftables", allports: false },
  "nftables-allports": { backend: "nftables", allports: true },
  iptables: { backend: "iptables-ipset", allports: false },
  "iptables-multiport": { backend: "iptables-ipset", allports: false },
  // the LOG rule of iptables-multiport-log is not reproduced: the daemon logs every ban itself
  "iptables-multiport-log": { backend: "iptables-ipset", allports: false },
  "iptables-new": { backend: "iptables-ipset", allports: false },
  "iptables-allports": { backend: "iptables-ipset", allports: true },
  "iptables-ipset": { backend: "iptables-ipset", allports: false },
  "iptables-ipset-proto4": { backend: "iptables-ipset", allports: false },
  "iptables-ipset-proto6": { backend: "iptables-ipset", allports: false },
  "iptables-ipset-proto6-allports": { backend: "iptables-ipset", allports: true },
  dummy: { backend: "dummy", allports: false },
};

/** Splits `name[opt=val, ...]` (the options a jail passes along with the banaction). */
function splitOptions(ref: string): { name: string; opts: Record<string, string> } {
  const m = /^\s*([^[\s]+)\s*(?:\[(.*)\])?\s*$/s.exec(ref);
  if (!m) return { name: ref.trim(), opts: {} };
  const opts: Record<string, string> = {};
  for (const part of (m[2] ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0)
      opts[part.slice(0, eq).trim()] = part
        .slice(eq + 1)
        .trim()
        .replace(/^(["'])(.*)\1$/, "$2");
  }
  return { name: m[1]!, opts };
}

/** The native plan for a banaction reference, or null when it must run as a shell action. */
export function planBanaction(ref: string): BanactionPlan | null {
  const { name, opts } = splitOptions(ref);
  const base = NATIVE[name.replace(/\.(conf|local)$/, "")];
  if (!base) return null;
  const type = opts["type"]?.toLowerCase();
  if (type === "allports") return { ...base, allports: true };
  if (type === "multiport" || type === "oneport") return { ...base, allports: false };
  if (type !== undefined && base.backend !== "dummy") return null; // an unknown type: let the action.d file decide
  return base;
}

/**
 * fail2ban 1.1's set options on actions the native backends run instead, where a value asks for
 * something they do not do (`options`: the action's resolved [Init] with the jail's arguments).
 * The stock values are what the native sets already are: nftables `addr_options = flags interval;`
 * (or none: f2b keeps an address set and an interval set), ipset `ipsettype = hash:ip|hash:net`
 * (f2b's hash:net holds both), `maxelem` up to f2b's own.
 */
export function unappliedNativeOptions(plan: BanactionPlan, options: Record<string, string>, passed: Record<string, string> = {}): string[] {
  const out: string[] = [];
  // 1.1's conditional arguments (`blocktype?family=inet6=DROP`): the native backends block both
  // families alike, so only a value that blocks as the plain one does is honoured
  for (const [k, v] of Object.entries(passed)) {
    const base = /^([^?]+)\?/u.exec(k)?.[1];
    if (base === undefined) continue;
    const same = base === "blocktype" && sameBlock(v, options["blocktype"] ?? "reject");
    if (!same) out.push(`${k} = ${v} is not applied: f2b's native ${plan.backend} backend treats both address families alike`);
  }
  const addr = options["addr_options"];
  if (plan.backend === "nftables" && addr !== undefined) {
    const norm = addr.replace(/<sp>/g, " ").replace(/\\;/g, ";").replace(/\s+/g, " ").trim();
    if (norm !== "" && norm !== "flags interval;")
      out.push(`addr_options = ${addr} is not applied: f2b's nftables sets are fixed (addresses with timeouts, networks in an interval set)`);
  }
  if (plan.backend === "iptables-ipset") {
    const type = options["ipsettype"]?.trim();
    if (type !== undefined && type !== "hash:ip" && type !== "hash:net")
      out.push(`ipsettype = ${type} is not applied: f2b's ipset sets are hash:net (addresses and networks)`);
    const max = options["maxelem"]?.trim();
    if (max !== undefined && /^\d+$/.test(max) && Number(max) > IPSET_MAXELEM)
      out.push(`maxelem = ${max} is not applied: f2b's ipset sets hold ${IPSET_MAXELEM}`);
  }
  return out;
}

function sameBlock(a: string, b: string): boolean {
  try {
    return parseBlocktype(a) === parseBlocktype(b);
  } catch {
    return false;
  }
}

/** Dry run: validates and logs what would be done, touches nothing. */
export function dummyBackend(log: Log): FirewallBackend {
  const banned = new Map<string, Map<string, number | null>>();
  const jailSet = (jail: string): Map<string, number | null> => {
    let s = banned.get(jail);
    if (!s) banned.set(jail, (s = new Map()));
    return s;
  };
  return {
    name: "dummy",
    async start(spec: FirewallJailSpec) {
      jailSet(spec.jail);
      log.info(`[${spec.jail}] dummy: start (port ${spec.ports}, protocol ${spec.protocol}${spec.allports ? ", all ports" : ""})`);
    },
    async ban(spec: FirewallJailSpec, entries: BanEntry[]) {
      const s = jailSet(spec.jail);
      for (const e of entries) {
        s.set(parseAddr(e.ip).text, e.timeout);
        log.info(`[${spec.jail}] dummy: ban ${e.ip}${e.timeout === null ? " permanently" : ` for ${e.timeout} s`}`);
      }
    },
    async unban(spec: FirewallJailSpec, ips: string[]) {
      const s = jailSet(spec.jail);
      for (const ip of ips) {
        s.delete(parseAddr(ip).text);
        log.info(`[${spec.jail}] dummy: unban ${ip}`);
      }
    },
    async list(spec: FirewallJailSpec) {
      return [...jailSet(spec.jail).keys()];
    },
    async check(spec: FirewallJailSpec) {
      return banned.has(spec.jail);
    },
    async stop(spec: FirewallJailSpec) {
      banned.delete(spec.jail);
      log.info(`[${spec.jail}] dummy: stop`);
    },
  };
}

export type BackendDeps = NftablesDeps & IpsetDeps;

/** Builds the backend a plan names. */
export function createBackend(plan: BanactionPlan, deps: BackendDeps): FirewallBackend {
  switch (plan.backend) {
    case "nftables":
      return nftablesBackend(deps);
    case "iptables-ipset":
      return ipsetBackend(deps);
    case "dummy":
      return dummyBackend(deps.log);
  }
}
