import { Database } from "bun:sqlite";
import { accessSync, constants, existsSync } from "node:fs";
import type { FilePosition } from "../source/types.ts";
import { migrate } from "./schema.ts";

export class DbError extends Error {}

export interface OpenOptions {
  /** dbpurgeage in seconds: bans older than this are purged (history kept longer, as fail2ban). */
  purgeAge?: number;
  /** Purge history rows only when this many times their bantime out of date (fail2ban: 3). */
  outdatedFactor?: number;
}

/**
 * The f2b database: one SQLite file in WAL mode. Never recreated or truncated on error —
 * a file we cannot read is reported by name and left alone, so no ban is silently lost.
 */
export class F2bDatabase {
  readonly db: Database;
  purgeAge: number;
  private readonly outdatedFactor: number;

  private constructor(
    readonly file: string,
    db: Database,
    opts: OpenOptions,
  ) {
    this.db = db;
    this.purgeAge = opts.purgeAge ?? 86400;
    this.outdatedFactor = opts.outdatedFactor ?? 3;
  }

  static open(file: string, opts: OpenOptions = {}): F2bDatabase {
    const memory = file === ":memory:";
    if (!memory && existsSync(file)) {
      try {
        accessSync(file, constants.R_OK | constants.W_OK);
      } catch (e) {
        throw new DbError(`cannot open database ${file}: ${(e as Error).message}`);
      }
    }
    let db: Database | undefined;
    try {
      db = new Database(file, { create: true, readwrite: true, strict: true });
      // First statements read the header: a non-SQLite file fails here ("file is not a database").
      db.exec("PRAGMA busy_timeout = 5000");
      if (!memory) {
        const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string } | null;
        if (mode?.journal_mode !== "wal") throw new Error(`cannot switch to WAL (journal_mode=${mode?.journal_mode})`);
      }
      // A ban must survive a crash right after it was applied: sync every commit.
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA foreign_keys = ON");
      migrate(db, file);
      return new F2bDatabase(file, db, opts);
    } catch (e) {
      db?.close();
      const msg = (e as Error).message;
      throw e instanceof DbError ? e : new DbError(msg.includes(file) ? msg : `cannot open database ${file}: ${msg}`);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs fn in one transaction (rolled back if it throws); SQLite errors name the file. */
  tx<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn)());
  }

  /** Re-throws SQLite errors (locked, malformed, disk full...) as DbError naming the database file. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DbError) throw e;
      throw new DbError(`database ${this.file}: ${(e as Error).message}`);
    }
  }

  addJail(jail: string): void {
    this.guard(() => this.db.query("INSERT INTO jails(name, enabled) VALUES(?, 1) ON CONFLICT(name) DO UPDATE SET enabled = 1").run(jail));
  }

  /** Marks a jail disabled; purge drops it once it has no bans left (fail2ban delJail). */
  delJail(jail?: string): void {
    if (jail === undefined) this.db.query("UPDATE jails SET enabled = 0").run();
    else this.db.query("UPDATE jails SET enabled = 0 WHERE name = ?").run(jail);
  }

  jailNames(enabled?: boolean): string[] {
    const rows =
      enabled === undefined ? this.db.query("SELECT name FROM jails").all() : this.db.query("SELECT name FROM jails WHERE enabled = ?").all(enabled ? 1 : 0);
    return (rows as Array<{ name: string }>).map((r) => r.name);
  }

  /** fail2ban purge: old bans, out-of-date history (never permanent bans), empty disabled jails. */
  purge(now: number): { bans: number; history: number } {
    return this.tx(() => {
      const limit = now - this.purgeAge;
      const bans = this.db.query("DELETE FROM bans WHERE timeofban < ?").run(limit).changes;
      const history = this.db
        .query("DELETE FROM bips WHERE timeofban < ? AND bantime != -1 AND (timeofban + (bantime * ?)) < ?")
        .run(limit, this.outdatedFactor, limit).changes;
      this.db
        .query(
          "DELETE FROM jails WHERE enabled = 0 AND NOT EXISTS(SELECT 1 FROM bans WHERE jail = jails.name) " +
            "AND NOT EXISTS(SELECT 1 FROM bips WHERE jail = jails.name)",
        )
        .run();
      // How a ban ended goes with its bans row.
      this.db.query("DELETE FROM f2b_ban_ends WHERE ban NOT IN (SELECT rowid FROM bans)").run();
      this.db.query("DELETE FROM f2b_logpos WHERE jail NOT IN (SELECT name FROM jails)").run();
      this.db.query("DELETE FROM f2b_journal WHERE jail NOT IN (SELECT name FROM jails)").run();
      return { bans, history };
    });
  }

  // --- log positions and journal cursors -------------------------------------------------

  getPositions(jail: string): FilePosition[] {
    const rows = this.guard(() => this.db.query("SELECT path, inode, firstlinehash, pos FROM f2b_logpos WHERE jail = ? ORDER BY path").all(jail)) as Array<{
      path: string;
      inode: number;
      firstlinehash: string;
      pos: number;
    }>;
    return rows.map((r) => ({ path: r.path, inode: r.inode, firstLineHash: r.firstlinehash, pos: r.pos }));
  }

  /** Saves many positions in one transaction (called periodically, not per line). */
  savePositions(jail: string, positions: FilePosition[]): void {
    const st = this.db.query(
      "INSERT INTO f2b_logpos(jail, path, inode, firstlinehash, pos) VALUES(?, ?, ?, ?, ?) " +
        "ON CONFLICT(jail, path) DO UPDATE SET inode = excluded.inode, firstlinehash = excluded.firstlinehash, pos = excluded.pos",
    );
    this.tx(() => {
      this.db.query("INSERT OR IGNORE INTO jails(name, enabled) VALUES(?, 1)").run(jail);
      for (const p of positions) st.run(jail, p.path, p.inode, p.firstLineHash, p.pos);
    });
  }

  delPosition(jail: string, path?: string): void {
    if (path === undefined) this.db.query("DELETE FROM f2b_logpos WHERE jail = ?").run(jail);
    else this.db.query("DELETE FROM f2b_logpos WHERE jail = ? AND path = ?").run(jail, path);
  }

  getJournalCursor(jail: string): string | null {
    const r = this.guard(() => this.db.query("SELECT cursor FROM f2b_journal WHERE jail = ?").get(jail)) as { cursor: string } | null;
    return r?.cursor ?? null;
  }

  saveJournalCursor(jail: string, cursor: string): void {
    this.tx(() => {
      this.db.query("INSERT OR IGNORE INTO jails(name, enabled) VALUES(?, 1)").run(jail);
      this.db.query("INSERT INTO f2b_journal(jail, cursor) VALUES(?, ?) ON CONFLICT(jail) DO UPDATE SET cursor = excluded.cursor").run(jail, cursor);
    });
  }
}
