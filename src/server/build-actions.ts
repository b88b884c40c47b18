// Turns a jail's `action = ...` entries into runnable actions: fail2ban's common banactions map
// to the native nftables / iptables+ipset backends; `dummy` only logs; any other action.d file
// runs its shell commands as fail2ban would.
import { ConfigError } from "../config/errors.ts";
import type { JailAction } from "../config/jail-reader.ts";
import { createCommandRunner } from "../action/exec.ts";
import { nftablesBackend } from "../action/nftables.ts";
import type { ActionLog, CommandRunner, FirewallBackend, FirewallJailSpec } from "../action/types.ts";
import type { Clock } from "../jail/clock.ts";
import { systemClock } from "../jail/clock.ts";
import { nativeAction, type JailActionRuntime } from "./jail-actions.ts";
import { getLog, type Log } from "./log.ts";
import type { JailSettings } from "./settings.ts";

export type NativeKind = "nftables" | "ipset";

/** fail2ban banaction file names f2b enforces natively. */
const NATIVE: Record<string, { kind: NativeKind; allports: boolean }> = {
  "nftables": { kind: "nftables", allports: false },
  "nftables-multiport": { kind: "nftables", allports: false },
  "nftables-allports": { kind: "nftables", allports: true },
  "iptables": { kind: "ipset", allports: false },
  "iptables-new": { kind: "ipset", allports: false },
  "iptables-multiport": { kind: "ipset", allports: false },
  "iptables-allports": { kind: "ipset", allports: true },
  "iptables-ipset": { kind: "ipset", allports: false },
  "iptables-ipset-proto4": { kind: "ipset", allports: false },
  "iptables-ipset-proto6": { kind: "ipset", allports: false },
  "iptables-ipset-proto6-allports": { kind: "ipset", allports: true },
};

export interface ActionFactoryOptions {
  log?: Log;
  clock?: Clock;
  runner?: CommandRunner;
  /** Check only: nothing is run. */
  dryRun?: boolean;
  /** nftables table name (tests use their own). */
  table?: string;
}

function actionLog(log: Log): ActionLog {
  return { info: (m) => log.info(m), warn: (m) => log.warning(m), error: (m) => log.error(m) };
}

/** The jail's firewall spec from the action's options (its [Init] plus what the jail passed). */
export function firewallSpec(jail: string, a: JailAction, allports: boolean): FirewallJailSpec {
  const o = { ...(a.definition?.properties ?? {}), ...a.options };
  const protocol = o["protocol"] ?? "tcp";
  // fail2ban's nftables actions name the hook chain_hook (their `chain` is a chain name);
  // the iptables ones use chain = INPUT / FORWARD / DOCKER-USER.
  const chain = a.name.startsWith("nftables") ? (o["chain_hook"] ?? (/^(input|forward)$/iu.test(o["chain"] ?? "") ? o["chain"]! : "input")) : (o["chain"] ?? "INPUT");
  return {
    jail,
    ports: allports ? "0:65535" : (o["port"] ?? "0:65535"),
    protocol: protocol === "all" ? "all" : protocol,
    allports: allports || protocol === "all",
    chains: chain.split(",").map((c) => c.trim()).filter((c) => c !== ""),
    blocktype: o["blocktype"] ?? "reject",
  };
}

function dummyAction(jail: string, name: string, log: Log): JailActionRuntime {
  return {
    name,
    start: async () => log.info(`[${jail}] ${name}: start (dry run, nothing is blocked)`),
    stop: async () => log.info(`[${jail}] ${name}: stop`),
    ban: async (ts) => ts.forEach((t) => log.notice(`[${jail}] ${name}: would ban ${t.ip}`)),
    unban: async (ips) => ips.forEach((ip) => log.notice(`[${jail}] ${name}: would unban ${ip}`)),
  };
}

export class ActionFactory {
  private readonly backends = new Map<NativeKind, FirewallBackend>();
  private readonly log: Log;
  private readonly clock: Clock;
  private readonly runner: CommandRunner;

  constructor(private readonly opts: ActionFactoryOptions = {}) {
    this.log = opts.log ?? getLog("actions");
    this.clock = opts.clock ?? systemClock;
    this.runner = opts.runner ?? createCommandRunner();
  }

  private backend(kind: NativeKind): FirewallBackend {
    let b = this.backends.get(kind);
    if (!b) {
      const log = actionLog(this.log);
      if (kind === "nftables") b = nftablesBackend({ run: this.runner, log, table: this.opts.table });
      else throw new ConfigError("the iptables+ipset backend is not available yet");
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
      if (a.name === "dummy") {
        out.push(dummyAction(s.name, a.name, this.log));
        continue;
      }
      const native = NATIVE[a.name];
      if (native) {
        const spec = firewallSpec(s.name, a, native.allports);
        if (!checkOnly) out.push(nativeAction(a.name, this.backend(native.kind), spec, this.clock));
        continue;
      }
      throw new ConfigError(`${where}: action '${a.name}': shell actions are not supported yet`);
    }
    return out;
  }
}
