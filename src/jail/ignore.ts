import { type ShellScript, ShellScriptBuilder } from "../system/shell-script.ts";
import type { Clock } from "../system/clock.ts";
import type { CommandRunner } from "../system/command.ts";
import type { LocalAddresses } from "../system/local-addresses.ts";
import type { Log } from "../system/log.ts";
import type { Resolver } from "../system/resolver.ts";
import { IgnoreFile, ignoreFileName } from "./ignore-file.ts";
import { IPAddr, parseIP } from "../net/address.ts";
import { parseIPv4 } from "../net/inet.ts";

export interface IgnoreOptions {
  jail: string;
  ignoreip?: string[];
  ignoreself?: boolean;
  ignorecommand?: string;
  commandTimeoutMs?: number;
  /** fail2ban ignorecache: remembers decisions per key (tags substituted), e.g. key "<ip>". */
  ignorecache?: IgnoreCacheOptions | null;
}

export interface IgnoreCacheOptions {
  key: string;
  maxCount: number;
  maxTime: number;
}

/** From the system deps (src/system): the resolver and own addresses cache their answers. */
export interface IgnoreDeps {
  clock: Clock;
  resolver: Resolver;
  localAddresses: LocalAddresses;
  runner: CommandRunner;
  log: Log;
}

/** What a check is about: the id plus the failure's captured fields for F-* tags. */
export interface IgnoreSubject {
  id: string;
  failures?: number;
  data?: Record<string, unknown>;
}

/** As fail2ban logs it ("Ignore 192.0.2.1 by ip"); an allow-list file by its name ("by file://etc/f2b/allow.txt"). */
export type IgnoreReason = "ignoreself rule" | "ip" | "dns" | "command" | `file:${string}`;

/** fail2ban's ignoreip / ignoreself / ignorecommand checks for one jail. */
export class IgnoreList {
  private singles = new Set<string>();
  private nets: IPAddr[] = [];
  private names: string[] = [];
  /** `file:/path` entries (fail2ban 1.1): read lazily, re-read when the file changes. */
  private files: IgnoreFile[] = [];
  /** Parsed answers, kept while the resolver hands out the same (cached) array. */
  private parsedNames = new WeakMap<readonly string[], IPAddr[]>();
  private parsedSelf: { from: readonly string[]; ips: Set<string> } | null = null;
  private decisions = new Map<string, { until: number; reason: IgnoreReason | null }>();

  constructor(
    private opts: IgnoreOptions,
    private readonly deps: IgnoreDeps,
  ) {
    for (const e of opts.ignoreip ?? []) this.add(e);
  }

  set ignoreself(v: boolean) {
    this.opts.ignoreself = v;
    this.changed();
  }
  get ignoreself(): boolean {
    return this.opts.ignoreself ?? false;
  }
  set ignorecommand(v: string | undefined) {
    this.opts.ignorecommand = v;
    this.changed();
  }
  set ignorecache(v: IgnoreCacheOptions | null) {
    this.opts.ignorecache = v;
    this.changed();
  }
  get ignorecache(): IgnoreCacheOptions | null {
    return this.opts.ignorecache ?? null;
  }
  get ignorecommand(): string | undefined {
    return this.opts.ignorecommand;
  }

  /** Adds an IP, CIDR, DNS name or `file:/path`; returns false for an exact duplicate. */
  add(entry: string): boolean {
    const e = entry.trim();
    if (e === "") return false;
    const fileName = ignoreFileName(e);
    if (fileName !== null) {
      if (this.files.some((f) => f.fileName === fileName)) return false;
      this.files.push(new IgnoreFile(fileName, { clock: this.deps.clock, log: this.deps.log, jail: this.opts.jail }));
      this.changed();
      return true;
    }
    const ip = parseIP(e);
    if (ip?.isSingle) {
      const k = ip.toString();
      if (this.singles.has(k)) return false;
      this.singles.add(k);
    } else if (ip) {
      if (this.nets.some((n) => n.equals(ip))) return false;
      this.nets.push(ip);
    } else {
      if (this.names.includes(e) || this.singles.has(e)) return false;
      // An unresolvable non-IP entry can still match an F-ID exactly, as fail2ban's raw compare does.
      this.names.push(e);
    }
    this.changed();
    return true;
  }

