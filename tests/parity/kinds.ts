// Scenario kinds: each draws a jail config and events with random counts, ages and addresses
// (the drawing helpers are in draw.ts).
import { MARGIN, ages, baseJail, fail, inside, near, oldLive, recent, reoffendOneByOne, stale, type Gen } from "./draw.ts";
import { Rng, SENTINEL_NET, TEMPLATES, type Event, type JailSpec, type Phase, type Scenario } from "./scenario.ts";

export interface KindDef {
  template: keyof typeof TEMPLATES;
  /** README "Deliberate differences" item this kind asserts f2b's side of, if any. */
  deliberate?: string;
  make(g: Gen): { history: Event[]; phases: Phase[] };
  /** Compare `get banip --with-time` durations as printed (others compare whole seconds: a
   * prolonged ban's fractional duration is pinned by manual-repeat alone). */
  exactBantimes?: boolean;
  /** The log is empty until the first phase (no start sentinel either): fail2ban's first read
   * of it is then not "in operation" and drops lines older than findtime. */
  emptyAtStart?: boolean;
  /** Changes to the random jail before `make` runs. */
  jail?(j: JailSpec, rng: Rng): void;
}

const ph = (...events: Event[]): Phase => ({ events });

export const KINDS: Record<string, KindDef> = {
  "history-inside": {
    template: "plain",
    jail: (j, rng) => {
      j.bantime = rng.pick([3600, 86400]);
      j.findtime = Math.min(j.findtime, 1800);
    },
    make: (g) => ({
      history: [
        { t: "noise", n: 3 },
        fail(g.ip(1), inside(g, g.jail.maxretry - 1)),
        fail(g.ip(2), inside(g, near(g))),
        fail(g.ip(3, { v6: true }), inside(g, near(g))),
      ],
      phases: [ph(fail(g.ip(1), recent(g, 1))), ph()],
    }),
  },
  "history-reban": {
    template: "plain",
    // Banned by its history, then offending again live: the ban is prolonged by the time between
    // the two bans, which shows whether the history ban kept its own time.
    jail: (j, rng) => {
      j.bantime = rng.pick([3600, 86400]);
      j.findtime = rng.pick([600, 900, 1800]);
    },
    make: (g) => ({
      history: [{ t: "noise", n: 2 }, fail(g.ip(1), ages(g, g.jail.maxretry, 100, g.jail.findtime - MARGIN))],
      phases: [ph(fail(g.ip(1), recent(g, g.jail.maxretry))), ph()],
    }),
  },
  "history-ban-expired": {
    template: "plain",
    // bantime shorter than the failures' age: fail2ban drops the ban as already expired.
    jail: (j, rng) => {
      j.findtime = rng.pick([900, 1800, 3600]);
      j.bantime = rng.int(120, j.findtime / 3);
    },
    make: (g) => {
      const { findtime, bantime, maxretry: m } = g.jail;
      const old = (n: number): number[] => ages(g, n, bantime + MARGIN, findtime - MARGIN);
      return {
        history: [{ t: "noise", n: 2 }, fail(g.ip(1), old(m)), fail(g.ip(2), old(m + 1)), fail(g.ip(3), [...old(m - 1), ...ages(g, 1, 65, bantime - MARGIN)])],
        phases: [ph(fail(g.ip(1), recent(g, 1))), ph()],
      };
    },
  },
  "history-stale": {
    template: "plain",
    make: (g) => ({
      history: [
        fail(g.ip(1), stale(g, g.jail.maxretry + 1)),
        fail(g.ip(2), [...stale(g, g.jail.maxretry - 1), ...inside(g, 1)]),
        fail(g.ip(3), inside(g, g.jail.maxretry)),
      ],
      phases: [ph(fail(g.ip(2), recent(g, 1))), ph(fail(g.ip(1), recent(g, 1)))],
    }),
  },
  "live-recent": {
    template: "plain",
    make: (g) => ({
      history: [{ t: "noise", n: 3 }],
      phases: [
        ph(fail(g.ip(1), recent(g, near(g))), fail(g.ip(2), recent(g, near(g))), fail(g.ip(3, { v6: true }), recent(g, near(g)))),
        ph(fail(g.ip(1), recent(g, 1)), fail(g.ip(4), recent(g, g.jail.maxretry))),
      ],
    }),
  },
  "live-old": {
    template: "plain",
    make: (g) => ({
      history: [{ t: "noise", n: 2 }, ...(g.rng.chance(0.5) ? [fail(g.ip(5), inside(g, 1))] : [])],
      phases: [ph(fail(g.ip(1), oldLive(g, near(g))), fail(g.ip(2), oldLive(g, near(g)))), ph(fail(g.ip(2), recent(g, 1)))],
    }),
  },
  "live-old-empty-start": {
    template: "plain",
    make: (g) => ({
      history: [],
      phases: [ph(fail(g.ip(1), oldLive(g, near(g))), fail(g.ip(2), oldLive(g, near(g)))), ph(fail(g.ip(2), recent(g, 1)))],
    }),
  },
  "live-old-fresh-file": {
    template: "plain",
    emptyAtStart: true,
    make: (g) => ({
      history: [],
      phases: [ph(fail(g.ip(1), oldLive(g, near(g))), fail(g.ip(2), [...stale(g, g.jail.maxretry), ...inside(g, 1)])), ph(fail(g.ip(2), recent(g, 1)))],
    }),
  },
  ignoreip: {
    template: "plain",
    jail: (j, rng) => {
      j.ignoreself = false;
      if (rng.chance(0.5)) j.maxretry = Math.max(j.maxretry, 3);
    },
    make: (g) => {
      g.jail.ignoreip.push(g.ip(9), `${g.ip(0, { net: 7 })}/24`, `${g.ip(0, { v6: true, net: 7 })}/${g.rng.pick([64, 96, 112])}`);
      const m = g.jail.maxretry;
      return {
        history: [fail(g.ip(9), inside(g, m)), fail(g.ip(20, { net: 7 }), inside(g, m))],
        phases: [
          ph(fail(g.ip(9), recent(g, m)), fail(g.ip(21, { net: 7 }), recent(g, m)), fail(g.ip(22, { net: 8 }), recent(g, m))),
          ph(fail(g.ip(5, { v6: true, net: 7 }), recent(g, m)), fail(g.ip(5, { v6: true, net: 8 }), recent(g, m))),
        ],
      };
    },
  },
  manual: {
    template: "plain",
    make: (g) => ({
      history: [{ t: "noise", n: 1 }],
      phases: [
        ph({ t: "banip", ip: g.ip(1) }, fail(g.ip(2), recent(g, g.jail.maxretry)), { t: "banip", ip: g.ip(3, { v6: true }) }),
        ph({ t: "unbanip", ip: g.ip(1) }, { t: "unbanip", ip: g.ip(2) }, fail(g.ip(2), recent(g, g.jail.maxretry))),
      ],
    }),
  },
  "ignoreip-runtime": {
    template: "plain",
    // ignoreip changed through the socket while running.
    jail: (j) => {
      j.ignoreself = false;
    },
    make: (g) => {
      const m = g.jail.maxretry;
      return {
        history: [{ t: "noise", n: 1 }],
        phases: [
          ph(
            { t: "addignoreip", ip: g.ip(1) },
            { t: "addignoreip", ip: `${g.ip(0, { net: 5 })}/24` },
            fail(g.ip(1), recent(g, m)),
            fail(g.ip(7, { net: 5 }), recent(g, m)),
            fail(g.ip(2), recent(g, m)),
          ),
          ph({ t: "delignoreip", ip: g.ip(1) }, fail(g.ip(1), recent(g, m)), fail(g.ip(8, { net: 5 }), recent(g, m))),
        ],
      };
    },
  },
  "bantime-permanent": {
    template: "plain",
    jail: (j) => {
      j.bantime = -1;
    },
    make: (g) => ({
      history: [{ t: "noise", n: 1 }, fail(g.ip(1), inside(g, g.jail.maxretry))],
      phases: [ph({ t: "banip", ip: g.ip(2) }, fail(g.ip(3), recent(g, g.jail.maxretry))), ph({ t: "unbanip", ip: g.ip(1) })],
    }),
  },
  "manual-repeat": {
    template: "plain",
    exactBantimes: true,
    make: (g) => ({
      history: [],
      phases: [
        ph({ t: "unbanip", ip: g.ip(4) }, { t: "banip", ip: g.ip(1) }, { t: "banip", ip: g.ip(1) }),
        ph({ t: "unbanip", ip: g.ip(1) }, { t: "unbanip", ip: g.ip(1) }),
      ],
    }),
  },
  rotate: {
    template: "plain",
    make: (g) => ({
      history: [{ t: "noise", n: 2 }, fail(g.ip(1), inside(g, g.jail.maxretry - 1))],
      phases: [
        ph(fail(g.ip(2), recent(g, 1)), { t: "sync" }, { t: "rotate" }, fail(g.ip(1), recent(g, 1)), fail(g.ip(3), recent(g, near(g)))),
        ph({ t: "rotate" }, fail(g.ip(2), recent(g, g.jail.maxretry))),
      ],
    }),
  },
  "rotate-unread": {
    template: "plain",
    deliberate: "A rotated log file is read to its end before the new one",
    make: (g) => ({
      history: [{ t: "noise", n: 2 }],
      phases: [
        ph(
          fail(g.ip(1), recent(g, g.jail.maxretry - 1)),
          { t: "sync", oracleOnly: true },
          { t: "rotate" },
          fail(g.ip(1), recent(g, 1)),
          fail(g.ip(2), recent(g, 1)),
        ),
        ph(),
      ],
    }),
  },
  increment: {
    template: "plain",
    jail: (j, rng) => {
      j.bantime = rng.int(6, 9);
      j.increment = { factor: rng.int(1, 3), ...(rng.chance(0.4) ? { multipliers: "1 3 9" } : {}) };
    },
    make: (g) => {
      const now = (n: number): number[] => Array.from({ length: n }, () => 0);
      const m = g.jail.maxretry;
      // The re-offence arrives one line per read and stops at the line that bans: fail2ban weighs
      // a known offender's failures in its observer thread, so a burst read at once counts each
      // failure once, and lines read between the ban and the observer's record of it count
      // double; both are races of fail2ban's threads, not behaviour to copy.
      const reoffend = reoffendOneByOne(g.ip(1), m);
      return {
        history: [{ t: "noise", n: 1 }],
        phases: [ph(fail(g.ip(1), now(m)), fail(g.ip(2), now(m))), { waitUnbanned: [g.ip(1), g.ip(2)], events: reoffend }],
      };
    },
  },
  // Where both agree: 127.0.0.1 (what `localhost` resolves to) is never banned. f2b also ignores
  // ::1 and every interface address, which fail2ban bans: a deliberate difference asserted by
  // tests/server/ignore.test.ts, so ::1 is not part of this comparison.
  ignoreself: {
    template: "plain",
    make: (g) => ({
      history: [],
      phases: [
        ph(fail("127.0.0.1", recent(g, g.jail.maxretry + 1)), fail(g.ip(1), recent(g, g.jail.maxretry))),
        ph(fail("127.0.0.1", recent(g, 2)), fail(g.ip(2), recent(g, g.jail.maxretry))),
      ],
    }),
  },
  "ignoreip-hostname": {
    template: "plain",
    jail: (j) => {
      j.ignoreself = false;
      j.ignoreip.push("localhost");
    },
    make: (g) => ({
      history: [],
      phases: [ph(fail("127.0.0.1", recent(g, g.jail.maxretry + 1)), fail(g.ip(1), recent(g, g.jail.maxretry))), ph()],
    }),
  },
  recidive: {
    template: "plain",
    // The recidive jail on lines in fail2ban's own log format (bans of other jails, with ages).
    jail: (j, rng) => {
      j.filter = "recidive";
      j.findtime = rng.pick([1800, 3600, 7200]);
      j.bantime = 604800;
      j.maxretry = rng.int(2, 5);
    },
    make: (g) => ({
      history: [{ t: "noise", n: 3 }, fail(g.ip(1), inside(g, near(g))), fail(g.ip(2), inside(g, g.jail.maxretry - 1))],
      phases: [ph(fail(g.ip(2), recent(g, 1)), fail(g.ip(3, { v6: true }), recent(g, near(g)))), ph(fail(g.ip(4), oldLive(g, near(g))))],
    }),
  },
  "banip-ignored": {
    template: "plain",
    // Banning by hand an address the jail ignores (exactly, and by CIDR).
    jail: (j) => {
      j.ignoreself = false;
    },
    make: (g) => {
      g.jail.ignoreip.push(g.ip(9), `${g.ip(0, { net: 7 })}/24`);
      return {
        history: [],
        phases: [
          ph({ t: "banip", ip: g.ip(9) }, { t: "banip", ip: g.ip(3, { net: 7 }) }, fail(g.ip(9), recent(g, g.jail.maxretry))),
          ph({ t: "unbanip", ip: g.ip(9) }),
        ],
      };
    },
  },
  "restart-increment": {
    template: "restart",
    // The ban history that bantime.increment reads survives a restart.
    jail: (j, rng) => {
      j.bantime = rng.int(6, 9);
      j.increment = { factor: rng.int(1, 2) };
    },
    make: (g) => ({
      history: [{ t: "noise", n: 1 }],
      phases: [
        ph(
          fail(
            g.ip(1),
            Array.from({ length: g.jail.maxretry }, () => 0),
          ),
        ),
        { waitUnbanned: [g.ip(1)], events: [] },
        ph(...reoffendOneByOne(g.ip(1), g.jail.maxretry)),
      ],
    }),
  },
  "restart-bans": {
    template: "restart",
    make: (g) => {
      const m = g.jail.maxretry;
      return {
        history: [{ t: "noise", n: 2 }],
        phases: [
          ph(fail(g.ip(1), recent(g, m)), fail(g.ip(2), recent(g, m - 1)), { t: "banip", ip: g.ip(3) }),
          ph(fail(g.ip(2), recent(g, 1)), fail(g.ip(4, { v6: true }), recent(g, m))),
          ph(fail(g.ip(2), recent(g, 1)), { t: "unbanip", ip: g.ip(3) }),
        ],
      };
    },
  },
  "restart-stale": {
    template: "restart",
    make: (g) => ({
      history: [{ t: "noise", n: 2 }],
      phases: [
        ph(fail(g.ip(1), recent(g, g.jail.maxretry - 1))),
        ph(fail(g.ip(5), stale(g, g.jail.maxretry + 1)), fail(g.ip(6), inside(g, g.jail.maxretry))),
        ph(fail(g.ip(1), recent(g, 1))),
      ],
    }),
  },
  "restart-rotate": {
    template: "restart",
    make: (g) => ({
      history: [{ t: "noise", n: 2 }],
      phases: [
        ph(fail(g.ip(1), recent(g, g.jail.maxretry - 1))),
        ph({ t: "rotate" }, fail(g.ip(1), recent(g, 1)), fail(g.ip(2), recent(g, g.jail.maxretry))),
        ph(fail(g.ip(3), recent(g, g.jail.maxretry))),
      ],
    }),
  },
};

/** `perKind` scenarios of every kind, drawn from `seed`. */
export function generate(seed: number, perKind: number): Scenario[] {
  const rng = new Rng(seed);
  const out: Scenario[] = [];
  for (const [kind, def] of Object.entries(KINDS)) {
    for (let n = 0; n < perKind; n++) {
      const index = out.length + 1;
      const jail = baseJail(rng);
      def.jail?.(jail, rng);
      const g: Gen = {
        rng,
        jail,
        index,
        ip: (k, o = {}) => (o.v6 ? `2001:db8:${index.toString(16)}:${o.net ?? 0}::${k.toString(16)}` : `10.${index}.${o.net ?? 0}.${k}`),
      };
      const { history, phases } = def.make(g);
      jail.ignoreip.unshift(SENTINEL_NET);
      out.push({
        id: `j${String(index).padStart(2, "0")}-${kind}`,
        kind,
        jail,
        history,
        phases,
        exactBantimes: def.exactBantimes ?? false,
        emptyAtStart: def.emptyAtStart ?? false,
      });
    }
  }
  return out;
}
