// Writes a ban database for the startup benchmark with f2b's own store (src/db): fail2ban's
// jails/bans/bips tables, which fail2ban 1.0.2 also opens (it adds its fail2banDb version table
// and keeps the rows), so both daemons restore the very same bans.
import { F2bDatabase } from "../src/db/database.ts";
import { SqliteBanStore } from "../src/db/ban-store.ts";
import type { BanTicket } from "../src/jail/types.ts";
import { benchIp } from "./bench-daemon-env.ts";

/** count current bans in jail `sshd`, banned now for bantime seconds, addresses benchIp(0..count-1). */
export function writeBanDb(file: string, count: number, bantime: number): void {
  const db = F2bDatabase.open(file);
  const store = new SqliteBanStore(db);
  const now = Math.floor(Date.now() / 1000);
  const tickets: BanTicket[] = [];
  for (let i = 0; i < count; i++) {
    const ip = benchIp(i);
    tickets.push({
      jail: "sshd",
      ip,
      time: now,
      failures: 5,
      banCount: 1,
      bantime,
      matches: [`benchhost sshd[4000]: Failed password for invalid user bench from ${ip} port 40000 ssh2`],
    });
  }
  store.addBans(tickets);
  db.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  // fail2ban opens the file with journal_mode=MEMORY; leave it a plain rollback-journal file
  db.db.exec("PRAGMA journal_mode = DELETE");
  db.close();
}
