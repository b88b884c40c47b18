import type { Database } from "bun:sqlite";

/**
 * Schema migrations, applied in order and tracked in PRAGMA user_version.
 * The jails/bans/bips tables keep fail2ban 1.0.2's exact shape, so an existing
 * fail2ban.sqlite3 (dbfile) is adopted with its bans and history intact.
 */
const FAIL2BAN_TABLES = `
CREATE TABLE IF NOT EXISTS jails(name TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS jails_name ON jails(name);
CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL,
  bancount INTEGER NOT NULL default 1, data JSON, FOREIGN KEY(jail) REFERENCES jails(name));
CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);
CREATE INDEX IF NOT EXISTS bans_jail_ip ON bans(jail, ip);
CREATE INDEX IF NOT EXISTS bans_ip ON bans(ip);
CREATE TABLE IF NOT EXISTS bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL,
  bancount INTEGER NOT NULL default 1, data JSON, PRIMARY KEY(ip, jail), FOREIGN KEY(jail) REFERENCES jails(name));
CREATE INDEX IF NOT EXISTS bips_timeofban ON bips(timeofban);
CREATE INDEX IF NOT EXISTS bips_ip ON bips(ip);
`;

const F2B_TABLES = `
CREATE TABLE IF NOT EXISTS f2b_logpos(jail TEXT NOT NULL, path TEXT NOT NULL, inode INTEGER NOT NULL DEFAULT 0,
  firstlinehash TEXT NOT NULL DEFAULT '', pos INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(jail, path));
CREATE TABLE IF NOT EXISTS f2b_journal(jail TEXT NOT NULL PRIMARY KEY, cursor TEXT NOT NULL);
`;

/** Index i migrates from user_version i to i+1. Append only; never edit a shipped step. */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  (db) => {
    const hadBips = tableExists(db, "bips");
    upgradeOldFail2banBans(db);
    db.exec(FAIL2BAN_TABLES);
    db.exec(F2B_TABLES);
    // Adopting a fail2ban database: ban history from before fail2ban 0.11 lives only in bans.
    if (!hadBips) {
      db.exec(
        "INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) " +
          "SELECT ip, jail, timeofban, bantime, bancount, data FROM bans WHERE ip IS NOT NULL ORDER BY timeofban",
      );
    }
    // fail2ban's own log positions (same md5-of-first-line hash), so switching resumes where it stopped.
    if (tableExists(db, "logs") && columnsOf(db, "logs").includes("lastfilepos")) {
      db.exec(
        "INSERT OR IGNORE INTO f2b_logpos(jail, path, inode, firstlinehash, pos) " +
          "SELECT jail, path, 0, firstlinemd5, lastfilepos FROM logs " +
          "WHERE path LIKE '/%' AND firstlinemd5 IS NOT NULL AND lastfilepos IS NOT NULL",
      );
    }
  },
  // f2b 0.2 (issue 14): a bounded event log, and how bans lifted by hand ended (their bans row
  // stays as history; fail2ban deletes it).
  (db) => {
    db.exec(`
CREATE TABLE IF NOT EXISTS f2b_events(id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, kind TEXT NOT NULL,
  jail TEXT, ip TEXT, message TEXT NOT NULL, ended JSON);
CREATE INDEX IF NOT EXISTS f2b_events_time ON f2b_events(time);
-- ban: the rowid of the bans row (the ban store already keys its undo on it; nothing VACUUMs).
CREATE TABLE IF NOT EXISTS f2b_ban_ends(ban INTEGER PRIMARY KEY, endtime REAL NOT NULL, how TEXT NOT NULL, actor TEXT);
`);
  },
];

function tableExists(db: Database, name: string): boolean {
  return db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;
}

function columnsOf(db: Database, table: string): string[] {
  return (db.query(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
}

/** fail2ban < 0.10 bans had no bantime/bancount: -2 marks "unknown", fixed up on restore (as fail2ban). */
function upgradeOldFail2banBans(db: Database): void {
  if (!tableExists(db, "bans") || columnsOf(db, "bans").includes("bantime")) return;
  db.exec("ALTER TABLE bans RENAME TO bans_pre_f2b");
  db.exec(FAIL2BAN_TABLES);
  db.exec("INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) SELECT jail, ip, timeofban, -2, 1, data FROM bans_pre_f2b");
  db.exec("DROP TABLE bans_pre_f2b");
  // The renamed table took the index names along; recreate them on the new table.
  db.exec(FAIL2BAN_TABLES);
}

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database, file: string): void {
  const row = db.query("PRAGMA user_version").get() as { user_version: number } | null;
  const version = row?.user_version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new Error(`database ${file} has schema version ${version}, newer than this f2b supports (${SCHEMA_VERSION})`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      (MIGRATIONS[v] as (db: Database) => void)(db);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}
