// The actions of one jail behind the ban manager's BanEffector: native firewall backends for
// the common banactions, fail2ban action.d shell files for the rest. The native backends are the
// authority: if one refuses, the ban did not happen. A failing shell action (mail, web hook ...)
// is only logged, unless the jail has no native backend: then shell actions are its firewall and
// all of them failing means no change.
import type { BanEffector, BanTicket } from "../ban/types.ts";
import { remainingTimeout } from "../action/effector.ts";
import type { BanEntry, FirewallBackend, FirewallJailSpec } from "../action/types.ts";
import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";

export interface JailActionRuntime {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ban(tickets: BanTicket[]): Promise<void>;
  unban(ips: string[]): Promise<void>;
  /** Native backends: the addresses the firewall holds now (for reconcile); absent for shell actions. */
  list?(): Promise<string[]>;
  /** Native backends: whether the jail's table/set/chain are present. */
  check?(): Promise<boolean>;
}

/** Seconds the kernel keeps a ban after f2b's own unban time: f2b unbans first (and logs it),
 * yet a ban still ends on time if f2b is not running. */
const KERNEL_TIMEOUT_SLACK = 5;

export function nativeAction(name: string, backend: FirewallBackend, spec: FirewallJailSpec, clock: Clock): JailActionRuntime {
  const entry = (t: BanTicket): BanEntry => {
    const left = remainingTimeout(t, clock.now());
    return { ip: t.ip, timeout: left === null ? null : left + KERNEL_TIMEOUT_SLACK };
  };
  return {
    name,
    start: () => backend.start(spec),
    stop: () => backend.stop(spec),
    ban: (ts) => backend.ban(spec, ts.map(entry)),
    unban: (ips) => backend.unban(spec, ips),
    list: () => backend.list(spec),
    check: () => backend.check(spec),
  };
}

/** Runs a jail's firewall changes one after another, so a reconcile pass can never re-add an
 * address that an unban is removing at the same moment. */
export class JailEffector implements BanEffector {
  private chain: Promise<unknown> = Promise.resolve();
  /** Actions whose last start failed, with the reason. */
  private readonly notStarted = new Map<JailActionRuntime, string>();

  constructor(
    private readonly jail: string,
    readonly actions: JailActionRuntime[],
    private readonly log: Log,
    /** The jail's current bans: what an action that starts late has missed. */
    private readonly currentBans: () => BanTicket[] = () => [],
  ) {}

  private async all(what: string, ips: string[], run: (a: JailActionRuntime) => Promise<void>): Promise<void> {
    const ip = ips.length === 1 ? ips[0]! : `${ips.length} addresses`;
    if (this.actions.length === 0) return;
    const results = await Promise.allSettled(this.actions.map(run));
    const native = this.actions.some((a) => a.list);
    let refused: Error | null = null;
    let failures = 0;
    results.forEach((r, i) => {
      if (r.status === "fulfilled") return;
      const a = this.actions[i]!;
      const err = new Error(`[${this.jail}] action '${a.name}' failed to ${what} ${ip}: ${(r.reason as Error)?.message ?? r.reason}`);
      this.log.error(err.message);
      failures++;
      if (a.list) refused ??= err;
    });
    if (refused) throw refused;
    if (!native && failures === this.actions.length) throw new Error(`[${this.jail}] every action failed to ${what} ${ip}`);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** One batch: each native backend gets all tickets in one firewall transaction. */
  ban(ts: BanTicket[]): Promise<void> {
    return this.serial(async () => {
      if (this.notStarted.size) await this.retryStarts();
      return this.all(
        "ban",
        ts.map((t) => t.ip),
        (a) => a.ban(ts),
      );
    });
  }

  unban(_jail: string, ips: string[]): Promise<void> {
    return this.serial(() => this.all("unban", ips, (a) => a.unban(ips)));
  }

  /** Reconcile: in turn with other changes, lets `fn` compare and repair each action. */
  inTurn<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(fn);
  }

  /** Starts every action; one that fails leaves the jail unhealthy (problems()) until it starts. */
  async start(): Promise<void> {
    for (const a of this.actions) await this.startAction(a);
  }

  /** Starts one action and records the outcome; false when it failed. */
  async startAction(a: JailActionRuntime): Promise<boolean> {
    try {
      await a.start();
    } catch (e) {
      const why = (e as Error).message;
      // Logged once per reason: a retry before every ban must not flood the log.
      if (this.notStarted.get(a) !== why) {
        this.log.error(
          `[${this.jail}] action '${a.name}' failed to start: ${why}; the jail is UNHEALTHY: ` +
            "bans are not applied until it starts (retried before each ban, at every reconcile and on reload)",
        );
      }
      this.notStarted.set(a, why);
      return false;
    }
    if (this.notStarted.delete(a)) {
      this.log.notice(`[${this.jail}] action '${a.name}' started; the jail is healthy again`);
      const missed = this.currentBans();
      if (missed.length) {
        await a.ban(missed).then(
          () => this.log.notice(`[${this.jail}] action '${a.name}' got the ${missed.length} current ban(s) it had missed`),
          (e: unknown) =>
            this.log.error(`[${this.jail}] action '${a.name}' failed to ban the ${missed.length} current ban(s) it had missed: ${(e as Error).message}`),
        );
      }
    }
    return true;
  }

  /** Starts again each action whose start failed (fail2ban, too, tries again on each ban). */
  async retryStarts(): Promise<void> {
    for (const a of [...this.notStarted.keys()]) await this.startAction(a);
  }

  /** A reload kept the firewall objects of `previous` (same actions): its failed starts are ours
   *  (the caller then tries them again: a reload is when an admin who fixed the cause expects it). */
  inheritFailures(previous: JailEffector): void {
    previous.actions.forEach((a, i) => {
      const why = previous.notStarted.get(a);
      const mine = this.actions[i];
      if (why !== undefined && mine) this.notStarted.set(mine, why);
    });
  }

  /** Why the jail cannot ban as configured: "action 'NAME' failed to start: why"; empty when healthy. */
  problems(): string[] {
    return [...this.notStarted].map(([a, why]) => `action '${a.name}' failed to start: ${why}`);
  }

  async stop(): Promise<void> {
    for (const a of [...this.actions].reverse()) {
      try {
        await a.stop();
      } catch (e) {
        this.log.error(`[${this.jail}] action '${a.name}' failed to stop: ${(e as Error).message}`);
      }
    }
  }
}
