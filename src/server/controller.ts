// The control API's view of the running server (see src/api/controller.ts).
import {
  InvalidInputError,
  UnknownJailError,
  type BanEvent,
  type BanInfo,
  type Controller,
  type JailCounters,
  type JailKey,
  type JailStatus,
  type JailValue,
  type LatencySnapshot,
} from "../api/controller.ts";
import type { Clock } from "../system/clock.ts";
import { VERSION } from "../version.ts";
import type { JailRuntime } from "./jail-runtime.ts";
import type { F2bServer } from "./server.ts";
import { sourceStatus } from "./source-status.ts";

export interface ControllerHooks {
  /** Shuts the whole process down (after the reply went out). */
  shutdown(): void;
  flushLogs?(): "rolled over" | "flushed";
}

export class ServerController implements Controller {
  constructor(
    private readonly server: F2bServer,
    private readonly clock: Clock,
    private readonly hooks: ControllerHooks,
  ) {}

  private jail(name: string): JailRuntime {
    const j = this.server.jails.get(name);
    if (!j) throw new UnknownJailError(name);
    return j.runtime;
  }

  private targets(jail?: string): JailRuntime[] {
    return jail ? [this.jail(jail)] : [...this.server.jails.values()].map((j) => j.runtime);
  }

  version(): string {
    return VERSION;
  }

  ping(): void {}

  status(): { jails: string[] } {
    return { jails: [...this.server.jails.keys()].sort() };
  }

  jailStatus(name: string): JailStatus {
    const j = this.jail(name);
    const bans = j.bans.list();
    return {
      name,
      filter: {
        currentlyFailed: j.failManager.size(),
        totalFailed: j.failManager.getFailTotal(),
        ...sourceStatus(j.settings, j.sourceDescription()),
        ...(j.counters.linesAbandoned ? { linesAbandoned: j.counters.linesAbandoned } : {}),
      },
      actions: {
        currentlyBanned: bans.length,
        totalBanned: j.bans.totalBanned(),
        bannedIPs: bans.map((b) => b.ip),
      },
    };
  }

  async banIp(jail: string, ips: string[]): Promise<number> {
    const j = this.jail(jail);
    const now = this.clock.now();
    let n = 0;
    for (const ip of ips) {
      const r = await j.bans.ban({ jail, ip, time: now, failures: j.settings.maxretry, matches: [], banCount: 0, bantime: j.settings.bantime });
      if (r === "banned") n++;
      else if (r === "failed") throw new Error(`the firewall refused to ban ${ip} in jail '${jail}' (see the server log)`);
    }
    return n;
  }

  async unbanIp(ips: string[], jail?: string): Promise<number> {
    let n = 0;
    for (const j of this.targets(jail)) {
      for (const ip of ips) if ((await j.bans.unban(ip)) === "unbanned") n++;
    }
    return n;
  }

  async unbanAll(jail?: string): Promise<number> {
    let n = 0;
    for (const j of this.targets(jail)) n += await j.bans.unbanAll();
    return n;
  }

  get(jail: string, key: JailKey): JailValue {
    const j = this.jail(jail);
    const s = j.settings;
    switch (key) {
      case "banned":
      case "banip":
        return j.bans.list().map((b) => b.ip);
      case "maxretry": return s.maxretry;
      case "findtime": return s.findtime;
      case "bantime": return s.bantime;
      case "maxmatches": return s.maxmatches;
      case "maxlines": return j.filter.maxLines;
      case "usedns": return s.usedns;
      case "logencoding": return s.logencoding;
      case "backend": return s.backend;
      case "logpath": {
        const st = j.sourceState();
        return st?.kind === "files" ? st.positions.map((p) => p.path) : s.logpaths.map((p) => p.path);
      }
      case "ignoreip": return j.ignore.entries();
      case "ignoreself": return j.ignore.ignoreself;
      case "ignorecommand": return j.ignore.ignorecommand ?? "";
      case "journalmatch": return s.journalmatch.map((g) => g.join(" "));
      case "datepattern": return s.filter.datepattern ?? null;
      case "failregex": return s.filter.failregex;
      case "ignoreregex": return s.filter.ignoreregex;
      case "prefregex": return s.filter.prefregex ?? "";
      case "actions": return this.server.jails.get(jail)!.effector.actions.map((a) => a.name);
    }
  }

  addIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    if (!j.ignore.add(ip)) throw new InvalidInputError(`cannot add '${ip}' to ignoreip`, "ip");
    return j.ignore.entries();
  }

  delIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    j.ignore.del(ip);
    return j.ignore.entries();
  }

  banned(): BanInfo[] {
    const now = this.clock.now();
    const out: BanInfo[] = [];
    for (const j of this.targets()) {
      for (const b of j.bans.list()) {
        out.push({
          jail: j.name,
          ip: b.ip,
          timeOfBan: b.time,
          bantime: b.bantime,
          remaining: b.end === Infinity ? null : Math.max(0, Math.round(b.end - now)),
          banCount: b.banCount,
        });
      }
    }
    return out;
  }

  async reload(jail?: string): Promise<void> {
    if (jail) this.jail(jail);
    await this.server.reload(jail);
  }

  stop(): void {
    this.hooks.shutdown();
  }

  metrics(): JailCounters[] {
    return this.targets().map((j) => ({
      jail: j.name,
      currentlyFailed: j.failManager.size(),
      totalFailed: j.failManager.getFailTotal(),
      currentlyBanned: j.bans.size(),
      totalBanned: j.bans.totalBanned(),
      linesRead: j.counters.linesRead,
      linesMatched: j.counters.linesMatched,
      linesAbandoned: j.counters.linesAbandoned,
    }));
  }

  banHistory(since: number): BanEvent[] {
    return this.server.store.banEvents(since);
  }

  banLatency(): LatencySnapshot[] {
    return this.targets().map((j) => j.banLatency.snapshot(j.name));
  }

  flushLogs(): "rolled over" | "flushed" {
    return this.hooks.flushLogs?.() ?? "flushed";
  }
}
