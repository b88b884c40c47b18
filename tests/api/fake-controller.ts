// A small in-memory Controller: the injected dependency of the API under test.
import { CommandFailedError, UnknownJailError } from "../../src/api/controller.ts";
import { parseIP } from "../../src/net/address.ts";
import { belowMinimum, DEFAULT_MIN_PREFIX } from "../../src/net/prefix.ts";
import type { BanInfo, Controller, JailCounters, JailKey, JailStatus, JailValue, ReloadOptions, ServerKey, SettableKey } from "../../src/api/controller.ts";

interface FakeJail {
  files: string[];
  ignoreip: string[];
  bans: Map<string, BanInfo>;
  totalBanned: number;
  totalFailed: number;
  failed: number;
  journal?: string;
}

export class FakeController implements Controller {
  readonly calls: string[] = [];
  stopped = false;
  reloaded: (string | undefined)[] = [];
  reloadOpts: ReloadOptions[] = [];
  level = "INFO";
  /** Thrown by the next reload (then cleared). */
  reloadError: Error | null = null;
  readonly settings = new Map<string, string>();
  now = 1_763_805_600;
  readonly jails = new Map<string, FakeJail>([
    ["sshd", { files: ["/var/log/auth.log"], ignoreip: ["127.0.0.1/8", "::1"], bans: new Map(), totalBanned: 0, totalFailed: 7, failed: 2 }],
    ["recidive", { files: [], journal: "_SYSTEMD_UNIT=f2b.service", ignoreip: [], bans: new Map(), totalBanned: 0, totalFailed: 0, failed: 0 }],
  ]);

  private jail(name: string): FakeJail {
    const j = this.jails.get(name);
    if (!j) throw new UnknownJailError(name);
    return j;
  }

  version(): string {
    return "0.1.0";
  }
  ping(): void {}
  status(): { jails: string[] } {
    return { jails: [...this.jails.keys()].sort() };
  }
  jailStatus(name: string): JailStatus {
    const j = this.jail(name);
    return {
      name,
      filter: {
        currentlyFailed: j.failed,
        totalFailed: j.totalFailed,
        ...(j.journal ? { journalMatches: j.journal } : { fileList: j.files }),
      },
      actions: { currentlyBanned: j.bans.size, totalBanned: j.totalBanned, bannedIPs: [...j.bans.keys()] },
    };
  }
  async banIp(jail: string, ips: string[]): Promise<number> {
    // as the server's controller: a network below the jail's minprefix (here the default) is refused, nothing banned
    for (const ip of ips) {
      const why = belowMinimum(parseIP(ip)!, DEFAULT_MIN_PREFIX);
      if (why) throw new CommandFailedError(`refusing to ban '${ip}': ${why}`);
    }
    this.calls.push(`banIp ${jail} ${ips.join(" ")}`);
    const j = this.jail(jail);
    let n = 0;
    for (const ip of ips) {
      if (j.bans.has(ip)) continue;
      j.bans.set(ip, { jail, ip, timeOfBan: this.now, bantime: jail === "recidive" ? -1 : 600, remaining: jail === "recidive" ? null : 600, banCount: 1 });
      j.totalBanned++;
      n++;
    }
    return n;
  }
  unbanIp(ips: string[], jail?: string): number {
    this.calls.push(`unbanIp ${ips.join(" ")} ${jail ?? "*"}`);
    let n = 0;
    for (const [name, j] of this.jails) {
      if (jail !== undefined && name !== jail) continue;
      for (const ip of ips) if (j.bans.delete(ip)) n++;
    }
    return n;
  }
  unbanAll(jail?: string): number {
    this.calls.push(`unbanAll ${jail ?? "*"}`);
    let n = 0;
    for (const [name, j] of this.jails) {
      if (jail !== undefined && name !== jail) continue;
      n += j.bans.size;
      j.bans.clear();
    }
    return n;
  }
  get(jail: string, key: JailKey): JailValue {
    const j = this.jail(jail);
    switch (key) {
      case "banned":
      case "banip":
        return [...j.bans.keys()];
      case "maxretry":
        return 5;
      case "findtime":
        return 600;
      case "bantime":
        return jail === "recidive" ? 604800 : 600;
      case "logpath":
        return j.files;
      case "ignoreip":
        return j.ignoreip;
      default:
        return null;
    }
  }
  addIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    if (!j.ignoreip.includes(ip)) j.ignoreip.push(ip);
    return j.ignoreip;
  }
  delIgnoreIp(jail: string, ip: string): string[] {
    const j = this.jail(jail);
    j.ignoreip = j.ignoreip.filter((x) => x !== ip);
    return j.ignoreip;
  }
  banned(): BanInfo[] {
    return [...this.jails.values()].flatMap((j) => [...j.bans.values()]);
  }
  reload(jail?: string, opts: ReloadOptions = {}): void {
    const err = this.reloadError;
    this.reloadError = null;
    if (err) throw err;
    if (jail !== undefined && !opts.ifExists) this.jail(jail);
    this.reloaded.push(jail);
    this.reloadOpts.push(opts);
  }
  startJail(jail: string): void {
    this.calls.push(`startJail ${jail}`);
    this.jail(jail);
  }
  stopJail(jail: string): void {
    this.calls.push(`stopJail ${jail}`);
    this.jail(jail);
  }
  stopAllJails(): void {
    this.calls.push("stopAllJails");
  }
  setJail(jail: string, key: SettableKey, value: string): JailValue {
    this.jail(jail);
    this.settings.set(`${jail} ${key}`, value);
    return value;
  }
  logLevel(): string {
    return this.level;
  }
  serverSetting(key: ServerKey): string | number | null {
    return { logtarget: "/var/log/f2b.log", dbfile: "/var/lib/f2b/f2b.sqlite3", dbpurgeage: 86400, dbmaxmatches: 10 }[key];
  }
  setLogLevel(level: string): string {
    this.level = level.toUpperCase();
    return this.level;
  }
  stop(): void {
    this.stopped = true;
  }
  metrics(): JailCounters[] {
    return [...this.jails.entries()].map(([jail, j]) => ({
      jail,
      currentlyFailed: j.failed,
      totalFailed: j.totalFailed,
      currentlyBanned: j.bans.size,
      totalBanned: j.totalBanned,
      linesRead: 100,
      linesMatched: j.totalFailed,
      linesAbandoned: 0,
    }));
  }
}
