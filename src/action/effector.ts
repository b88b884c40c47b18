// How a ban ticket reaches the actions: the kernel timeout a native backend gets, and the
// ticket as an action.d shell action sees it. (The per-jail BanEffector that combines native
// backends and shell actions is src/server/jail-actions.ts.)
import type { BanTicket } from "../ban/types.ts";
import type { ActionInfo } from "./shell-action.ts";

/** Seconds the kernel should keep the ban: what is left of it now; null = permanent. */
export function remainingTimeout(t: Pick<BanTicket, "time" | "bantime">, now: number): number | null {
  return t.bantime < 0 ? null : t.time + t.bantime - now;
}

export function ticketInfo(t: BanTicket): ActionInfo {
  return {
    ip: t.ip,
    failures: t.failures,
    time: t.time,
    bantime: t.bantime,
    bancount: t.banCount,
    matches: t.matches,
    restored: t.restored ?? false,
    data: t.data,
  };
}
