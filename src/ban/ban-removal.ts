// Taking bans off the firewall: a manual unban, expired bans, or bans a network ban now covers.
// The entries are "removing" while the effector works; a refusal puts them back to "active" with
// a retry time, and the ban is kept meanwhile.
import type { Clock } from "../system/clock.ts";
import type { BanIndex } from "./ban-index.ts";
import type { BanReport } from "./ban-report.ts";
import { type BanEntry, nextState } from "./ban-state.ts";
import type { BanEffector, BanLifted } from "./types.ts";

/** Seconds before a refused unban is tried again. */
const UNBAN_RETRY = 30;

export interface RemovalContext {
  jail: string;
  clock: Clock;
  effector: BanEffector;
  index: BanIndex;
  report: BanReport;
  /** Queues the entry's next due time (its retry). */
  reschedule(e: BanEntry): void;
  /** Resolves once every "Restore Ban" line is logged, so an "Unban" never comes first. */
  restoreLogged(): Promise<void>;
}

/**
 * Moves the entries (all "active") to "removing" and asks the effector to unban them in one call;
 * resolves true once they are gone. lifted: a manual unban; absent: they expired or were retired.
 */
export function removeFromFirewall(ctx: RemovalContext, es: BanEntry[], lifted?: BanLifted): Promise<boolean> {
  for (const e of es) e.state = nextState(e.state, "remove")!;
  const removal = unbanInFirewall(ctx, es, lifted).finally(() => {
    for (const e of es) if (e.removal === removal) delete e.removal;
  });
  for (const e of es) e.removal = removal;
  return removal;
}

async function unbanInFirewall(ctx: RemovalContext, es: BanEntry[], lifted?: BanLifted): Promise<boolean> {
  try {
    await ctx.effector.unban(
      ctx.jail,
      es.map((e) => e.ip),
    );
  } catch (err) {
    const retryAt = ctx.clock.now() + UNBAN_RETRY;
    const what = es.length === 1 ? `ip ${es[0]!.ip}` : `${es.length} ips`;
    ctx.report.log("error", `Failed to execute unban jail '${ctx.jail}' ${what}: ${(err as Error).message}`);
    for (const e of es) {
      e.state = nextState(e.state, "remove-refused")!;
      e.retryAt = retryAt;
      ctx.reschedule(e);
    }
    return false;
  }
  await ctx.restoreLogged();
  for (const e of es) {
    nextState(e.state, "removed");
    ctx.index.delete(e.ip);
    ctx.report.log("notice", `Unban ${e.ip}`);
    ctx.report.event("unban", e.ip, lifted ? `unbanned by ${lifted.by}` : "expired", lifted ?? "expired");
  }
  return true;
}
