// The connection to Redis/Valkey: one client that appends to the stream, one that waits in a
// blocking XREAD (a blocked connection can send nothing else). Bun's client does not reconnect by
// itself after a failure, so this does, with exponential backoff; what is published while the
// link is down waits in a bounded outbox. Link state (up/down and since when) is kept for status.
import { RedisClient } from "bun";
import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";

/** The part of Bun's RedisClient this uses (tests and benches pass the real one). */
export interface RedisConnection {
  connect(): Promise<void>;
  send(command: string, args: string[]): Promise<unknown>;
  close(): void;
}
export type ConnectRedis = (url: string) => RedisConnection;

/** Bun's built-in client; reconnection is ours (see above), commands are never queued offline. */
export const bunRedis: ConnectRedis = (url) => new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 5000 });

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface LinkState {
  up: boolean;
  since: number;
  lastError?: string;
  reconnects: number;
}

export interface LinkDeps {
  connect: ConnectRedis;
  clock: Clock;
  log: Log;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const BLOCK_MS = 5000;
const READ_COUNT = 1000;
const OUTBOX_MAX = 100_000;

export class RedisLink {
  private writer: RedisConnection | null = null;
  private reader: RedisConnection | null = null;
  private outbox: string[][] = [];
  private flushing: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  readonly state: LinkState;

  constructor(
    private readonly url: string,
    private readonly stream: string,
    private readonly bounds: { maxlen: number; maxage: number },
    private readonly deps: LinkDeps,
  ) {
    this.state = { up: false, since: deps.clock.now(), reconnects: 0 };
  }

  /**
   * Connects and reads from `after` on (a stream id; "0" = from the oldest entry), handing each
   * batch to `onEntries`, whose returned promise is awaited before the next read (backpressure),
   * then keeps reconnecting until stop(). `after()` is asked again after every reconnect.
   */
  start(after: () => string, onEntries: (es: StreamEntry[]) => Promise<void>): void {
    this.loop = this.run(after, onEntries);
  }

  /** Appends one entry (fields as name/value pairs); kept in the outbox while the link is down. */
  publish(fields: string[]): void {
    if (this.outbox.length >= OUTBOX_MAX) this.outbox.shift();
    this.outbox.push(fields);
    if (this.state.up) void this.flush();
  }

  get queued(): number {
    return this.outbox.length;
  }

  private flush(): Promise<void> {
    if (!this.flushing)
      this.flushing = this.drain().finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    // Never finishes within the caller's turn, so flush() has set `flushing` before it is cleared.
    await Promise.resolve();
    try {
      while (this.outbox.length && this.writer && this.state.up) {
        const batch = this.outbox.slice(0, READ_COUNT);
        // One round trip for the whole batch (Bun pipelines the sends).
        await Promise.all(batch.map((f) => this.writer!.send("XADD", [this.stream, "MAXLEN", "~", String(this.bounds.maxlen), "*", ...f])));
        this.outbox.splice(0, batch.length);
      }
    } catch (e) {
      this.down(e);
    }
  }

  private async run(after: () => string, onEntries: (es: StreamEntry[]) => Promise<void>): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (!this.stopped) {
      try {
        await this.open();
        backoff = BACKOFF_MIN_MS;
        await this.trim();
        let last = after();
        let trimAt = Date.now() + 60_000;
        while (!this.stopped && this.state.up) {
          const reply = await this.reader!.send("XREAD", ["COUNT", String(READ_COUNT), "BLOCK", String(BLOCK_MS), "STREAMS", this.stream, last]);
          const es = entriesOf(reply, this.stream);
          if (es.length) {
            await onEntries(es);
            last = es.at(-1)!.id;
          }
          if (Date.now() > trimAt) {
            trimAt = Date.now() + 60_000;
            await this.trim();
          }
        }
      } catch (e) {
        if (this.stopped) break;
        this.down(e);
      }
      if (this.stopped) break;
      // Full jitter: a fleet that lost Redis together does not come back in lockstep.
      const wait = backoff / 2 + Math.random() * (backoff / 2);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      await new Promise<void>((r) => {
        const t = setTimeout(r, wait);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
    }
  }

  private async open(): Promise<void> {
    this.closeClients();
    const w = this.deps.connect(this.url);
    const r = this.deps.connect(this.url);
    this.writer = w;
    this.reader = r;
    await Promise.all([w.connect(), r.connect()]);
    // A connection that failed without an error (e.g. refused) shows itself here.
    await w.send("PING", []);
    if (!this.state.up) {
      const was = this.state.since;
      Object.assign(this.state, { up: true, since: this.deps.clock.now() });
      delete this.state.lastError;
      if (this.state.reconnects++ > 0) this.deps.log.notice(`cluster: link to Redis is up again (down ${Math.round(this.state.since - was)}s)`);
      else this.deps.log.info("cluster: connected to Redis");
    }
    void this.flush();
  }

  /** Drops entries older than maxage (the MAXLEN of each XADD bounds the count). */
  private async trim(): Promise<void> {
    const minId = `${Math.max(0, Date.now() - this.bounds.maxage * 1000)}-0`;
    await this.writer!.send("XTRIM", [this.stream, "MINID", "~", minId]);
  }

  private down(e: unknown): void {
    const msg = (e as Error)?.message ?? String(e);
    if (this.state.up) {
      Object.assign(this.state, { up: false, since: this.deps.clock.now(), lastError: msg });
      this.deps.log.warning(`cluster: link to Redis is down (${msg}); local banning goes on, reconnecting`);
    } else {
      this.state.lastError = msg;
    }
    this.closeClients();
  }

  private closeClients(): void {
    for (const c of [this.writer, this.reader]) {
      try {
        c?.close();
      } catch {
        /* already closed */
      }
    }
    this.writer = this.reader = null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Give what is waiting a last chance to go out (a clean stop publishes its last unbans).
    if (this.state.up && this.outbox.length) await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 1000))]);
    this.closeClients();
    this.wake?.();
    await this.loop?.catch(() => {});
  }
}

/** XREAD's reply for one stream: RESP3 {stream: [[id, [k, v, ...]], ...]} or RESP2 [[stream, [...]]]. */
export function entriesOf(reply: unknown, stream: string): StreamEntry[] {
  if (!reply) return [];
  let rows: unknown;
  if (Array.isArray(reply)) rows = (reply.find((r) => Array.isArray(r) && r[0] === stream) as unknown[] | undefined)?.[1];
  else rows = (reply as Record<string, unknown>)[stream];
  if (!Array.isArray(rows)) return [];
  const out: StreamEntry[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== "string") continue;
    const flat = Array.isArray(row[1]) ? (row[1] as unknown[]) : [];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    out.push({ id: row[0], fields });
  }
  return out;
}
