// Issue 14 in the database: the bounded event log, and the ban history keeping bans lifted by
// hand with how they ended. Real SQLite files; the ban manager's decisions are recorded through
// its events dep. The generated case runs a seeded sequence of bans, unbans and clock steps
// against a model (F2B_SEED replays one).
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BanManager } from "../../src/ban/ban-manager.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { EventLog } from "../../src/db/event-log.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/db/schema.ts";
import type { NewEvent } from "../../src/api/insight.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { memoryLog } from "../../src/system/log.ts";
import { SetEffector, settle, T0, ticket } from "../ban/helpers.ts";
import { rng } from "../helpers/rng.ts";

const tmpFile = (): string => join(mkdtempSync(join(tmpdir(), "f2b-hist-")), "f2b.sqlite3");
const count = (d: F2bDatabase, table: string): number => (d.db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("schema", () => {
  test("a database of the previous schema gains the event log and ban ends, its bans kept", () => {
    const file = tmpFile();
    const raw = new Database(file);
    MIGRATIONS[0]!(raw);
    raw.exec("PRAGMA user_version = 1");
    raw.exec("INSERT INTO jails(name) VALUES('sshd')");
    raw.exec(`INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) VALUES('sshd', '192.0.2.1', ${T0}, 600, 1, '{"failures": 3}')`);
    raw.close();
    const d = F2bDatabase.open(file);
    expect((d.db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    expect(count(d, "bans")).toBe(1);
    expect(count(d, "f2b_events")).toBe(0);
    expect(count(d, "f2b_ban_ends")).toBe(0);
    d.close();
  });
});

describe("event log", () => {
  test("bounded, newest first, filtered by time, id, jail and kind; written once per turn", async () => {
    const d = F2bDatabase.open(tmpFile());
    let now = T0;
    const log = new EventLog(
      d,
      () => now,
      () => {},
      50,
    );
    const kinds = ["ban", "unban", "prolong", "error"] as const;
    for (let i = 0; i < 120; i++) {
      now = T0 + i;
      log.record({ kind: kinds[i % 4]!, jail: i % 2 ? "sshd" : "nginx", ip: `192.0.2.${i}`, message: `event ${i}` });
    }
    // Nothing written until the turn ends (one transaction for the lot)...
    expect(count(d, "f2b_events")).toBe(0);
    await Promise.resolve();
    expect(count(d, "f2b_events")).toBe(50);
    const all = log.query({ limit: 1000 });
    expect(all.map((e) => e.message)).toEqual(Array.from({ length: 50 }, (_, i) => `event ${119 - i}`));
    expect(all[0]!.id).toBeGreaterThan(all[1]!.id);
    expect(log.query({ since: T0 + 110 }).map((e) => e.time)).toEqual([119, 118, 117, 116, 115, 114, 113, 112, 111, 110].map((x) => T0 + x));
    expect(log.query({ afterId: all[2]!.id }).length).toBe(2);
    const kept = Array.from({ length: 50 }, (_, i) => 119 - i);
    expect(log.query({ jail: "sshd", kinds: ["unban"] }).map((e) => e.message)).toEqual(kept.filter((i) => i % 4 === 1).map((i) => `event ${i}`));
    expect(log.query({ jail: "nginx", kinds: ["ban", "prolong"] }).map((e) => e.message)).toEqual(kept.filter((i) => i % 2 === 0).map((i) => `event ${i}`));
    expect(log.query({ limit: 3 }).length).toBe(3);
    // ...and query flushes first: what was recorded is there at once.
    log.record({ kind: "reload", jail: null, message: "reloaded all jails" });
    expect(log.query({ limit: 1 })[0]).toMatchObject({ kind: "reload", jail: null, ip: null, message: "reloaded all jails" });
    d.close();
  });

  test("a database error costs the events, not the caller", () => {
    const d = F2bDatabase.open(tmpFile());
    const errors: string[] = [];
    const log = new EventLog(
      d,
      () => T0,
      (m) => errors.push(m),
    );
    d.db.exec("DROP TABLE f2b_events");
    log.record({ kind: "ban", jail: "sshd", ip: "192.0.2.1", message: "banned" });
    expect(() => log.flush()).not.toThrow();
    expect(errors[0]).toMatch(/1 event\(s\) not recorded: .*f2b_events/u);
    d.close();
  });
});

interface Model {
  jail: string;
  ip: string;
  time: number;
  end: number;
  lifted?: { at: number; by: string };
}

describe("ban history", () => {
  const SEED = Number(process.env["F2B_SEED"] ?? 20261214);

  test(`bans lifted by hand stay in the history with how they ended (seed ${SEED})`, async () => {
    const pick = rng(SEED);
    const clock = new FakeClock(T0);
    const d = F2bDatabase.open(tmpFile());
    const store = new SqliteBanStore(d);
    const recorded: NewEvent[] = [];
    const events = { record: (e: NewEvent) => recorded.push(e) };
    const eff = new SetEffector();
    const bm = new BanManager({ jail: "sshd", bantime: 600 }, { clock, store, effector: eff, log: memoryLog(), events });
    const model: Model[] = [];
    let prolonged = 0;
    const ips = Array.from({ length: 6 }, (_, i) => `198.51.100.${i + 1}`);
    const live = (ip: string): Model | undefined => model.find((m) => m.ip === ip && !m.lifted && m.end > clock.now());
    for (let step = 0; step < 80; step++) {
      const ip = ips[pick(ips.length)]!;
      const op = pick(10);
      if (op < 5) {
        const time = clock.now();
        const r = await bm.ban(ticket(ip, time, { matches: [`line of ${ip}`], data: { user: `u${step}` } }));
        if (r === "banned") model.push({ jail: "sshd", ip, time, end: time + 600 });
        // A ban in force is prolonged: it keeps its start, its end moves (fail2ban's addBanTicket).
        if (r === "prolonged") {
          live(ip)!.end = time + 600;
          prolonged++;
        }
      } else if (op < 7) {
        const by = pick(2) ? "cli" : "api";
        const m = live(ip);
        expect(await bm.unban(ip, by)).toBe(m ? "unbanned" : "not-banned");
        if (m) m.lifted = { at: clock.now(), by };
      } else if (op === 7) {
        const by = "server" as const;
        const lifted = model.filter((m) => !m.lifted && m.end > clock.now());
        expect(await bm.unbanAll(by)).toBe(lifted.length);
        for (const m of lifted) m.lifted = { at: clock.now(), by };
      } else {
        await bm.settled();
        clock.advance(60 + pick(600));
        await settle();
      }
    }
    await bm.settled(); // the last prolongs reach the store
    const now = clock.now();
    // Every ban made is in the history the 24 h chart reads, the lifted ones included.
    expect(store.banEvents(T0).length).toBe(model.length);
    for (const ip of ips) {
      // Newest first; of two bans in the same second, the later one first.
      const want = model.filter((m) => m.ip === ip).reverse();
      const got = store.banRecords(ip, now);
      expect(got.map((r) => r.timeOfBan)).toEqual(want.map((m) => m.time));
      got.forEach((r, i) => {
        const m = want[i]!;
        if (m.lifted) expect(r.ended).toEqual({ at: m.lifted.at, how: "unbanned", by: m.lifted.by as "cli" });
        else if (m.end <= now) expect(r.ended).toEqual({ at: m.end, how: "expired" });
        else expect(r.ended).toBeUndefined();
        expect(r.active).toBe(!m.lifted && m.end > now);
        expect(r.matches).toEqual([`line of ${ip}`]);
        expect(r.users).toHaveLength(1);
      });
      // Lifted or not, nothing is left to restore once no ban is in force (fail2ban's delBan).
      if (!want.some((m) => !m.lifted && m.end > now)) expect(store.currentBans("sshd", now)).not.toContainEqual(expect.objectContaining({ ip }));
    }
    // The event log saw each decision: a ban event per ban, an unban event per lifted or expired ban.
    expect(recorded.filter((e) => e.kind === "ban").length).toBe(model.length);
    expect(recorded.filter((e) => e.kind === "prolong").length).toBe(prolonged);
    const unbans = recorded.filter((e) => e.kind === "unban");
    expect(unbans.filter((e) => e.ended?.how === "unbanned").length).toBe(model.filter((m) => m.lifted).length);
    expect(unbans.filter((e) => e.ended?.how === "expired").length).toBe(model.filter((m) => !m.lifted && m.end <= now).length);
    bm.stop();
    d.close();
  });

  test("purge drops how a ban ended together with its bans row", () => {
    const d = F2bDatabase.open(tmpFile(), { purgeAge: 3600 });
    const store = new SqliteBanStore(d);
    store.addBan(ticket("192.0.2.9", T0));
    store.removeBan("sshd", "192.0.2.9", { at: T0 + 10, by: "cli" });
    expect(count(d, "f2b_ban_ends")).toBe(1);
    expect(store.banRecords("192.0.2.9", T0 + 20)[0]!.ended).toEqual({ at: T0 + 10, how: "unbanned", by: "cli" });
    d.purge(T0 + 7200);
    expect(count(d, "bans")).toBe(0);
    expect(count(d, "f2b_ban_ends")).toBe(0);
    d.close();
  });
});
