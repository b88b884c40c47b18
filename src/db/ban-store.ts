import type { Statement } from "bun:sqlite";
import type { BanHistoryEntry, BanTicket } from "../jail/types.ts";
import type { BanRecord, UnbanActor } from "../api/insight.ts";
import type { BanLifted, BanReceipt, BanStore, StoredBan } from "../ban/types.ts";
import type { F2bDatabase } from "./database.ts";

interface BipsRow {
  ip: string;
  jail: string;
  timeofban: number;
  bantime: number;
  bancount: number;
  data: unknown;
}

const decoder = new TextDecoder();

/** fail2ban writes data as UTF-8 JSON bytes, we as text; a damaged value reads as {} (as fail2ban does). */
function parseData(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw instanceof Uint8Array ? decoder.decode(raw) : String(raw));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function matchesOf(data: Record<string, unknown>): string[] {
  const m = data["matches"];
  if (!Array.isArray(m)) return [];
  // fail2ban may store a match as a list of line parts.
  return m.map((x) => (Array.isArray(x) ? x.join("") : String(x)));
}

/** User names the filter captured (`<F-USER>` → data.user; multi-line filters keep data.users). */
export function usersOf(data: Readonly<Record<string, unknown>> | undefined): string[] {
  const out = new Set<string>();
  for (const v of [data?.["user"], data?.["users"]].flat()) if (typeof v === "string" && v !== "") out.add(v);
  return [...out];
}

/** BanStore over the f2b database (fail2ban's bans + bips tables). */
export class SqliteBanStore implements BanStore {
  /** maxMatches: fail2ban dbmaxmatches (default 10), matched lines kept per stored ban. */
  private readonly insBan: Statement;
  private readonly insBip: Statement;

  constructor(
    private readonly fdb: F2bDatabase,
    private readonly maxMatches = 10,
  ) {
    this.insBan = fdb.db.prepare("INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)");
    this.insBip = fdb.db.prepare("INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)");
  }

  private get db() {
    return this.fdb.db;
  }

  addJail(jail: string): void {
    this.fdb.addJail(jail);
  }

  private dataJson(t: BanTicket): string {
    const matches = this.maxMatches > 0 ? t.matches.slice(-this.maxMatches) : [];
    return JSON.stringify({ ...(t.data ?? {}), matches, failures: t.failures, ...(t.users?.length ? { users: t.users } : {}) });
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
      withdraw: () =>
        this.fdb.tx(() => {
          this.db.query("DELETE FROM bans WHERE rowid = ?").run(rowid);
          if (prev) {
            this.db
              .query("INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, ?)")
              .run(prev.ip, prev.jail, prev.timeofban, prev.bantime, prev.bancount, prev.data as string);
          } else {
            this.db.query("DELETE FROM bips WHERE ip = ? AND jail = ?").run(t.ip, t.jail);
          }
        }),
    }));
  }

  /** One ban (tools and tests). */
  addBan(t: BanTicket): BanReceipt {
    return this.saveBans([t])[0]!;
  }

  /** Many bans in one transaction (imports, tests). */
  addBans(ts: BanTicket[]): void {
    this.fdb.tx(() => {
      for (const jail of new Set(ts.map((t) => t.jail))) this.ensureJail(jail);
      for (const t of ts) this.insert(t);
    });
  }

  /**
   * Deletes the bips (restore and bantime.increment) rows, as fail2ban's delBan; unlike fail2ban
   * the bans rows stay, so the ban history (and "bans, last 24 h") keeps bans lifted by hand,
   * with how they ended in f2b_ban_ends (README, "Deliberate differences").
   */
  removeBan(jail: string, ip?: string | string[], lifted?: BanLifted): void {
    this.fdb.tx(() => {
      const ips = ip === undefined ? null : typeof ip === "string" ? [ip] : ip;
      if (lifted) {
        const inForce = "timeofban <= ? AND (bantime < 0 OR timeofban + bantime > ?)";
        const end = this.db.query(
          "INSERT OR IGNORE INTO f2b_ban_ends(ban, endtime, how, actor) " +
            `SELECT rowid, ?, 'unbanned', ? FROM bans WHERE jail = ? AND ip IS NOT NULL AND ${inForce}` +
            (ips ? " AND ip = ?" : ""),
        );
        if (ips) for (const one of ips) end.run(lifted.at, lifted.by, jail, lifted.at, lifted.at, one);
        else end.run(lifted.at, lifted.by, jail, lifted.at, lifted.at);
      }
      if (!ips) {
        this.db.query("DELETE FROM bips WHERE jail = ?").run(jail);
        return;
      }
      const bip = this.db.query("DELETE FROM bips WHERE jail = ? AND ip = ?");
      for (const one of ips) bip.run(jail, one);
    });
  }

  /** Every stored ban of an address (all jails, expired and lifted ones too), newest first. */
  banRecords(ip: string, now: number): BanRecord[] {
    const rows = this.fdb.guard(() =>
      this.db
        .query(
          "SELECT b.rowid AS rid, b.jail, b.ip, b.timeofban, b.bantime, b.bancount, b.data, e.endtime, e.how, e.actor FROM bans b " +
            "LEFT JOIN f2b_ban_ends e ON e.ban = b.rowid WHERE b.ip = ? " +
            "UNION ALL SELECT -1, p.jail, p.ip, p.timeofban, p.bantime, p.bancount, p.data, NULL, NULL, NULL FROM bips p WHERE p.ip = ? " +
            "AND NOT EXISTS(SELECT 1 FROM bans b WHERE b.jail = p.jail AND b.ip = p.ip AND b.timeofban = p.timeofban) " +
            "ORDER BY timeofban DESC, rid DESC, jail",
        )
        .all(ip, ip),
    ) as Array<BipsRow & { endtime: number | null; how: string | null; actor: string | null }>;
    return rows.map((r) => {
      const data = parseData(r.data);
      const end = r.bantime < 0 ? null : r.timeofban + r.bantime;
      const lifted = r.endtime !== null && r.how === "unbanned";
      const expired = !lifted && end !== null && end <= now;
      return {
        jail: r.jail,
        ip: r.ip,
        timeOfBan: r.timeofban,
        bantime: r.bantime,
        end,
        banCount: r.bancount,
        failures: typeof data["failures"] === "number" ? data["failures"] : 1,
        matches: matchesOf(data),
        users: usersOf(data),
        active: !lifted && !expired,
        ...(lifted ? { ended: { at: r.endtime!, how: "unbanned" as const, by: (r.actor ?? "api") as UnbanActor } } : {}),
        ...(expired ? { ended: { at: end, how: "expired" as const } } : {}),
      };
    });
  }

  /** fail2ban getBan: the ip's history in this jail, or summed over all jails when jail is null. */
  lastBan(ip: string, jail: string | null): BanHistoryEntry | null {
    const row = this.fdb.guard(() =>
      jail === null
        ? this.db.query("SELECT sum(bancount) AS c, max(timeofban) AS t, sum(bantime) AS b FROM bips WHERE ip = ? GROUP BY ip").get(ip)
        : this.db.query("SELECT bancount AS c, timeofban AS t, bantime AS b FROM bips WHERE ip = ? AND jail = ?").get(ip, jail),
    ) as { c: number; t: number; b: number } | null;
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
