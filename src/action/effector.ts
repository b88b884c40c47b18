// The BanEffector the ban manager talks to: per jail one native backend (optional) plus any
// action.d shell actions, fed from ban tickets. The native backend is the authority: when it
// refuses a ban the promise rejects (nothing changed); a failing shell action (mail, a web hook
// ...) is logged and does not undo a ban the firewall already holds.
import type { BanEffector, BanTicket } from "../ban/types.ts";
import type { Action, ActionInfo } from "./shell-action.ts";
import { silentLog, type ActionLog, type BanEntry, type FirewallBackend, type FirewallJailSpec } from "./types.ts";

export interface JailActions {
  spec: FirewallJailSpec;
  backend?: FirewallBackend;
  actions?: Action[];
}

export interface EffectorDeps {
  now: () => number;
  log?: ActionLog;
}

/** Seconds the kernel should keep the ban: what is left of it now; null = permanent. */
export function remainingTimeout(t: Pick<BanTicket, "time" | "bantime">, now: number): number | null {
  return t.bantime < 0 ? null : t.time + t.bantime - now;
}

export function ticketInfo(t: BanTicket): ActionInfo {
  return {
    ip: t.ip, failures: t.failures, time: t.time, bantime: t.bantime, bancount: t.banCount,
    matches: t.matches, restored: t.restored ?? false, data: t.data,
  };
}

export function jailsEffector(jails: Map<string, JailActions>, deps: EffectorDeps): BanEffector {
  const log = deps.log ?? silentLog;
  const jailOf = (name: string): JailActions => {
    const j = jails.get(name);
    if (!j) throw new Error(`no actions configured for jail ${JSON.stringify(name)}`);
    return j;
  };

  const runActions = async (j: JailActions, what: string, fn: (a: Action) => Promise<void>): Promise<void> => {
    let failed: unknown = null;
    let ok = 0;
    for (const a of j.actions ?? []) {
      try {
        await fn(a);
        ok++;
      } catch (e) {
        failed = e;
        log.error(`[${j.spec.jail}] action ${a.name} ${what}: ${(e as Error).message}`);
      }
    }
    // without a native backend the shell actions are the firewall: all failing means no change
    if (!j.backend && ok === 0 && failed) throw failed;
  };

  const banJail = async (jail: string, ts: BanTicket[]): Promise<void> => {
    const j = jailOf(jail);
    if (j.backend) {
      const now = deps.now();
      const entries: BanEntry[] = ts.map((t) => ({ ip: t.ip, timeout: remainingTimeout(t, now) }));
      await j.backend.ban(j.spec, entries);
    }
    for (const t of ts) await runActions(j, `ban ${t.ip}`, (a) => a.ban(ticketInfo(t)));
  };

  return {
    ban: (t) => banJail(t.jail, [t]),
    async banMany(ts) {
      const byJail = new Map<string, BanTicket[]>();
      for (const t of ts) byJail.set(t.jail, [...(byJail.get(t.jail) ?? []), t]);
      for (const [jail, list] of byJail) await banJail(jail, list);
    },
    async unban(jail, ip) {
      const j = jailOf(jail);
      if (j.backend) await j.backend.unban(j.spec, [ip]);
      await runActions(j, `unban ${ip}`, (a) => a.unban({ ip }));
    },
  };
}
