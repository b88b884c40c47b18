// Ban sharing between hosts through one Redis/Valkey stream. Bans and manual unbans decided here
// are signed and appended; entries of other hosts are checked (signature, replay, share list,
// network width, expiry, per-peer rate, ignoreip) and handed to the matching jail's ban manager,
// many at a time so they reach the firewall in few batches. A received ban carries its origin in
// the ticket's data, which keeps it from being published again (no echo) and shows where it came
// from; it is stored like any ban, so it survives a restart or a Redis outage.
import type { Database } from "bun:sqlite";
import type { BanChange, BanResult, UnbanResult } from "../ban/types.ts";
import type { BanTicket } from "../jail/types.ts";
import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";
import type { ClusterConfig } from "./config.ts";
import { addressRefusal, encode, sign, verify, type ClusterMessage } from "./message.ts";
import { RedisLink, type ConnectRedis, type LinkState, type StreamEntry } from "./redis-link.ts";
import { ClusterState } from "./state.ts";
import { TokenBuckets } from "./token-bucket.ts";

/** What the cluster needs of a running jail. */
export interface ClusterJail {
  name: string;
  ban(t: BanTicket): Promise<BanResult>;
  unban(ip: string): Promise<UnbanResult>;
  ignoredAmong(ips: string[]): Promise<{ has(ip: string): boolean }>;
  /** Why this jail would not ban a network (shorter than its minprefix4/6, an ignored address inside), or null. */
  refusal(ip: string): Promise<string | null>;
}

export interface ClusterDeps {
  connect: ConnectRedis;
  clock: Clock;
  log: Log;
  /** The database the last stream id and the peers' sequence numbers are kept in. */
  db: Database;
  /** The running jail of that name, if any. */
  jail(name: string): ClusterJail | undefined;
}

export interface ClusterCounters {
  published: number;
  received: number;
  applied: number;
  unbansApplied: number;
  /** Dropped: no or a bad signature, unreadable, replayed, not shared, refused address, expired,
   *  over the peer's rate, no jail to put it in, ignoreip/ignoreself. */
  unsigned: number;
  badSignature: number;
  malformed: number;
  replayed: number;
  notShared: number;
  refused: number;
  expired: number;
  rateLimited: number;
  noJail: number;
  ignored: number;
}

export interface ClusterStatus {
  hostid: string;
  stream: string;
  link: LinkState;
  /** Entries waiting to be published (link down). */
  outbox: number;
  lastId: string;
  counters: ClusterCounters;
  /** Per peer: epoch seconds of its last accepted entry. */
  peers: Record<string, number>;
}

const HOUR = 3600;

export class Cluster {
  readonly counters: ClusterCounters = {
    published: 0,
    received: 0,
    applied: 0,
    unbansApplied: 0,
    unsigned: 0,
    badSignature: 0,
    malformed: 0,
    replayed: 0,
    notShared: 0,
    refused: 0,
    expired: 0,
    rateLimited: 0,
    noJail: 0,
    ignored: 0,
  };
  private readonly link: RedisLink;
  private readonly state: ClusterState;
  private readonly buckets: TokenBuckets;
  private readonly peersSeen = new Map<string, number>();
  /** "jail\0address" of unbans being applied from a peer: not published again. */
  private readonly receiving = new Set<string>();
  private seq = 0;

  constructor(
    readonly cfg: ClusterConfig,
    private readonly deps: ClusterDeps,
  ) {
    this.link = new RedisLink(cfg.url, this.stream, { maxlen: cfg.maxlen, maxage: cfg.maxage }, deps);
    this.state = new ClusterState(deps.db);
    this.buckets = new TokenBuckets(cfg.peerlimit, cfg.peerlimit / HOUR, () => deps.clock.now());
  }

  get stream(): string {
    return `${this.cfg.prefix}:bans`;
  }

