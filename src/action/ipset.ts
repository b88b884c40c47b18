// iptables/ip6tables + ipset backend: per jail and family one `hash:net` ipset with per-entry
// timeouts (`timeout 0` default = permanent) and a chain `f2b-<jail>` holding the port/protocol
// match, jumped to from INPUT (and FORWARD or DOCKER-USER when the jail's `chain` says so).
// Bans and unbans are one `ipset restore -exist` call whatever their number; chain contents are
// written with one `iptables-restore --noflush` per family.
import { CommandFailedError, runChecked, type CommandRunner } from "../system/command.ts";
import { fitName, normaliseSpec, parseAddr, type BlockKind, type Family, type NormalisedSpec, type ServiceResolver } from "./spec.ts";
import type { Log } from "../system/log.ts";
import type { BanEntry, FirewallBackend, FirewallJailSpec } from "./types.ts";

/** The size f2b creates its ipsets with (ipset's own default is 65,536). */
export const IPSET_MAXELEM = 1_048_576;

export interface IpsetDeps {
  run: CommandRunner;
  log: Log;
  resolveService?: ServiceResolver;
  /** ipset maxelem (default 1,048,576; the hash grows on demand) */
  maxelem?: number;
  timeoutMs?: number;
}

/** ipset stores timeouts in milliseconds in 32 bits: longer bans go in without a kernel timeout
 * and are lifted by the ban manager's own timer. */
export const IPSET_MAX_TIMEOUT = 2147483;
const FAMILIES: Family[] = ["v4", "v6"];
const TOOLS = {
  v4: { tables: "iptables", restore: "iptables-restore", family: "inet" },
  v6: { tables: "ip6tables", restore: "ip6tables-restore", family: "inet6" },
} as const;
const HOOK_CHAINS = ["INPUT", "FORWARD", "DOCKER-USER"];

export const ipsetName = (jail: string, fam: Family): string => fitName("f2b-", jail, `-${fam}`, 31);
export const iptablesChain = (jail: string): string => fitName("f2b-", jail, "", 28);

function target(block: BlockKind, fam: Family, tcpOnly: boolean): string {
  if (block === "drop") return "-j DROP";
  if (block === "tcp-reset" && tcpOnly) return "-j REJECT --reject-with tcp-reset";
  return fam === "v4" ? "-j REJECT --reject-with icmp-port-unreachable" : "-j REJECT --reject-with icmp6-port-unreachable";
}

/** multiport takes at most 15 ports, a range counting as two */
function multiportChunks(spec: NormalisedSpec): string[] {
  const chunks: string[] = [];
  let cur: string[] = [];
  let slots = 0;
  for (const p of spec.ports ?? []) {
    const need = p.from === p.to ? 1 : 2;
    if (slots + need > 15) {
      chunks.push(cur.join(","));
      cur = [];
      slots = 0;
    }
    cur.push(p.from === p.to ? String(p.from) : `${p.from}:${p.to}`);
    slots += need;
  }
  if (cur.length) chunks.push(cur.join(","));
  return chunks;
}

export function chainRules(spec: NormalisedSpec, fam: Family): string[] {
  const chain = iptablesChain(spec.jail);
  const set = `-m set --match-set ${ipsetName(spec.jail, fam)} src`;
  const protocols = spec.protocols.length === 0 && spec.ports ? ["tcp", "udp", "sctp", "dccp"] : spec.protocols;
  const tcpOnly = protocols.length === 1 && protocols[0] === "tcp";
  const verdict = target(spec.block, fam, tcpOnly);
  const rules: string[] = [];
  for (const proto of protocols.length ? protocols : [null]) {
    const p = proto ? `-p ${proto} ` : "";
    if (!spec.ports) rules.push(`-A ${chain} ${p}${set} ${verdict}`);
    else for (const ports of multiportChunks(spec)) rules.push(`-A ${chain} ${p}-m multiport --dports ${ports} ${set} ${verdict}`);
  }
  rules.push(`-A ${chain} -j RETURN`);
  return rules;
}

