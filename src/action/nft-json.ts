// Builders for libnftables JSON commands (see libnftables-json(5)). Pure functions: the backend
// composes them into one {"nftables":[...]} transaction per change set.
import type { BlockKind, Family, NormalisedSpec, ParsedAddr, HookKind } from "./spec.ts";

export type NftCmd = Record<string, unknown>;

export interface NftNames {
  family: "inet";
  table: string;
}

/** Single addresses live in a hash set (fast add/delete even for 10,000 entries); networks (CIDR)
 * in an interval set, whose deletes nft 1.0.x handles slowly and which refuses overlaps. */
export type SetKind = "addr" | "net";
export const SET_KINDS: SetKind[] = ["addr", "net"];
export const setName = (jail: string, fam: Family, kind: SetKind = "addr"): string => `${kind}-${jail}-${fam}`;
export const chainName = (jail: string, hook: HookKind): string => `f2b-${jail}-${hook}`;

export function addTable(n: NftNames): NftCmd {
  return { add: { table: { family: n.family, name: n.table } } };
}

export function addSet(n: NftNames, jail: string, fam: Family, kind: SetKind): NftCmd {
  return {
    add: {
      set: {
        family: n.family,
        table: n.table,
        name: setName(jail, fam, kind),
        type: fam === "v4" ? "ipv4_addr" : "ipv6_addr",
        flags: kind === "net" ? ["interval", "timeout"] : ["timeout"],
      },
    },
  };
}

export function addBaseChain(n: NftNames, jail: string, hook: HookKind, prio: number): NftCmd {
  return {
    add: {
      chain: { family: n.family, table: n.table, name: chainName(jail, hook), type: "filter", hook, prio, policy: "accept" },
    },
  };
}

export function objRef(verb: "flush" | "delete", kind: "chain" | "set" | "table", n: NftNames, name?: string): NftCmd {
  const body = kind === "table" ? { family: n.family, name: n.table } : { family: n.family, table: n.table, name };
  return { [verb]: { [kind]: body } };
}

function verdict(block: BlockKind, tcpOnly: boolean): Record<string, unknown> {
  if (block === "drop") return { drop: null };
  if (block === "tcp-reset" && tcpOnly) return { reject: { type: "tcp reset" } };
  // icmpx: the inet family answers port-unreachable in ICMP or ICMPv6 as the packet needs
  return { reject: { type: "icmpx", expr: "port-unreachable" } };
}

const PORTED_PROTOCOLS = ["tcp", "udp", "sctp", "dccp"];

export function jailRules(n: NftNames, spec: NormalisedSpec, hook: HookKind): NftCmd[] {
  const matches: Record<string, unknown>[] = [];
  const protocols = spec.protocols.length === 0 && spec.ports ? PORTED_PROTOCOLS : spec.protocols;
  if (protocols.length > 0) {
    matches.push({
      match: { op: "==", left: { meta: { key: "l4proto" } }, right: protocols.length === 1 ? protocols[0] : { set: protocols } },
    });
  }
  if (spec.ports) {
    const elems = spec.ports.map((p) => (p.from === p.to ? p.from : { range: [p.from, p.to] }));
    matches.push({
      match: { op: "==", left: { payload: { protocol: "th", field: "dport" } }, right: { set: elems } },
    });
  }
  const tcpOnly = protocols.length === 1 && protocols[0] === "tcp";
  const combos = (["v4", "v6"] as const).flatMap((fam) => SET_KINDS.map((kind) => [fam, kind] as const));
  return combos.map(([fam, kind]) => ({
    add: {
      rule: {
        family: n.family,
        table: n.table,
        chain: chainName(spec.jail, hook),
        comment: `f2b jail ${spec.jail}`,
        expr: [
          ...matches,
          {
            match: {
              op: "==",
              left: { payload: { protocol: fam === "v4" ? "ip" : "ip6", field: "saddr" } },
              right: `@${setName(spec.jail, fam, kind)}`,
            },
          },
          verdict(spec.block, tcpOnly),
        ],
      },
    },
  }));
}

export function elemValue(a: ParsedAddr): unknown {
  return a.prefix === undefined ? a.addr : { prefix: { addr: a.addr, len: a.prefix } };
}

export function elementCmd(verb: "add" | "delete", n: NftNames, set: string, elems: unknown[]): NftCmd {
  return { [verb]: { element: { family: n.family, table: n.table, name: set, elem: elems } } };
}

/** Reads elements out of `nft -j list set` output back into "ip" / "net/len" strings. */
export function elementsToText(elems: unknown[]): string[] {
  const out: string[] = [];
  for (const e of elems) {
    const v = typeof e === "object" && e !== null && "elem" in e ? (e as { elem: { val: unknown } }).elem.val : e;
    if (typeof v === "string") out.push(v);
    else if (typeof v === "object" && v !== null && "prefix" in v) {
      const p = (v as { prefix: { addr: string; len: number } }).prefix;
      out.push(`${p.addr}/${p.len}`);
    } else if (typeof v === "object" && v !== null && "range" in v) {
      const r = (v as { range: [string, string] }).range;
      out.push(`${r[0]}-${r[1]}`);
    }
  }
  return out;
}
