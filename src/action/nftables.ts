// Native nftables backend: one `inet` table shared by all jails; per jail and address family a
// timeout set for single addresses (`addr-<jail>-v4|v6`) and an interval+timeout set for networks
// (`net-<jail>-v4|v6`), so ban timeouts live in the kernel; one base chain per hook (input, and
// forward when the jail's `chain` asks for FORWARD or DOCKER-USER). Every change set is ONE
// `nft -j -f -` transaction, so a ban of 10,000 addresses is atomic and fast.
//
// Docker: Docker's DOCKER-USER chain lives in iptables; an nftables base chain on the forward hook
// at priority -1 sees the same forwarded packets before Docker's filter (priority 0), and a drop or
// reject in any base chain is final. Note that published ports are DNAT'ed in prerouting, so a
// forward rule sees the container's port: use allports or the container port for such jails.
import { CommandFailedError, runChecked } from "./exec.ts";
import {
  addBaseChain, addSet, addTable, chainName, elementCmd, elementsToText, elemValue, jailRules, objRef, SET_KINDS, setName,
  type NftCmd, type NftNames,
} from "./nft-json.ts";
import { normaliseSpec, parseAddr, type Family, type ParsedAddr, type ServiceResolver } from "./spec.ts";
import { silentLog, type ActionLog, type BanEntry, type CommandRunner, type FirewallBackend, type FirewallJailSpec } from "./types.ts";

export interface NftablesDeps {
  run: CommandRunner;
  /** table name, default "f2b" (family is always inet) */
  table?: string;
  /** base chain priority, default -1 like fail2ban's nftables action (before the filter at 0) */
  priority?: number;
  nft?: string;
  log?: ActionLog;
  resolveService?: ServiceResolver;
  timeoutMs?: number;
}

const FAMILIES: Family[] = ["v4", "v6"];
const allSets = (jail: string): string[] => FAMILIES.flatMap((f) => SET_KINDS.map((k) => setName(jail, f, k)));

interface TableObjects {
  chains: Set<string>;
  sets: Set<string>;
}