  /** Changing the lists invalidates cached decisions. */
  private changed(): void {
    this.decisions.clear();
    this.singleAddrs = null;
  }
  /** The single addresses of the ip list, parsed (ignoredInside), until the list changes. */
  private singleAddrs: IPAddr[] | null = null;

  /** Removes one entry (as listed) or, without argument, all. Returns whether something was removed. */
  del(entry?: string): boolean {
    this.changed();
    if (entry === undefined) {
      this.singles.clear();
      this.nets = [];
      this.names = [];
      this.files = [];
      return true;
    }
    const fileName = ignoreFileName(entry);
    if (fileName !== null) {
      const before = this.files.length;
      this.files = this.files.filter((f) => f.fileName !== fileName);
      return before !== this.files.length;
    }
    const ip = parseIP(entry.trim());
    const k = ip ? ip.toString() : entry.trim();
    if (this.singles.delete(k)) return true;
    const before = this.nets.length + this.names.length;
    this.nets = this.nets.filter((n) => n.toString() !== k);
    this.names = this.names.filter((n) => n !== k);
    return before !== this.nets.length + this.names.length;
  }

  entries(): string[] {
    return [...this.nets.map(String), ...this.names, ...this.files.map((f) => f.label), ...this.singles];
  }

  /** The reason the id is ignored ("ip", "dns", "ignoreself rule", "command"), or null. Never throws: failures of DNS/commands mean "not ignored". */
  async check(subject: IgnoreSubject): Promise<IgnoreReason | null> {
    const cache = this.opts.ignorecache;
    if (!cache) return this.decide(subject);
    const ckey = substituteTags(cache.key, normalizeKey(subject.id), subject);
    const now = this.deps.clock.now();
    const hit = this.decisions.get(ckey);
    if (hit && hit.until > now) return hit.reason;
    const reason = await this.decide(subject);
    if (this.decisions.size >= cache.maxCount) {
      for (const [k, v] of this.decisions) if (v.until <= now) this.decisions.delete(k);
      // Still full: drop the oldest entries (Map keeps insertion order).
      for (const k of this.decisions.keys()) {
        if (this.decisions.size < cache.maxCount) break;
        this.decisions.delete(k);
      }
    }
    this.decisions.set(ckey, { until: now + cache.maxTime, reason });
    return reason;
  }

  private async decide(subject: IgnoreSubject): Promise<IgnoreReason | null> {
    const ip = parseIP(subject.id);
    const key = ip ? ip.toString() : subject.id;
    const self = this.opts.ignoreself && ip ? await this.selfIPs() : null;
    return this.matchLocal(ip, key, self) ?? this.matchRemote(subject, ip, key);
  }

  /** ignoreself, then the ip list and networks: the checks that need no DNS answer or process. */
  private matchLocal(ip: IPAddr | null, key: string, self: Set<string> | null): IgnoreReason | null {
    if (self?.has(key)) return this.found(key, "ignoreself rule");
    if (this.singles.has(key)) return this.found(key, "ip");
    if (ip && this.nets.some((n) => n.contains(ip))) return this.found(key, "ip");
    for (const f of this.files) {
      const c = f.current();
      if (c.singles.has(key) || (ip && c.nets.some((n) => n.contains(ip)))) return this.found(key, f.label);
    }
    return null;
  }

  private remoteChecks(): boolean {
    return this.names.length > 0 || !!this.opts.ignorecommand || this.files.some((f) => f.current().names.length > 0);
  }

  private async matchRemote(subject: IgnoreSubject, ip: IPAddr | null, key: string): Promise<IgnoreReason | null> {
    for (const name of this.names) {
      if (await this.nameMatches(name, subject.id, ip)) return this.found(key, "dns");
    }
    for (const f of this.files) {
      for (const name of f.current().names) {
        if (await this.nameMatches(name, subject.id, ip)) return this.found(key, f.label);
      }
    }
    if (this.opts.ignorecommand) {
      if (await this.runCommand(this.opts.ignorecommand, key, subject)) return this.found(key, "command");
    }
    return null;
  }

