// Turns a jail's `action = ...` entries into runnable actions: fail2ban's common banactions map
// to the native nftables / iptables+ipset backends (planBanaction), `dummy` only logs, and any
// other action.d file runs its shell commands as fail2ban would. Backends are shared by jails.
import { ConfigError } from "../config/errors.ts";
import type { JailAction } from "../config/jail-reader.ts";
import { createBackend, planBanaction, type NativeBackendName } from "../action/banaction.ts";
import { ticketInfo } from "../action/effector.ts";
import { normaliseSpec } from "../action/spec.ts";
import type { CommandRunner } from "../system/command.ts";
import { shellAction } from "../action/shell-action.ts";
import type { FirewallBackend, FirewallJailSpec } from "../action/types.ts";
import type { Clock } from "../system/clock.ts";
import type { SystemDeps } from "../system/deps.ts";
import { nativeAction, type JailActionRuntime } from "./jail-actions.ts";
import type { Log } from "../system/log.ts";
import type { JailSettings } from "./settings.ts";

export interface ActionFactoryOptions {
  /** Clock, command runner and the "actions" logger. */
  system: SystemDeps;
  /** Check only: nothing is run. */
  dryRun?: boolean;
  /** nftables table name (tests use their own). */
  table?: string;
}

/** The jail's firewall spec from the action's options (its [Init] plus what the jail passed). */
export function firewallSpec(jail: string, a: JailAction, allports: boolean): FirewallJailSpec {
  // The action's combined options have its tags resolved (chain = <known/chain> → INPUT).
  const o = { ...a.options, ...(a.definition?.options ?? {}) };
  const protocol = o["protocol"] ?? "tcp";
  // fail2ban's nftables actions name the hook chain_hook (their `chain` is a chain name such as
  // f2b-chain); the iptables ones and f2b's jails say chain = INPUT / FORWARD / DOCKER-USER.
  const hookWords = /^\s*(input|forward|docker-user)(\s*,\s*(input|forward|docker-user))*\s*$/iu;
  const chainOpt = o["chain"] ?? "";
  const chain = a.name.startsWith("nftables") ? (o["chain_hook"] ?? (hookWords.test(chainOpt) ? chainOpt : "input")) : chainOpt || "INPUT";
  return {
    jail,
    ports: allports ? "0:65535" : (o["port"] ?? "0:65535"),
    protocol: protocol === "all" ? "all" : protocol,
    allports: allports || protocol === "all",
    chains: chain
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== ""),
    blocktype: o["blocktype"] ?? "reject",
  };
}

/** Blocktypes that let a banned address through (an allow list) instead of blocking it. */
const ALLOW_LIST_BLOCKTYPE = /^\s*(return|accept)\s*$/iu;

export class ActionFactory {
  private readonly backends = new Map<NativeBackendName | "dummy", FirewallBackend>();
  private readonly log: Log;
  private readonly clock: Clock;
  private readonly runner: CommandRunner;

  constructor(private readonly opts: ActionFactoryOptions) {
    this.log = opts.system.logger("actions");
    this.clock = opts.system.clock;
    this.runner = opts.system.runner;
  }

  private backend(kind: NativeBackendName | "dummy"): FirewallBackend {
    let b = this.backends.get(kind);
    if (!b) {
      b = createBackend({ backend: kind, allports: false }, { run: this.runner, log: this.log, table: this.opts.table });
      this.backends.set(kind, b);
    }
    return b;
  }

  /** Throws a ConfigError (naming the jail's file and line) for an action f2b cannot run. */
  check(settings: JailSettings[]): void {
    for (const s of settings) this.build(s, true);
  }

  build(s: JailSettings, checkOnly = this.opts.dryRun ?? false): JailActionRuntime[] {
    const out: JailActionRuntime[] = [];
    for (const a of s.actions) {
      const where = `jail [${s.name}] (${s.where})`;
      if (a.python) {
        this.log.warning(`${where}: Python action ${a.python} cannot run in f2b; skipped`);
        continue;
      }
      const type = a.options["type"];
      const plan = planBanaction(type ? `${a.name}[type=${type}]` : a.name);
      const spec = plan && firewallSpec(s.name, a, plan.allports);
      // `blocktype = RETURN` (stock pass2allow-ftp) turns the chain into an allow list, which the
      // native sets do not model: fail2ban's own action.d file runs it, exactly as fail2ban does.
      if (plan && spec && !(a.definition && ALLOW_LIST_BLOCKTYPE.test(spec.blocktype))) {
        try {
          normaliseSpec(spec); // port names, protocol, blocktype, chain: what the backend's start would refuse
        } catch (e) {
          throw new ConfigError(`${where}: action '${a.name}' cannot start: ${(e as Error).message}`);
        }
        if (!checkOnly) out.push(nativeAction(a.name, this.backend(plan.backend), spec, this.clock));
        continue;
      }
      if (!a.definition) throw new ConfigError(`${where}: action '${a.name}' has no action.d definition`);
      const def = a.definition;
      if (checkOnly) continue;
      const action = shellAction(def, { run: this.runner, log: this.log, now: () => this.clock.now() });
      out.push({
        name: def.name,
        start: () => action.start(),
        stop: () => action.stop(),
        ban: async (ts) => {
          for (const t of ts) await action.ban(ticketInfo(t));
        },
        unban: async (ips) => {
          for (const ip of ips) await action.unban({ ip });
        },
      });
    }
    return out;
  }
}