export function ipsetBackend(deps: IpsetDeps): FirewallBackend {
  const log = deps.log;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const maxelem = deps.maxelem ?? IPSET_MAXELEM;
  const run = (argv: string[], input?: string) => deps.run.run(argv, { input, timeoutMs });
  const must = (argv: string[], input?: string) => runChecked(deps.run, argv, { input, timeoutMs });
  const ipsetRestore = async (lines: string[]): Promise<void> => {
    if (lines.length) await must(["ipset", "restore", "-exist"], lines.join("\n") + "\n");
  };

  const chainExists = async (fam: Family, chain: string): Promise<boolean> => (await run([TOOLS[fam].tables, "-w", "-n", "-L", chain])).code === 0;
  const jumpExists = async (fam: Family, from: string, chain: string): Promise<boolean> =>
    (await run([TOOLS[fam].tables, "-w", "-C", from, "-j", chain])).code === 0;

  /** iptables chains to jump from; DOCKER-USER only exists once Docker made it */
  const hookChains = async (spec: FirewallJailSpec, fam: Family): Promise<string[]> => {
    const out = new Set<string>();
    for (const raw of spec.chains.flatMap((c) => c.split(/[,\s]+/)).filter(Boolean)) {
      const c = raw.toUpperCase();
      if (c === "DOCKER-USER" && !(await chainExists(fam, "DOCKER-USER"))) {
        log.warning(`jail ${spec.jail}: no DOCKER-USER chain in ${TOOLS[fam].tables}, using FORWARD`);
        out.add("FORWARD");
      } else out.add(c === "F2B-INPUT" ? "INPUT" : c);
    }
    if (out.size === 0) out.add("INPUT");
    return [...out];
  };

  return {
    name: "iptables-ipset",

    async start(spec: FirewallJailSpec): Promise<void> {
      const s = normaliseSpec(spec, deps.resolveService);
      await ipsetRestore(FAMILIES.map((f) => `create ${ipsetName(s.jail, f)} hash:net family ${TOOLS[f].family} timeout 0 maxelem ${maxelem}`));
      const chain = iptablesChain(s.jail);
      for (const fam of FAMILIES) {
        // declaring the chain and flushing it makes a re-start after a crash idempotent
        const lines = ["*filter", `:${chain} - [0:0]`, `-F ${chain}`, ...chainRules(s, fam)];
        const wanted = await hookChains(spec, fam);
        for (const from of HOOK_CHAINS) {
          const present = (await chainExists(fam, from)) && (await jumpExists(fam, from, chain));
          if (wanted.includes(from) && !present) lines.push(`-I ${from} 1 -j ${chain}`);
          if (!wanted.includes(from) && present) lines.push(`-D ${from} -j ${chain}`); // hook dropped from the config
        }
        lines.push("COMMIT");
        await must([TOOLS[fam].restore, "-w", "--noflush"], lines.join("\n") + "\n");
      }
    },

    async ban(spec: FirewallJailSpec, entries: BanEntry[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const lines: string[] = [];
      for (const e of entries) {
        if (e.timeout !== null && e.timeout <= 0) continue;
        const a = parseAddr(e.ip);
        const t = e.timeout === null || e.timeout > IPSET_MAX_TIMEOUT ? 0 : Math.max(1, Math.ceil(e.timeout));
        // -exist: a re-ban of a present entry replaces its timeout
        lines.push(`add ${ipsetName(jail, a.family)} ${a.text} timeout ${t}`);
      }
      await ipsetRestore(lines);
    },

    async unban(spec: FirewallJailSpec, ips: string[]): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      await ipsetRestore(ips.map((ip) => parseAddr(ip)).map((a) => `del ${ipsetName(jail, a.family)} ${a.text}`));
    },

    async list(spec: FirewallJailSpec): Promise<string[]> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const out: string[] = [];
      for (const fam of FAMILIES) {
        const name = ipsetName(jail, fam);
        const res = await run(["ipset", "save", name]);
        if (res.code !== 0) continue; // set absent: jail not started
        for (const line of res.stdout.split("\n")) {
          const m = /^add \S+ (\S+)/.exec(line);
          if (m) out.push(m[1]!);
        }
      }
      return out;
    },

    async check(spec: FirewallJailSpec): Promise<boolean> {
      const s = normaliseSpec(spec, deps.resolveService);
      const chain = iptablesChain(s.jail);
      for (const fam of FAMILIES) {
        if ((await run(["ipset", "-n", "list", ipsetName(s.jail, fam)])).code !== 0) return false;
        if (!(await chainExists(fam, chain))) return false;
        for (const from of await hookChains(spec, fam)) if (!(await jumpExists(fam, from, chain))) return false;
      }
      return true;
    },

    async stop(spec: FirewallJailSpec): Promise<void> {
      const jail = normaliseSpec(spec, deps.resolveService).jail;
      const chain = iptablesChain(jail);
      for (const fam of FAMILIES) {
        const ipt = TOOLS[fam].tables;
        for (const from of HOOK_CHAINS) {
          // a crash may have left more than one jump behind
          for (let i = 0; i < 100 && (await run([ipt, "-w", "-D", from, "-j", chain])).code === 0; i++);
        }
        if (await chainExists(fam, chain)) {
          await must([ipt, "-w", "-F", chain]);
          await must([ipt, "-w", "-X", chain]);
        }
      }
      for (const fam of FAMILIES) {
        const name = ipsetName(jail, fam);
        const res = await run(["ipset", "destroy", name]);
        if (res.code !== 0 && !/does not exist/i.test(res.stderr)) throw new CommandFailedError(["ipset", "destroy", name], res);
      }
    },
  };
}
