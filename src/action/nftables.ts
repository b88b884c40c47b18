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
import { CommandFailedError, runChecked, type CommandRunner } from "../system/command.ts";
import {
  addBaseChain,
  addSet,
  addTable,
  chainName,
  elementCmd,
  elementsToText,
  elemValue,
  jailRules,
  objRef,
  SET_KINDS,
  setName,
  type NftCmd,
  type NftNames,
} from "./nft-json.ts";
import { normaliseSpec, parseAddr, type Family, type ParsedAddr, type ServiceResolver } from "./spec.ts";
import { normalizeIP, parseIP } from "../net/address.ts";
import type { Log } from "../system/log.ts";
import type { BanEntry, FirewallBackend, FirewallJailSpec } from "./types.ts";

export interface NftablesDeps {
  run: CommandRunner;
  /** table name, default "f2b" (family is always inet) */
  table?: string;
  /** base chain priority, default -1 like fail2ban's nftables action (before the filter at 0) */
  priority?: number;
  nft?: string;
  log: Log;
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
  const log = deps.log;
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
  const applyWithFallback = async (what: string, hostCmds: NftCmd[], nets: NftCmd[][]): Promise<Set<number>> => {
    const refused = new Set<number>(); // indexes of the network groups the kernel refused
    try {
      await apply([...hostCmds, ...nets.flat()]);
    } catch (e) {
      if (nets.length === 0 || !/overlap|exists|No such file/i.test((e as Error).message)) throw e;
      await apply(hostCmds);
      for (const [i, g] of nets.entries()) {
        try {
          await apply(g);
        } catch (err) {
          refused.add(i);
          log.warning(`nftables ${what}: ${(err as Error).message}`);
        }
      }
    }
    return refused;
  };

