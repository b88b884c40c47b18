// The event log (issue 14): bans, unbans, prolongs, restores, reconciles, reloads and errors,
// kept in the database and bounded (the oldest go first). Recording never fails the caller:
// events are buffered and written together after the current turn (a wave of bans costs one
// commit), and a database error costs the events, not the ban.
import type { EventQuery, EventRecorder, NewEvent, ServerEvent } from "../api/insight.ts";
import type { F2bDatabase } from "./database.ts";

export type { EventRecorder } from "../api/insight.ts";

/** For stages run without a server (unit tests, tools). */
export const noEvents: EventRecorder = { record() {} };

/** Events kept; at about this many the oldest are deleted. */
export const EVENT_LOG_SIZE = 10_000;
/** Largest answer of one query. */
export const MAX_EVENTS_PER_QUERY = 1000;

interface Row {
  id: number;
  time: number;
  kind: string;
  jail: string | null;
  ip: string | null;
  message: string;
  ended: string | null;
}

export class EventLog implements EventRecorder {
  private buffer: Array<NewEvent & { time: number }> = [];
  private scheduled = false;

  constructor(
    private readonly fdb: F2bDatabase,
    private readonly now: () => number,
    private readonly onError: (message: string) => void,
    private readonly capacity = EVENT_LOG_SIZE,
  ) {}

  record(e: NewEvent): void {
    this.buffer.push({ ...e, time: this.now() });
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Writes what is buffered (queries call it first, so they see every recorded event). */
  flush(): void {
    this.scheduled = false;
    // Of a wave larger than the log only the newest fit: the others would be deleted at once.
    const events = this.buffer.length > this.capacity ? this.buffer.slice(-this.capacity) : this.buffer;
    if (!events.length) return;
    this.buffer = [];
    try {
      this.fdb.tx(() => {
        const ins = this.fdb.db.query("INSERT INTO f2b_events(time, kind, jail, ip, message, ended) VALUES(?, ?, ?, ?, ?, ?)");
        let last = 0;
        for (const e of events) {
          last = Number(ins.run(e.time, e.kind, e.jail, e.ip ?? null, e.message, e.ended ? JSON.stringify(e.ended) : null).lastInsertRowid);
        }
        // Ids only grow, so the bound is one range delete on the primary key.
        this.fdb.db.query("DELETE FROM f2b_events WHERE id <= ?").run(last - this.capacity);
      });
    } catch (err) {
      this.onError(`${events.length} event(s) not recorded: ${(err as Error).message}`);
    }
  }

  query(q: EventQuery): ServerEvent[] {
    this.flush();
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.since !== undefined) {
      where.push("time >= ?");
      args.push(q.since);
    }
    if (q.afterId !== undefined) {
      where.push("id > ?");
      args.push(q.afterId);
    }
    if (q.jail !== undefined) {
      where.push("jail = ?");
      args.push(q.jail);
    }
    if (q.kinds?.length) {
      where.push(`kind IN (${q.kinds.map(() => "?").join(", ")})`);
      args.push(...q.kinds);
    }
    const limit = Math.max(1, Math.min(q.limit ?? 100, MAX_EVENTS_PER_QUERY));
    const sql = `SELECT id, time, kind, jail, ip, message, ended FROM f2b_events${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`;
    const rows = this.fdb.guard(() => this.fdb.db.query(sql).all(...args)) as Row[];
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      kind: r.kind as ServerEvent["kind"],
      jail: r.jail,
      ip: r.ip,
      message: r.message,
      ...(r.ended ? { ended: JSON.parse(r.ended) as ServerEvent["ended"] } : {}),
    }));
  }
}
