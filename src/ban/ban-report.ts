import { secondsToStr } from "../jail/time.ts";
import type { BanTicket } from "../jail/types.ts";
import type { EventRecorder } from "../api/insight.ts";
import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";
import type { BanLifted } from "./types.ts";

export type LogLevel = "debug" | "info" | "notice" | "warning" | "error";

/** A jail's ban log lines ("[sshd] Ban 192.0.2.1") and event log records; errors go to both. */
export class BanReport {
  constructor(
    private readonly jail: string,
    private readonly deps: { log: Log; clock: Clock; events?: EventRecorder },
  ) {}

  log(level: LogLevel, msg: string): void {
    this.deps.log[level](`[${this.jail}] ${msg}`);
    if (level === "error") this.deps.events?.record({ kind: "error", jail: this.jail, message: msg });
  }

  /** `lifted`: how an unban ended (by hand, or "expired"). */
  event(kind: "ban" | "restore" | "prolong" | "unban", ip: string | null, message: string, lifted?: BanLifted | "expired"): void {
    const ended =
      lifted === undefined
        ? undefined
        : lifted === "expired"
          ? { at: this.deps.clock.now(), how: "expired" as const }
          : { ...lifted, how: "unbanned" as const };
    this.deps.events?.record({ kind, jail: this.jail, ip, message, ...(ended ? { ended } : {}) });
  }
}

/** The event log's text for a new ban: "banned for 10m (3 failures, ban #2)". */
export function banMessage(t: BanTicket): string {
  const length = t.bantime === -1 ? "permanently" : `for ${secondsToStr(t.bantime)}`;
  return `banned ${length} (${t.failures} failure${t.failures === 1 ? "" : "s"}${t.banCount > 1 ? `, ban #${t.banCount}` : ""})`;
}
