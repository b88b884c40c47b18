// A small in-memory Controller: the injected dependency of the API under test.
import { CommandFailedError, UnknownJailError } from "../../src/api/controller.ts";
import { parseIP } from "../../src/net/address.ts";
import { belowMinimum, DEFAULT_MIN_PREFIX } from "../../src/net/prefix.ts";
import type { ClusterStatus } from "../../src/cluster/cluster.ts";
import type {
  BanDetail,
  BanInfo,
  BanRecord,
  Controller,
  EventQuery,
  FailingEntry,
  JailCounters,
  JailHealth,
  JailKey,
  JailSettingsView,
  JailStatus,
  JailValue,
  ReloadOptions,
  ServerEvent,
  ServerKey,
  SettableKey,
  UnbanOptions,
} from "../../src/api/controller.ts";

interface FakeJail {
  files: string[];
  ignoreip: string[];
  bans: Map<string, BanInfo>;
  totalBanned: number;
  totalFailed: number;
  failed: number;
  journal?: string;
  /** Source problems ("PATH: why"); absent or empty: healthy. */
  problems?: string[];
  /** Epoch seconds of the last line read; absent or null: none yet. */
  lastLineAt?: number | null;
  failing?: FailingEntry[];
}

const SSHD_LINE = (ip: string, user: string): string => `Nov 22 10:00:01 host sshd[1234]: Failed password for ${user} from ${ip} port 22 ssh2`;

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
    [
      "sshd",
      {
        files: ["/var/log/auth.log"],
        ignoreip: ["127.0.0.1/8", "::1"],
        bans: new Map(),
        totalBanned: 0,
        totalFailed: 7,
        failed: 2,
        problems: [],
        lastLineAt: 1_763_805_590,
        failing: [
          {
            jail: "sshd",
            ip: "198.51.100.7",
            failures: 4,
            maxretry: 5,
            firstSeen: 1_763_805_300,
            lastSeen: 1_763_805_580,
            matches: [SSHD_LINE("198.51.100.7", "admin")],
            users: ["admin"],
          },
          {
            jail: "sshd",
            ip: "2001:db8::5",
            failures: 1,
            maxretry: 5,
            firstSeen: 1_763_805_500,
            lastSeen: 1_763_805_500,
            matches: [SSHD_LINE("2001:db8::5", "root")],
            users: ["root"],
          },
        ],
      },
    ],
    [
      "recidive",
      {
        files: [],
        journal: "_SYSTEMD_UNIT=f2b.service",
        ignoreip: [],
        bans: new Map(),
        totalBanned: 0,
        totalFailed: 0,
        failed: 0,
        problems: ["journal: journalctl: No journal files were found."],
        lastLineAt: null,
        failing: [],
      },
    ],
  ]);
  /** Bans lifted or expired, newest last (what banDetail reports as history). */
  readonly ended: BanRecord[] = [];
  readonly eventLog: ServerEvent[] = [];
  /** What cluster() answers: null while [cluster] is off. */
  clusterStatus: ClusterStatus | null = null;

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
      this.event({ kind: "ban", jail, ip, message: jail === "recidive" ? "banned permanently" : "banned for 10m (5 failures)" });
      n++;
    }
    return n;
  }
  /** A ban received from a cluster peer (as the server's: its origin, no matched lines). */
  async receiveBan(jail: string, ip: string, origin: string): Promise<void> {
    await this.banIp(jail, [ip]);
    this.jail(jail).bans.get(ip)!.origin = origin;
  }
  cluster(): ClusterStatus | null {
    return this.clusterStatus;
  }
  unbanIp(ips: string[], jail?: string, opts: UnbanOptions = {}): number {
    this.calls.push(`unbanIp ${ips.join(" ")} ${jail ?? "*"}${opts.by ? ` by ${opts.by}` : ""}`);
    let n = 0;
    for (const [name, j] of this.jails) {
      if (jail !== undefined && name !== jail) continue;
      for (const ip of ips) if (this.lift(j, ip, opts)) n++;
    }
    return n;
  }
  unbanAll(jail?: string, opts: UnbanOptions = {}): number {
    this.calls.push(`unbanAll ${jail ?? "*"}${opts.by ? ` by ${opts.by}` : ""}`);
    let n = 0;
    for (const [name, j] of this.jails) {
      if (jail !== undefined && name !== jail) continue;
      for (const ip of [...j.bans.keys()]) if (this.lift(j, ip, opts)) n++;
    }
    return n;
  }
  private lift(j: FakeJail, ip: string, opts: UnbanOptions): boolean {
    const b = j.bans.get(ip);
    if (!b) return false;
    j.bans.delete(ip);
    const ended = { at: this.now, how: "unbanned" as const, by: opts.by ?? "api" };
    this.ended.push({ ...this.record(b), active: false, ended });
    this.event({ kind: "unban", jail: b.jail, ip, message: `unbanned by ${ended.by}`, ended });
    return true;
  }
  private record(b: BanInfo): BanRecord {
    const user = b.jail === "sshd" ? "root" : "";
    return {
      jail: b.jail,
      ip: b.ip,
      timeOfBan: b.timeOfBan,
      bantime: b.bantime,
      end: b.bantime === -1 ? null : b.timeOfBan + b.bantime,
      banCount: b.banCount,
      failures: 5,
      matches: b.jail === "sshd" && b.origin === undefined ? [SSHD_LINE(b.ip, user)] : [],
      users: user && b.origin === undefined ? [user] : [],
      active: true,
      ...(b.origin === undefined ? {} : { origin: b.origin }),
    };
  }
  /** Appends to the event log (tests call it to add events of their own). */
  event(e: Omit<ServerEvent, "id" | "time"> & { time?: number }): ServerEvent {
    const full: ServerEvent = { id: this.eventLog.length + 1, time: this.now, ...e };
    this.eventLog.push(full);
    return full;
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
  banDetail(ip: string): BanDetail {
    const current = this.banned()
      .filter((b) => b.ip === ip)
      .map((b) => this.record(b))
      .sort((a, b) => b.timeOfBan - a.timeOfBan);
    const history = this.ended.filter((r) => r.ip === ip).reverse();
    return { ip, current, history, failing: this.failing().filter((f) => f.ip === ip) };
  }
  failing(jail?: string): FailingEntry[] {
    if (jail !== undefined) this.jail(jail);
    return [...this.jails.entries()]
      .filter(([name]) => jail === undefined || name === jail)
      .flatMap(([, j]) => j.failing ?? [])
      .sort((a, b) => b.failures / b.maxretry - a.failures / a.maxretry || b.lastSeen - a.lastSeen);
  }
  jailHealth(name: string): JailHealth {
    const j = this.jail(name);
    const problems = j.problems ?? [];
    const lastLineAt = j.lastLineAt ?? null;
    const ok = problems.length === 0;
    const lastLineAgeSec = lastLineAt === null ? null : this.now - lastLineAt;
    const silentSec = lastLineAgeSec ?? 3600;
    const source = j.journal
      ? { kind: "journal" as const, ok, problems, files: [], journalMatch: j.journal, lastLineAt, lastLineAgeSec, silentSec }
      : {
          kind: "files" as const,
          ok,
          problems,
          lastLineAt,
          lastLineAgeSec,
          silentSec,
          files: j.files.map((path) => ({ path, state: "ok" as const, size: 52_113, position: 52_113, lastLineAt, modifiedAt: lastLineAt })),
        };
    return { ok, problems: [...problems], source, action: { ok: true, problems: [] } };
  }
  jailSettings(name: string): JailSettingsView {
    const j = this.jail(name);
    const recidive = name === "recidive";
    return {
      maxretry: 5,
      findtime: 600,
      bantime: recidive ? 604800 : 600,
      maxmatches: 10,
      increment: { enabled: !recidive, factor: "1", formula: "", multipliers: "1 2 4 8 16 32 64", maxtime: 604800, rndtime: null, overalljails: false },
      ignoreip: [...j.ignoreip],
      ignoreself: true,
      ignorecommand: "",
      actions: recidive ? ["nftables-allports"] : ["nftables-multiport"],
      backend: j.journal ? "systemd" : "auto",
      filter: recidive ? "recidive" : "sshd",
      logpath: [...j.files],
      journalmatch: j.journal ? [j.journal] : [],
    };
  }
  events(q: EventQuery): ServerEvent[] {
    const limit = Math.min(q.limit ?? 100, 1000);
    return this.eventLog
      .filter(
        (e) =>
          (q.since === undefined || e.time >= q.since) &&
          (q.afterId === undefined || e.id > q.afterId) &&
          (q.jail === undefined || e.jail === q.jail) &&
          (q.kinds === undefined || q.kinds.includes(e.kind)),
      )
      .reverse()
      .slice(0, limit);
  }
}