  /** A host name entry covers the id: the same text (a raw failure id), or one of its addresses. */
  private async nameMatches(name: string, id: string, ip: IPAddr | null): Promise<boolean> {
    return name === id || (ip !== null && (await this.resolve(name)).some((r) => r.equals(ip)));
  }

  async isIgnored(subject: IgnoreSubject | string): Promise<boolean> {
    return (await this.check(typeof subject === "string" ? { id: subject } : subject)) !== null;
  }

  /**
   * check() of many ids at once (restoring 100,000 bans): the ids that are ignored, with the
   * reason. The own addresses are fetched once and the ip/network checks run without a pause per
   * id; only ids left over then wait, one after another, for DNS names and the ignorecommand, as
   * check() would. With an ignorecache every id goes through check(), whose key may cover many ids.
   */
  async ignoredAmong(ids: readonly string[]): Promise<Map<string, IgnoreReason>> {
    const out = new Map<string, IgnoreReason>();
    if (this.opts.ignorecache) {
      for (const id of ids) {
        const r = await this.check({ id });
        if (r) out.set(id, r);
      }
      return out;
    }
    const remote = this.remoteChecks();
    const files = this.files.length > 0;
    if (ids.length === 0 || (!this.opts.ignoreself && this.singles.size === 0 && this.nets.length === 0 && !files && !remote)) return out;
    const self = this.opts.ignoreself ? await this.selfIPs() : null;
    // Canonical dotted quads (what the ban database holds) skip parseIP's BigInt work: their text
    // is already the key, and an IPv4 address can only fall into an IPv4 network.
    const v4Nets = this.nets.filter((n) => n.family === 4).map((n) => ({ base: Number(n.addr), shift: 32 - n.plen }));
    const inV4Nets = (x: number): boolean => v4Nets.some((n) => n.shift === 32 || x >>> n.shift === n.base >>> n.shift);
    const rest: { id: string; ip: IPAddr | null; key: string }[] = [];
    for (const id of ids) {
      let r: IgnoreReason | null;
      const v4 = files ? null : parseIPv4(id);
      if (v4 !== null) r = self?.has(id) ? "ignoreself rule" : this.singles.has(id) || inV4Nets(v4) ? "ip" : null;
      else {
        const ip = parseIP(id);
        r = this.matchLocal(ip, ip ? ip.toString() : id, ip ? self : null);
      }
      if (r) out.set(id, r);
      else if (remote) {
        const ip = parseIP(id);
        rest.push({ id, ip, key: ip ? ip.toString() : id });
      }
    }
    for (const { id, ip, key } of rest) {
      const r = await this.matchRemote({ id }, ip, key);
      if (r) out.set(id, r);
    }
    return out;
  }

  /**
   * An ignored address or network that shares addresses with net ("ignoreip always wins": such a
   * network is never banned whole), or null. Looks at the ip list, networks, files, own addresses
   * (ignoreself) and the answers for host names; not at ignorecommand, which judges one id at a time.
   */
  async ignoredInside(net: IPAddr): Promise<string | null> {
    const hit = (ip: IPAddr): boolean => ip.contains(net) || net.contains(ip);
    const parsed = (keys: Iterable<string>): IPAddr[] => [...keys].flatMap((k) => parseIP(k) ?? []);
    this.singleAddrs ??= parsed(this.singles);
    const lists: IPAddr[][] = [this.singleAddrs, this.nets];
    for (const f of this.files) lists.push(parsed(f.current().singles), f.current().nets);
    if (this.opts.ignoreself) lists.push(parsed(await this.selfIPs()));
    for (const list of lists) for (const ip of list) if (hit(ip)) return ip.toString();
    for (const name of [...this.names, ...this.files.flatMap((f) => f.current().names)]) {
      const ip = (await this.resolve(name)).find(hit);
      if (ip) return `${name} (${ip.toString()})`;
    }
    return null;
  }

