import type { Statement } from "bun:sqlite";
import type { BanHistoryEntry, BanTicket } from "../jail/types.ts";
import type { BanReceipt, BanStore, StoredBan } from "../ban/types.ts";
import type { F2bDatabase } from "./database.ts";

interface BipsRow { ip: string; jail: string; timeofban: number; bantime: number; bancount: number; data: unknown }

const decoder = new TextDecoder();

/** fail2ban writes data as UTF-8 JSON bytes, we as text; a damaged value reads as {} (as fail2ban does). */
function parseData(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw instanceof Uint8Array ? decoder.decode(raw) : String(raw));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch { return {}; }
}

function matchesOf(data: Record<string, unknown>): string[] {
  const m = data["matches"];
  if (!Array.isArray(m)) return [];
  // fail2ban may store a match as a list of line parts.
  return m.map((x) => (Array.isArray(x) ? x.join("") : String(x)));
}

/** BanStore over the f2b database (fail2ban's bans + bips tables). */
export class SqliteBanStore implements BanStore {
  /** maxMatches: fail2ban dbmaxmatches (default 10), matched lines kept per stored ban. */
  private readonly insBan: Statement;
  private readonly insBip: Statement;

  constructor(private readonly fdb: F2bDatabase, private readonly maxMatches = 10) {
    this.insBan = fdb.db.prepare("INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)");
    this.insBip = fdb.db.prepare("INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)");
  }

  private get db() { return this.fdb.db; }

  addJail(jail: string): void { this.fdb.addJail(jail); }

  private dataJson(t: BanTicket): string {
    const matches = this.maxMatches > 0 ? t.matches.slice(-this.maxMatches) : [];
    return JSON.stringify({ ...(t.data ?? {}), matches, failures: t.failures });
  }

  private ensureJail(jail: string): void {
    this.db.query("INSERT OR IGNORE INTO jails(name, enabled) VALUES(?, 1)").run(jail);
  }


  private insert(t: BanTicket): number {
    const data = this.dataJson(t);
    const r = this.insBan.run(t.jail, t.ip, t.time, t.bantime, t.banCount, data);
    this.insBip.run(t.ip, t.jail, t.time, t.bantime, t.banCount, data);
    return Number(r.lastInsertRowid);
  }

  /**
   * New bans (a bans row + the history row each) and the new bantime of prolonged ones in ONE
   * transaction: a wave of bans costs one commit, not one per address.
   */
  saveBans(added: BanTicket[], prolonged: BanTicket[] = []): BanReceipt[] {
    const written = this.fdb.tx(() => {
      for (const jail of new Set([...added, ...prolonged].map((t) => t.jail))) this.ensureJail(jail);
      const prevOf = this.db.query("SELECT * FROM bips WHERE ip = ? AND jail = ?");
      const out = added.map((t) => {
        const prev = prevOf.get(t.ip, t.jail) as BipsRow | null;
        return { t, prev, rowid: this.insert(t) };
      });
      // A prolonged ban keeps its start and count; only its length grows (as fail2ban's ticket).
      const bip = this.db.query("UPDATE bips SET bantime = ? WHERE ip = ? AND jail = ? AND timeofban = ?");
      const ban = this.db.query("UPDATE bans SET bantime = ? WHERE ip = ? AND jail = ? AND timeofban = ?");
      for (const t of prolonged) {
        bip.run(t.bantime, t.ip, t.jail, t.time);
        ban.run(t.bantime, t.ip, t.jail, t.time);
      }
      return out;
    });
    return written.map(({ t, prev, rowid }) => ({
      withdraw: () => this.fdb.tx(() => {
        this.db.query("DELETE FROM bans WHERE rowid = ?").run(rowid);
        if (prev) {
          this.db.query("INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)")
            .run(prev.ip, prev.jail, prev.timeofban, prev.bantime, prev.bancount, prev.data as string);
        } else {
          this.db.query("DELETE FROM bips WHERE ip = ? AND jail = ?").run(t.ip, t.jail);
        }
      }),
    }));
  }

