// What a host must remember of the stream across restarts, in its own database: the id of the
// last entry it handled (it catches up from there) and each peer's last sequence number (an old
// signed entry added again is a replay). Written once per XREAD batch, in one transaction.
import type { Database } from "bun:sqlite";

const SCHEMA = "CREATE TABLE IF NOT EXISTS f2b_cluster(name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)";
const LAST_ID = "lastid";
const SEQ = "seq:";

export class ClusterState {
  /** "0": a host new to the stream reads all of it (bans still running are applied, the rest skipped). */
  lastId = "0";
  private readonly seqs = new Map<string, number>();
  private readonly dirty = new Set<string>();

  constructor(private readonly db: Database) {
    db.run(SCHEMA);
    this.load();
  }

  /** Forgets what was not saved: a batch that failed half-way is read again after the reconnect,
   *  and its sequence numbers must not make it look like a replay then. */
  rollback(): void {
    this.seqs.clear();
    this.dirty.clear();
    this.load();
  }

  private load(): void {
    for (const r of this.db.query<{ name: string; value: string }, []>("SELECT name, value FROM f2b_cluster").all()) {
      if (r.name === LAST_ID) this.lastId = r.value;
      else if (r.name.startsWith(SEQ)) this.seqs.set(r.name.slice(SEQ.length), Number(r.value));
    }
  }

  seqOf(origin: string): number {
    return this.seqs.get(origin) ?? -1;
  }

  setSeq(origin: string, seq: number): void {
    this.seqs.set(origin, seq);
    this.dirty.add(origin);
  }

  save(lastId: string): void {
    this.lastId = lastId;
    const put = this.db.prepare("INSERT OR REPLACE INTO f2b_cluster(name, value) VALUES(?, ?)");
    this.db.transaction(() => {
      put.run(LAST_ID, lastId);
      for (const o of this.dirty) put.run(SEQ + o, String(this.seqs.get(o)));
    })();
    this.dirty.clear();
  }
}