  start(): void {
    if (!this.deps.jail(this.cfg.jail)) {
      this.deps.log.info(`cluster: no jail [${this.cfg.jail}] here; remote bans of jails this host does not run are dropped`);
    }
    this.link.start(
      () => this.state.lastId,
      (es) => this.receive(es),
    );
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  /** The ban managers' change hook: publishes what was decided here. */
  onLocalChange(c: BanChange): void {
    if (this.cfg.share && !this.cfg.share.has(c.jail)) return;
    if (c.kind === "ban" || c.kind === "prolong") {
      const t = c.ticket;
      // Received (origin set) or replayed from the database: not ours to announce.
      if (t.data?.["origin"] !== undefined || t.restored) return;
      this.publish({ kind: "ban", jail: c.jail, address: t.ip, time: t.time, end: t.bantime === -1 ? -1 : t.time + t.bantime, failures: t.failures });
    } else if (!this.receiving.has(`${c.jail}\0${c.ip}`)) {
      this.publish({ kind: "unban", jail: c.jail, address: c.ip, time: this.deps.clock.now(), end: 0, failures: 0 });
    }
  }

  private publish(m: Omit<ClusterMessage, "origin" | "seq">): void {
    // Strictly increasing across restarts without writing it down: microseconds of the clock.
    this.seq = Math.max(this.seq + 1, Math.floor(this.deps.clock.now() * 1e6));
    const payload = encode({ ...m, origin: this.cfg.hostid, seq: this.seq });
    this.link.publish(["p", payload, "s", sign(payload, this.cfg.key)]);
    this.counters.published++;
  }

  status(): ClusterStatus {
    return {
      hostid: this.cfg.hostid,
      stream: this.stream,
      link: { ...this.link.state },
      outbox: this.link.queued,
      lastId: this.state.lastId,
      counters: { ...this.counters },
      peers: Object.fromEntries(this.peersSeen),
    };
  }

  /** One XREAD batch; on failure nothing of it counts as handled (it is read again). */
  private async receive(es: StreamEntry[]): Promise<void> {
    try {
      await this.handle(es);
    } catch (e) {
      this.state.rollback();
      this.deps.log.error(`cluster: applying ${es.length} entries failed, reading them again after a reconnect: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Checked, then applied per jail (bans of one run together, in one batch). */
  private async handle(es: StreamEntry[]): Promise<void> {
    const now = this.deps.clock.now();
    let pending = new Map<ClusterJail, BanTicket[]>();
    const flush = async (): Promise<void> => {
      const run = pending;
      pending = new Map();
      await Promise.all([...run].map(([jail, ts]) => this.applyBans(jail, ts)));
    };
    for (const e of es) {
      this.counters.received++;
      const v = verify(e.fields["p"], e.fields["s"], this.cfg.key);
      if (!v.ok) {
        this.drop(v.why === "bad-signature" ? "badSignature" : v.why, `entry ${e.id}: ${v.why}`);
        continue;
      }
      const m = v.msg;
      if (m.origin === this.cfg.hostid) continue;
      if (m.seq <= this.state.seqOf(m.origin)) {
        this.counters.replayed++;
        continue;
      }
      this.state.setSeq(m.origin, m.seq);
      this.peersSeen.set(m.origin, now);
      if (this.cfg.share && !this.cfg.share.has(m.jail)) {
        this.counters.notShared++;
        continue;
      }
      const refusal = addressRefusal(m.address);
      if (refusal) {
        this.drop("refused", `${m.kind} of ${m.address} from ${m.origin} refused: ${refusal}`);
        continue;
      }
      const jail = this.deps.jail(m.jail) ?? this.deps.jail(this.cfg.jail);
      if (!jail) {
        this.counters.noJail++;
        continue;
      }
      if (m.kind === "unban") {
        // A ban of the same address earlier in this batch must be in place before it is lifted.
        await flush();
        await this.applyUnban(jail, m);
        continue;
      }
      if (m.end !== -1 && m.end <= now) {
        this.counters.expired++;
        continue;
      }
      if (!this.buckets.take(m.origin)) {
        this.drop("rateLimited", `ban of ${m.address} from ${m.origin}: over peerlimit (${this.cfg.peerlimit}/hour)`);
        continue;
      }
      const list = pending.get(jail) ?? [];
      list.push({
        jail: jail.name,
        ip: m.address,
        time: m.time,
        failures: m.failures,
        matches: [],
        banCount: 0,
        bantime: m.end === -1 ? -1 : m.end - m.time,
        fixedBantime: true,
        data: { origin: m.origin },
      });
      pending.set(jail, list);
    }
    await flush();
    this.state.save(es.at(-1)!.id);
  }

  private async applyBans(jail: ClusterJail, ts: BanTicket[]): Promise<void> {
    const ignored = await jail.ignoredAmong(ts.map((t) => t.ip));
    const wanted = ts.filter((t) => {
      if (!ignored.has(t.ip)) return true;
      this.counters.ignored++;
      this.deps.log.info(`cluster: [${jail.name}] ignore ${t.ip} from ${String(t.data?.["origin"])} (ignoreip)`);
      return false;
    });
    // The jail's own limits for networks: a peer never makes this host ban wider than it allows.
    const allowed: BanTicket[] = [];
    for (const t of wanted) {
      const why = await jail.refusal(t.ip);
      if (why === null) allowed.push(t);
      else this.drop("refused", `ban of ${t.ip} from ${String(t.data?.["origin"])} in jail '${jail.name}' refused: ${why}`);
    }
    // All asked in the same turn: the ban manager hands them to the firewall as one batch.
    const results = await Promise.all(allowed.map((t) => jail.ban(t)));
    for (const r of results) if (r === "banned" || r === "prolonged") this.counters.applied++;
  }

  private async applyUnban(jail: ClusterJail, m: ClusterMessage): Promise<void> {
    const key = `${jail.name}\0${m.address}`;
    this.receiving.add(key);
    try {
      if ((await jail.unban(m.address)) === "unbanned") {
        this.counters.unbansApplied++;
        this.deps.log.notice(`cluster: [${jail.name}] unban ${m.address} from ${m.origin}`);
      }
    } finally {
      this.receiving.delete(key);
    }
  }

  /** Counted always, logged at most once a minute per reason (a flood must not flood the log). */
  private lastLogged = new Map<string, number>();
  private drop(reason: "unsigned" | "badSignature" | "malformed" | "refused" | "rateLimited", msg: string): void {
    this.counters[reason]++;
    const now = this.deps.clock.now();
    if ((this.lastLogged.get(reason) ?? -Infinity) + 60 > now) return;
    this.lastLogged.set(reason, now);
    this.deps.log.warning(`cluster: dropped ${msg} (${this.counters[reason]} so far)`);
  }
}
