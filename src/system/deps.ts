// The side effects every stage reaches the outside world through, built once at start-up by the
// server (and by tests exactly as the server does). Every field is required: a stage handed a
// SystemDeps cannot run with a resolver or a command runner quietly missing.
import { systemClock, type Clock } from "./clock.ts";
import { createCommandRunner, type CommandRunner } from "./command.ts";
import { systemLocalAddresses, type LocalAddresses } from "./local-addresses.ts";
import type { Logger } from "./log.ts";
import { systemResolver, type Resolver } from "./resolver.ts";

export interface SystemDeps {
  clock: Clock;
  /** Host names → addresses, one cache (ignoreip names, usedns, own host names). */
  resolver: Resolver;
  /** This host's addresses (ignoreself). */
  localAddresses: LocalAddresses;
  /** Runs every external program: shell actions, firewall tools, ignorecommand, getent. */
  runner: CommandRunner;
  /** Named fail2ban loggers ("filter", "actions", ...). */
  logger: Logger;
}

export interface SystemOptions {
  logger: Logger;
  clock?: Clock;
  /** A runner with options (e.g. a network namespace in tests); default: this host. */
  runner?: CommandRunner;
}

/** The real system: the host's clock, NSS, interfaces and processes. */
export function createSystemDeps(opts: SystemOptions): SystemDeps {
  const clock = opts.clock ?? systemClock;
  const runner = opts.runner ?? createCommandRunner();
  const log = opts.logger("ipdns");
  const resolver = systemResolver({ clock, runner, log });
  return { clock, resolver, localAddresses: systemLocalAddresses({ clock, resolver, log }), runner, logger: opts.logger };
}