  // The caller logs "[jail] Ignore <ip> by <reason>" (fail2ban's line) once, with its own logger.
  private found(_id: string, by: IgnoreReason): IgnoreReason {
    return by;
  }

  /** fail2ban resolves a name in ignoreip at each check (isInNet → dnsToIp), its cache answering. */
  private async resolve(name: string): Promise<IPAddr[]> {
    const answers = await this.deps.resolver.resolve(name);
    let ips = this.parsedNames.get(answers);
    if (!ips) {
      ips = answers.map((a) => parseIP(a)).filter((a): a is IPAddr => a !== null);
      this.parsedNames.set(answers, ips);
    }
    return ips;
  }

  /** The own addresses, canonical; parsed again only when the provider's cached list changes. */
  private async selfIPs(): Promise<Set<string>> {
    let from: readonly string[] = [];
    try {
      from = await this.deps.localAddresses.addresses();
    } catch (e) {
      this.deps.log.error(`[${this.opts.jail}] Retrieving own IPs failed: ${(e as Error).message}`);
    }
    if (this.parsedSelf?.from === from) return this.parsedSelf.ips;
    const ips = new Set<string>();
    for (const a of from) {
      const ip = parseIP(a);
      if (ip) ips.add(ip.toString());
    }
    this.parsedSelf = { from, ips };
    return ips;
  }

  /** Tags arrive as positional parameters (never as command text); exit 0 = ignore, 1 = don't, anything else is logged and means don't. */
  private async runCommand(template: string, id: string, subject: IgnoreSubject): Promise<boolean> {
    const { script, args } = ignoreCommandScript(template, id, subject);
    const cmd = substituteTags(template, id, subject); // for the log only
    this.deps.log.debug(`ignore command: ${cmd}`);
    try {
      const r = await this.deps.runner.run(["/bin/sh", "-c", script, "f2b-ignorecommand", ...args], { timeoutMs: this.opts.commandTimeoutMs ?? 60_000 });
      if (r.code === 0) return true;
      if (r.code !== 1) this.deps.log.error(`[${this.opts.jail}] ignorecommand ${JSON.stringify(cmd)} failed with exit code ${r.code}: ${r.stderr.trim()}`);
    } catch (e) {
      this.deps.log.error(`[${this.opts.jail}] ignorecommand ${JSON.stringify(cmd)} failed: ${(e as Error).message}`);
    }
    return false;
  }
}

const TAG = /<([\w-]+)>/g;

/** The value of <ip>, <fid>, <family>, <failures> or <F-NAME> for one check; undefined for other tags. */
function tagValue(tag: string, id: string, subject: IgnoreSubject): string | undefined {
  let v: unknown;
  if (tag === "ip" || tag === "fid") v = id;
  else if (tag === "family") {
    const ip = parseIP(id);
    v = ip ? (ip.family === 4 ? "inet4" : "inet6") : "";
  } else if (tag === "failures") v = subject.failures ?? 1;
  else if (tag.startsWith("F-")) v = subject.data?.[tag.slice(2).toLowerCase()] ?? "";
  else return undefined;
  return Array.isArray(v) ? v.join("\n") : String(v);
}

/** The tags replaced as plain text (ignorecache keys, the log); unknown tags stay as written. */
export function substituteTags(template: string, id: string, subject: IgnoreSubject): string {
  return template.replace(TAG, (whole, tag: string) => tagValue(tag, id, subject) ?? whole);
}

/** ignorecommand as `sh -c` text with every tag value as a positional parameter (the one shell policy). */
export function ignoreCommandScript(template: string, id: string, subject: IgnoreSubject): ShellScript {
  const values = new ShellScriptBuilder();
  let out = "";
  let last = 0;
  for (const m of template.matchAll(TAG)) {
    out += template.slice(last, m.index);
    const v = tagValue(m[1]!, id, subject);
    out += v === undefined ? m[0] : values.insert(out, m[1]!, v);
    last = m.index + m[0].length;
  }
  return values.finish(out + template.slice(last));
}

function normalizeKey(id: string): string {
  return parseIP(id)?.toString() ?? id;
}
