// A jail's network rules (f2b's banprefix4/6, escalate4/6, minprefix4/6; src/net/prefix.ts):
// which id a failure is counted under, when many banned addresses of one network become a ban of
// the network, and which networks may never be banned whole. ignoreip always wins over all three.
import { parseIP, type Family, type IPAddr } from "../net/address.ts";
import { belowMinimum, countingUnit, type PrefixPolicy } from "../net/prefix.ts";
import type { Log } from "../system/log.ts";
import type { BanTicket } from "../jail/types.ts";
import type { BanResult } from "./types.ts";

export interface PrefixBansDeps {
  jail: string;
  /** IgnoreList.ignoredInside: an ignored address or network sharing addresses with net. */
  ignoredInside(net: IPAddr): Promise<string | null>;
  /** The jail's ban manager. */
  bans: { ban(t: BanTicket): Promise<BanResult>; retireInside(net: string): Promise<number> };
  log: Log;
}

/** Prefixes whose "why not" line was logged; bounded so a scan of many networks cannot grow it. */
const LOGGED_MAX = 10_000;

export class PrefixBans {
  /** Escalation candidates: network key → banned unit → time of its ban. */
  private seen = new Map<string, Map<string, number>>();
  private logged = new Set<string>();
  private nextPrune = 0;

  constructor(
    private policy: PrefixPolicy,
    private readonly deps: PrefixBansDeps,
  ) {}

  /** Reload: the escalation counts gathered by the jail this one replaces. */
  adoptFrom(prev: PrefixBans): void {
    for (const [k, v] of prev.seen) if (!this.seen.has(k)) this.seen.set(k, v);
  }

  private get active(): boolean {
    const p = this.policy;
    return p.ban[4] < 32 || p.ban[6] < 128 || p.escalate[4] !== undefined || p.escalate[6] !== undefined;
  }

  /**
   * The id a failure of `id` is counted and banned under: its banprefix network, or the address
   * itself when banprefix is off, the id is no address, or the network holds an ignored address.
   * null: not counted at all (a network id that holds an ignored address or is below the minimum).
   */
  async countingId(id: string): Promise<string | null> {
    const ip = id.includes("/") || this.active ? parseIP(id) : null;
    if (!ip) return id;
    if (!ip.isSingle) {
      // a network found by the filter (recidive counting a network ban, a <SUBNET> failregex)
      const refused = await this.refusal(ip);
      if (refused) this.once(ip.toString(), `network ${ip} is not counted: ${refused}`);
      return refused ? null : ip.toString();
    }
    const unit = countingUnit(ip, this.policy);
    if (unit === ip) return ip.toString();
    const why = await this.deps.ignoredInside(unit);
    if (why === null) return unit.toString();
    this.once(unit.toString(), `${unit} holds ignored ${why}: failures of ${ip} count for the address alone`);
    return ip.toString();
  }

  /** Why net may not be banned by hand (too wide, or holding an ignored address), or null. */
  async refusal(net: IPAddr): Promise<string | null> {
    if (net.isSingle) return null;
    const short = belowMinimum(net, this.policy.min);
    if (short) return short;
    const why = await this.deps.ignoredInside(net);
    return why === null ? null : `${net.cidr} holds ignored ${why} (ignoreip always wins)`;
  }

  /** Seeds the escalation counts with a ban that exists already (restored at start). */
  remember(ip: string, time: number): void {
    const unit = parseIP(ip);
    const esc = unit ? this.policy.escalate[unit.family] : undefined;
    if (!unit || !esc || unit.plen <= esc.plen) return;
    const key = unit.truncate(esc.plen).toString();
    const units = this.seen.get(key) ?? new Map<string, number>();
    units.set(unit.toString(), time);
    this.seen.set(key, units);
  }

  /**
   * After a new ban of `t.ip`: when it makes `count` distinct bans inside one escalation network
   * within the window, bans the network (the jail's bantime, incremented by its own history) and
   * takes the bans it covers off the firewall. Returns the network banned, or null.
   */
  async afterBan(t: BanTicket): Promise<string | null> {
    const unit = parseIP(t.ip);
    const esc = unit ? this.policy.escalate[unit.family] : undefined;
    if (!unit || !esc || unit.plen <= esc.plen) return null;
    this.remember(t.ip, t.time);
    const net = unit.truncate(esc.plen);
    const key = net.toString();
    const units = this.seen.get(key)!;
    for (const [u, at] of units) if (at < t.time - esc.window) units.delete(u);
    this.prune(t.time);
    if (units.size < esc.count) return null;
    const refused = await this.refusal(net);
    if (refused) {
      this.once(key, `no escalation to ${key}: ${refused}; its addresses stay banned one by one`);
      return null;
    }
    const members = [...units.keys()];
    this.seen.delete(key);
    this.deps.log.notice(`[${this.deps.jail}] Escalate ${members.length} bans inside ${key} within ${esc.window}s to a ban of ${key}`);
    const r = await this.deps.bans.ban({
      jail: t.jail,
      ip: key,
      time: t.time,
      failures: members.length,
      matches: [],
      banCount: 0,
      bantime: t.bantime,
      data: { escalatedFrom: members },
    });
    if (r !== "banned" && r !== "already" && r !== "prolonged") return null;
    await this.deps.bans.retireInside(key);
    return key;
  }

  /** Drops networks whose newest ban left every window: once a minute, when there are many. */
  private prune(now: number): void {
    if (this.seen.size < 1000 || now < this.nextPrune) return;
    this.nextPrune = now + 60;
    const widest = Math.max(...([4, 6] as Family[]).map((f) => this.policy.escalate[f]?.window ?? 0));
    for (const [key, units] of this.seen) if (Math.max(...units.values()) < now - widest) this.seen.delete(key);
  }

  private once(key: string, msg: string): void {
    if (this.logged.has(key)) return;
    if (this.logged.size >= LOGGED_MAX) this.logged.clear();
    this.logged.add(key);
    this.deps.log.info(`[${this.deps.jail}] ${msg}`);
  }
}