export function nftablesBackend(deps: NftablesDeps): FirewallBackend {
  const names: NftNames = { family: "inet", table: deps.table ?? "f2b" };
  const prio = deps.priority ?? -1;
  const nft = deps.nft ?? "nft";
  const log = deps.log ?? silentLog;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  const apply = async (cmds: NftCmd[]): Promise<void> => {
    if (cmds.length === 0) return;
    await runChecked(deps.run, [nft, "-j", "-f", "-"], { input: JSON.stringify({ nftables: cmds }), timeoutMs });
  };

  const readTable = async (): Promise<TableObjects | null> => {
    const res = await deps.run.run([nft, "-j", "list", "table", names.family, names.table], { timeoutMs });
    if (res.code !== 0) {
      if (/No such file|does not exist/i.test(res.stderr)) return null;
      throw new CommandFailedError([nft, "-j", "list", "table", names.table], res);
    }
    const objs: TableObjects = { chains: new Set(), sets: new Set() };
    for (const item of parseNftJson(res.stdout)) {
      if ("chain" in item) objs.chains.add((item.chain as { name: string }).name);
      if ("set" in item) objs.sets.add((item.set as { name: string }).name);
    }
    return objs;
  };

  /** Tries the whole change set as one transaction. If the kernel refuses it because a network
   * overlaps one already banned, applies the addresses, then each network alone, so the rest
   * still takes effect (the refused network is logged). */
  const applyWithFallback = async (what: string, hostCmds: NftCmd[], nets: NftCmd[][]): Promise<void> => {
    try {
      await apply([...hostCmds, ...nets.flat()]);
    } catch (e) {
      if (nets.length === 0 || !/overlap|exists|No such file/i.test((e as Error).message)) throw e;
      await apply(hostCmds);
      for (const g of nets) {
        try {
          await apply(g);
        } catch (err) {
          log.warn(`nftables ${what}: ${(err as Error).message}`);
        }
      }
    }
  };

  return {
    name: "nftables",

    async start(spec: FirewallJailSpec): Promise<void> {
      const s = normaliseSpec(spec, deps.resolveService);
      const existing = await readTable();
      const cmds: NftCmd[] = [addTable(names), ...FAMILIES.flatMap((f) => SET_KINDS.map((k) => addSet(names, s.jail, f, k)))];
      for (const hook of ["input", "forward"] as const) {
        const name = chainName(s.jail, hook);
        if (s.hooks.includes(hook)) {
          // add is a no-op on an existing chain; the flush makes a re-start after a crash idempotent
          cmds.push(addBaseChain(names, s.jail, hook, prio), objRef("flush", "chain", names, name), ...jailRules(names, s, hook));
        } else if (existing?.chains.has(name)) {
          cmds.push(objRef("delete", "chain", names, name)); // hook dropped from the jail's config
        }
      }
      await apply(cmds);
    },

    async ban(spec: FirewallJailSpec, entries: BanEntry[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const hosts = new Map<Family, { vals: unknown[]; elems: unknown[] }>();
      const nets: NftCmd[][] = [];
      for (const e of dedupe(entries)) {
        if (e.timeout !== null && e.timeout <= 0) continue; // already expired: nothing to enforce
        const val = elemValue(e.addr);
        const elem = e.timeout === null ? val : { elem: { val, timeout: Math.max(1, Math.ceil(e.timeout)) } };
        if (e.addr.prefix === undefined) {
          const h = hosts.get(e.addr.family) ?? { vals: [], elems: [] };
          hosts.set(e.addr.family, h);
          h.vals.push(val);
          h.elems.push(elem);
        } else {
          const set = setName(jail, e.addr.family, "net");
          nets.push([elementCmd("add", names, set, [val]), elementCmd("delete", names, set, [val]), elementCmd("add", names, set, [elem])]);
        }
      }
      // add + delete + add: a re-ban replaces the old timeout on every kernel version, and the
      // whole change set stays one transaction of three commands per set
      const hostCmds = [...hosts].flatMap(([fam, h]) => {
        const set = setName(jail, fam, "addr");
        return [elementCmd("add", names, set, h.vals), elementCmd("delete", names, set, h.vals), elementCmd("add", names, set, h.elems)];
      });
      await applyWithFallback("ban", hostCmds, nets);
    },

    async unban(spec: FirewallJailSpec, ips: string[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const hosts = new Map<Family, unknown[]>();
      const nets: NftCmd[][] = [];
      for (const ip of new Set(ips)) {
        const a = parseAddr(ip);
        const val = elemValue(a);
        if (a.prefix === undefined) hosts.set(a.family, [...(hosts.get(a.family) ?? []), val]);
        else {
          const set = setName(jail, a.family, "net");
          nets.push([elementCmd("add", names, set, [val]), elementCmd("delete", names, set, [val])]);
        }
      }
      // the add makes the delete succeed when the element already expired in the kernel
      const hostCmds = [...hosts].flatMap(([fam, vals]) => {
        const set = setName(jail, fam, "addr");
        return [elementCmd("add", names, set, vals), elementCmd("delete", names, set, vals)];
      });
      await applyWithFallback("unban", hostCmds, nets);
    },

    async list(spec: FirewallJailSpec): Promise<string[]> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const out: string[] = [];
      for (const set of allSets(jail)) {
        const res = await deps.run.run([nft, "-j", "list", "set", names.family, names.table, set], { timeoutMs });
        if (res.code !== 0) continue; // set absent: jail not started
        for (const item of parseNftJson(res.stdout)) {
          if ("set" in item) out.push(...elementsToText(((item.set as { elem?: unknown[] }).elem) ?? []));
        }
      }
      return out;
    },

    async check(spec: FirewallJailSpec): Promise<boolean> {
      const s = normaliseSpec(spec, deps.resolveService);
      const t = await readTable();
      if (!t) return false;
      return allSets(s.jail).every((n) => t.sets.has(n)) && s.hooks.every((h) => t.chains.has(chainName(s.jail, h)));
    },

    async stop(spec: FirewallJailSpec): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const t = await readTable();
      if (!t) return;
      const cmds: NftCmd[] = [];
      for (const hook of ["input", "forward"] as const) {
        const c = chainName(jail, hook);
        if (t.chains.delete(c)) cmds.push(objRef("delete", "chain", names, c));
      }
      for (const s of allSets(jail)) {
        if (t.sets.delete(s)) cmds.push(objRef("delete", "set", names, s));
      }
      // the last jail out removes the (then empty) table; other jails' objects keep it alive
      if (t.chains.size === 0 && t.sets.size === 0) cmds.push(objRef("delete", "table", names));
      await apply(cmds);
    },
  };
}

function dedupe(entries: BanEntry[]): { addr: ParsedAddr; timeout: number | null }[] {
  const byKey = new Map<string, { addr: ParsedAddr; timeout: number | null }>();
  for (const e of entries) {
    const addr = parseAddr(e.ip);
    byKey.set(addr.text, { addr, timeout: e.timeout }); // the last request for an address wins
  }
  return [...byKey.values()];
}

function parseNftJson(text: string): Record<string, unknown>[] {
  try {
    const doc = JSON.parse(text) as { nftables?: Record<string, unknown>[] };
    return doc.nftables ?? [];
  } catch {
    throw new Error(`nft printed output that is not JSON: ${text.slice(0, 200)}`);
  }
}
