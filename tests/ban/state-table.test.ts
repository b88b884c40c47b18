// The ban manager's state table (src/ban/ban-state.ts) against a simple model: seeded random
// sequences of bans, manual unbans, expiries (a fake clock ticking by the second) and refusing
// firewalls, plus the races the table is for: an unban while the ban is still "applying", a ban or
// a second unban while an unban is "removing", a second ticket while the first is "applying".
// After every step the manager's list, isBanned, the firewall set and the store agree with the model.
import { rng } from "../helpers/rng.ts";
import { describe, expect, test } from "bun:test";
import { nextState, STATE_RULES, type BanState } from "../../src/ban/ban-state.ts";
import { BanManager } from "../../src/ban/ban-manager.ts";
import type { BanResult, BanTicket, UnbanResult } from "../../src/ban/types.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { memoryLog } from "../../src/system/log.ts";
import { settle, SetEffector, T0, ticket } from "./helpers.ts";

/** A firewall whose calls can be held at a gate (to catch entries in "applying" or "removing"). */
class GatedEffector extends SetEffector {
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};
  waiting = 0;
  hold(): void {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  release(): void {
    this.gate = null;
    this.open();
  }
  private async pass(): Promise<void> {
    if (!this.gate) return;
    this.waiting++;
    await this.gate;
    this.waiting--;
  }
  override async ban(ts: BanTicket[]): Promise<void> {
    await this.pass();
    await super.ban(ts);
  }
  override async unban(jail: string, ips: string[]): Promise<void> {
    await this.pass();
    await super.unban(jail, ips);
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await turn();
  if (!cond()) throw new Error("the firewall call never came");
}

/** What the model knows of a current ban. */
interface ModelBan {
  end: number;
  retryAt: number;
}
const dueOf = (b: ModelBan): number => Math.max(b.end, b.retryAt);
const BANTIME = 600;

describe("ban state table", () => {
  test("every state has its rules; moves outside the table throw", () => {
    const states: BanState[] = ["applying", "active", "removing"];
    expect(Object.keys(STATE_RULES).sort()).toEqual([...states].sort());
    expect(nextState("applying", "applied")).toBe("active");
    expect(nextState("applying", "apply-refused")).toBeNull();
    expect(nextState("active", "remove")).toBe("removing");
    expect(nextState("removing", "removed")).toBeNull();
    expect(nextState("removing", "remove-refused")).toBe("active");
    expect(() => nextState("active", "applied")).toThrow(/not allowed in state "active"/);
    expect(() => nextState("applying", "remove")).toThrow();
    expect(() => nextState("removing", "remove")).toThrow();
  });

  test("generated: ban / unban / expiry / refusals and the races between them follow the model", async () => {
    const seed = Number(process.env["F2B_SEED"] ?? Date.now() % 1_000_000) || 1;
    const next = rng(seed);
    const rnd = (): number => next(1_000_000) / 1_000_000;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const clock = new FakeClock(T0);
    const store = new SqliteBanStore(F2bDatabase.open(":memory:"));
    const eff = new GatedEffector();
    const r = { clock, store, bm: new BanManager({ jail: "sshd", bantime: BANTIME }, { clock, store, effector: eff, log: memoryLog() }) };
    const model = new Map<string, ModelBan>();
    const ips = ["192.0.2.1", "192.0.2.2", "198.51.100.7", "2001:db8::1"];
    const steps: string[] = [];
    const now = (): number => r.clock.now();

    const check = (): void => {
      const want = [...model.entries()].map(([ip, b]) => [ip, b.end] as const).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
      const got = r.bm
        .list()
        .map((b) => [b.ip, b.end] as const)
        .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
      expect(got).toEqual(want);
      for (const ip of ips) expect(r.bm.isBanned(ip)).toBe(model.has(ip));
      expect([...eff.set.keys()].sort()).toEqual([...model.keys()].sort());
      const stored = r.store
        .currentBans("sshd", now())
        .map((b) => b.ip)
        .sort();
      expect(stored).toEqual(
        [...model.entries()]
          .filter(([, b]) => b.end > now())
          .map(([ip]) => ip)
          .sort(),
      );
    };
    /** The model's answer to a ticket for ip at time t (sequential: no race). */
    const modelTicket = (ip: string, t: number): BanResult => {
      const b = model.get(ip);
      if (b) {
        if (t + BANTIME <= b.end) return "already";
        b.end = t + BANTIME;
        return "prolonged";
      }
      if (eff.refuseBan) return "failed";
      model.set(ip, { end: t + BANTIME, retryAt: -Infinity });
      return "banned";
    };
    const modelUnban = (ip: string): UnbanResult => {
      const b = model.get(ip);
      if (!b) return "not-banned";
      if (eff.refuseUnban) {
        b.retryAt = now() + 30;
        return "failed";
      }
      model.delete(ip);
      return "unbanned";
    };

    try {
      for (let i = 0; i < 400; i++) {
        const ip = pick(ips);
        const op = pick([
          "ban",
          "ban",
          "unban",
          "tick",
          "tick",
          "refuse",
          "unban-while-applying",
          "ticket-while-applying",
          "ban-while-removing",
          "unban-while-removing",
        ] as const);
        steps.push(`${op} ${ip}`);
        switch (op) {
          case "ban":
            expect(await r.bm.ban(ticket(ip, now()))).toBe(modelTicket(ip, now()));
            break;
          case "unban":
            expect(await r.bm.unban(ip)).toBe(modelUnban(ip));
            break;
          case "tick":
            for (let k = 0, n = 1 + Math.floor(rnd() * 120); k < n; k++) {
              r.clock.advance(1);
              await settle();
              for (const [key, b] of model) {
                if (dueOf(b) > now()) continue;
                if (eff.refuseUnban) b.retryAt = now() + 30;
                else model.delete(key);
              }
            }
            break;
          case "refuse":
            if (rnd() < 0.5) eff.refuseBan = rnd() < 0.3;
            else eff.refuseUnban = rnd() < 0.3;
            break;
          case "unban-while-applying": {
            if (model.has(ip)) continue;
            eff.hold();
            const banning = r.bm.ban(ticket(ip, now()));
            await until(() => eff.waiting > 0);
            expect(await r.bm.unban(ip)).toBe("not-banned"); // STATE_RULES.applying.unban
            eff.release();
            expect(await banning).toBe(modelTicket(ip, now()));
            break;
          }
          case "ticket-while-applying": {
            if (model.has(ip)) continue;
            const later = Math.floor(rnd() * 4);
            eff.hold();
            const banning = r.bm.ban(ticket(ip, now()));
            await until(() => eff.waiting > 0);
            // STATE_RULES.applying.ticket: already banned, or prolonged when it ends later
            expect(await r.bm.ban(ticket(ip, now() + later))).toBe(later > 0 ? "prolonged" : "already");
            eff.release();
            const first = await banning;
            expect(first).toBe(modelTicket(ip, now()));
            if (first === "banned") modelTicket(ip, now() + later);
            await r.bm.settled();
            break;
          }
          case "ban-while-removing":
          case "unban-while-removing": {
            if (!model.has(ip)) continue;
            eff.hold();
            const unbanning = r.bm.unban(ip);
            await until(() => eff.waiting > 0);
            const second = op === "ban-while-removing" ? r.bm.ban(ticket(ip, now())) : r.bm.unban(ip);
            // STATE_RULES.removing: a second unban answers at once; a ticket waits for the unban
            if (op === "unban-while-removing") expect(await second).toBe("not-banned");
            eff.release();
            expect(await unbanning).toBe(modelUnban(ip));
            if (op === "ban-while-removing") expect(await second).toBe(modelTicket(ip, now()));
            await r.bm.settled();
            break;
          }
        }
        await r.bm.settled(); // a prolongation reaches the store in the next batch
        check();
      }
    } catch (e) {
      console.error(`seed ${seed} (rerun with F2B_SEED=${seed}); last steps: ${steps.slice(-8).join("; ")}`);
      throw e;
    } finally {
      r.bm.stop();
    }
  });
});