  /** One ban (tools and tests). */
  addBan(t: BanTicket): BanReceipt { return this.saveBans([t])[0]!; }

  /** Many bans in one transaction (imports, tests). */
  addBans(ts: BanTicket[]): void {
    this.fdb.tx(() => {
      for (const jail of new Set(ts.map((t) => t.jail))) this.ensureJail(jail);
      for (const t of ts) this.insert(t);
    });
  }

  removeBan(jail: string, ip?: string | string[]): void {
    this.fdb.tx(() => {
      if (ip === undefined) {
        this.db.query("DELETE FROM bips WHERE jail = ?").run(jail);
        this.db.query("DELETE FROM bans WHERE jail = ?").run(jail);
        return;
      }
      const bip = this.db.query("DELETE FROM bips WHERE jail = ? AND ip = ?");
      const ban = this.db.query("DELETE FROM bans WHERE jail = ? AND ip = ?");
      for (const one of typeof ip === "string" ? [ip] : ip) {
        bip.run(jail, one);
        ban.run(jail, one);
      }
    });
  }

  /** fail2ban getBan: the ip's history in this jail, or summed over all jails when jail is null. */
  lastBan(ip: string, jail: string | null): BanHistoryEntry | null {
    const row = this.fdb.guard(() => jail === null
      ? this.db.query("SELECT sum(bancount) AS c, max(timeofban) AS t, sum(bantime) AS b FROM bips WHERE ip = ? GROUP BY ip").get(ip)
      : this.db.query("SELECT bancount AS c, timeofban AS t, bantime AS b FROM bips WHERE ip = ? AND jail = ?").get(ip, jail)) as { c: number; t: number; b: number } | null;
    return row ? { banCount: row.c, timeOfBan: row.t, bantime: row.b } : null;
  }

  /**
   * fail2ban getCurrentBans: history rows still in force at now. correctBanTime caps restored
   * bantimes (and permanent ones) to the jail's current maximum; -2 rows (pre-v3 fail2ban) get it too.
   */
  /** Every ban that started since `since` (expired ones too), oldest first: the status page's chart. */
  banEvents(since: number): { jail: string; ip: string; time: number }[] {
    const sql = "SELECT jail, ip, timeofban AS time FROM bans WHERE timeofban >= ? AND ip IS NOT NULL ORDER BY timeofban";
    return this.fdb.guard(() => this.db.query(sql).all(Math.floor(since))) as { jail: string; ip: string; time: number }[];
  }

  currentBans(jail: string, now: number, opts: { forbantime?: number | null; correctBanTime?: number | null; maxmatches?: number } = {}): StoredBan[] {
    let sql = "SELECT ip, jail, timeofban, bantime, bancount, data FROM bips WHERE jail = ? AND (timeofban + bantime > ? OR bantime <= -1)";
    const args: Array<string | number> = [jail, now];
    if (opts.forbantime !== undefined && opts.forbantime !== null && opts.forbantime !== -1) {
      sql += " AND timeofban > ?";
      args.push(now - opts.forbantime);
    }
    sql += " ORDER BY ip";
    const rows = this.fdb.guard(() => this.db.query(sql).all(...args)) as BipsRow[];
    const correct = opts.correctBanTime ?? null;
    const maxm = opts.maxmatches ?? this.maxMatches;
    const out: StoredBan[] = [];
    for (const r of rows) {
      if (!r.ip) continue;
      let bantime = r.bantime;
      if (bantime === -2) bantime = correct !== null && correct >= 0 ? correct : 600;
      else if (correct !== null && correct >= 0 && (bantime === -1 || bantime > correct)) bantime = correct;
      if (bantime !== -1 && r.timeofban + bantime <= now) continue;
      const data = parseData(r.data);
      const matches = maxm > 0 ? matchesOf(data).slice(-maxm) : [];
      const failures = typeof data["failures"] === "number" ? data["failures"] : 1;
      delete data["matches"];
      delete data["failures"];
      out.push({ jail: r.jail, ip: r.ip, timeOfBan: r.timeofban, bantime, banCount: r.bancount, matches, failures, data });
    }
    return out;
  }
}