  const listSet = async (set: string): Promise<string[] | null> => {
    const res = await deps.run.run([nft, "-j", "list", "set", names.family, names.table, set], { timeoutMs });
    if (res.code !== 0) return null; // set absent: jail not started
    const out: string[] = [];
    for (const item of parseNftJson(res.stdout)) {
      if ("set" in item) out.push(...elementsToText((item.set as { elem?: unknown[] }).elem ?? []));
    }
    return out;
  };
  const contents = new SetContents(listSet);

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
      for (const set of allSets(s.jail)) contents.started(set, existing?.sets.has(set) ?? false);
    },

    async ban(spec: FirewallJailSpec, entries: BanEntry[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const hosts = new Map<Family, { fresh: unknown[]; rebanVals: unknown[]; rebanElems: unknown[] }>();
      const nets: NftCmd[][] = [];
      // expired entries dropped: nothing to enforce
      const todo = dedupe(entries).filter((e) => e.timeout === null || e.timeout > 0);
      const setOf = (a: ParsedAddr): string => setName(jail, a.family, a.prefix === undefined ? "addr" : "net");
      const knownBySet = new Map<string, Set<string>>();
      for (const set of new Set(todo.map((e) => setOf(e.addr)))) knownBySet.set(set, await contents.of(set));
      for (const e of todo) {
        const val = elemValue(e.addr);
        const elem = e.timeout === null ? val : { elem: { val, timeout: Math.max(1, Math.ceil(e.timeout)) } };
        const set = setOf(e.addr);
        const known = knownBySet.get(set)!;
        const key = elemKey(e.addr.text);
        // add + delete + add replaces the timeout of an element already in the set on every kernel
        // version; a plain add would keep the old one. Deletes are slow (the kernel waits for an RCU
        // grace period), so only elements that may be present take that path.
        const reban = known.has(key);
        known.add(key); // before the apply: a superset only costs speed, never a stale timeout
        if (e.addr.prefix === undefined) {
          const h = hosts.get(e.addr.family) ?? { fresh: [], rebanVals: [], rebanElems: [] };
          hosts.set(e.addr.family, h);
          if (reban) {
            h.rebanVals.push(val);
            h.rebanElems.push(elem);
          } else h.fresh.push(elem);
        } else {
          // An interval set refuses overlapping elements: networks inside this one (a subnet
          // escalation over banprefix networks) leave in the same transaction; it covers them.
          // A plain delete, of what the kernel lists right now: the add-then-delete used elsewhere
          // makes nft 1.0's overlap check fail within the transaction.
          const inner = innerNets(known, key).length ? innerNets(new Set(((await listSet(set)) ?? []).map(elemKey)), key) : [];
          for (const k of inner) known.delete(k);
          const clear = inner.map((k) => elementCmd("delete", names, set, [elemValue(parseAddr(k))]));
          nets.push(
            reban
              ? [...clear, elementCmd("add", names, set, [val]), elementCmd("delete", names, set, [val]), elementCmd("add", names, set, [elem])]
              : [...clear, elementCmd("add", names, set, [elem])],
          );
        }
      }
      const hostCmds = [...hosts].flatMap(([fam, h]) => {
        const set = setName(jail, fam, "addr");
        const cmds: NftCmd[] = h.fresh.length ? [elementCmd("add", names, set, h.fresh)] : [];
        if (h.rebanVals.length) {
          cmds.push(elementCmd("add", names, set, h.rebanVals), elementCmd("delete", names, set, h.rebanVals), elementCmd("add", names, set, h.rebanElems));
        }
        return cmds;
      });
      await applyWithFallback("ban", hostCmds, nets);
    },

    async unban(spec: FirewallJailSpec, ips: string[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const hosts = new Map<Family, { vals: unknown[]; keys: string[] }>();
      const nets: { set: string; key: string; cmds: NftCmd[] }[] = [];
      for (const ip of new Set(ips)) {
        const a = parseAddr(ip);
        const val = elemValue(a);
        if (a.prefix === undefined) {
          const h = hosts.get(a.family) ?? { vals: [], keys: [] };
          hosts.set(a.family, h);
          h.vals.push(val);
          h.keys.push(elemKey(a.text));
        } else {
          const set = setName(jail, a.family, "net");
          nets.push({ set, key: elemKey(a.text), cmds: [elementCmd("add", names, set, [val]), elementCmd("delete", names, set, [val])] });
        }
      }
      // the add makes the delete succeed when the element already expired in the kernel
      const hostCmds = [...hosts].flatMap(([fam, h]) => {
        const set = setName(jail, fam, "addr");
        return [elementCmd("add", names, set, h.vals), elementCmd("delete", names, set, h.vals)];
      });
      const refused = await applyWithFallback(
        "unban",
        hostCmds,
        nets.map((n) => n.cmds),
      );
      // forgotten only once gone from the kernel: a known element that is absent costs nothing wrong
      for (const [fam, h] of hosts) contents.forget(setName(jail, fam, "addr"), h.keys);
      nets.forEach((n, i) => {
        if (!refused.has(i)) contents.forget(n.set, [n.key]);
      });
    },

    async list(spec: FirewallJailSpec): Promise<string[]> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const out: string[] = [];
      for (const set of allSets(jail)) out.push(...((await listSet(set)) ?? []));
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
      for (const set of allSets(jail)) contents.drop(set);
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

/** Canonical element text, so "2001:DB8::1" from a log and "2001:db8::1" listed by nft meet. */
const elemKey = (text: string): string => normalizeIP(text);

/** The known networks strictly inside the network `key`. */
function innerNets(known: Set<string>, key: string): string[] {
  const outer = parseIP(key);
  if (!outer) return [];
  return [...known].filter((k) => {
    const n = k !== key ? parseIP(k) : null;
    return n !== null && outer.contains(n);
  });
}

/**
 * The elements each set may hold (a superset: kernel timeouts expire elements silently), so a ban
 * knows whether it must replace an element's timeout. A set this process created starts empty. A
 * set found at start() (a restart after a crash, or without stop) is listed once, at its first
 * ban: a plain add of an element already there would keep its old timeout, which is usually the
 * same ban end after a restart, but not when bantime or bantime.increment changed meanwhile.
 */
class SetContents {
  private readonly sets = new Map<string, Set<string> | Promise<Set<string>>>();

  constructor(private readonly listSet: (set: string) => Promise<string[] | null>) {}

  started(set: string, existed: boolean): void {
    if (!this.sets.has(set) && !existed) this.sets.set(set, new Set());
    // existed and untracked: stays untracked, listed by of(); tracked: a re-start changes nothing
  }

  /** The set's (possible) elements; lists it first when this process does not know them. */
  of(set: string): Set<string> | Promise<Set<string>> {
    const cur = this.sets.get(set);
    if (cur) return cur;
    const listing = this.listSet(set).then(
      (texts) => {
        const known = new Set<string>();
        for (const t of texts ?? []) known.add(elemKey(t));
        this.sets.set(set, known);
        return known;
      },
      (e: unknown) => {
        this.sets.delete(set); // listed again at the next ban
        throw e;
      },
    );
    this.sets.set(set, listing);
    return listing;
  }

  forget(set: string, keys: string[]): void {
    const known = this.sets.get(set);
    if (known instanceof Set) for (const k of keys) known.delete(k);
  }

  drop(set: string): void {
    this.sets.delete(set);
  }
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
