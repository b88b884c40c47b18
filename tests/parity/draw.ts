// Drawing a scenario's pieces: the random jail, failure ages and addresses. Ages keep a margin
// from every boundary where one second decides (findtime, bantime, fail2ban's 60 s "in
// operation" latency window), so both daemons see the same side of it even though each run
// starts a few seconds after the lines were written.
import type { Event, JailSpec, Rng } from "./scenario.ts";

/** Seconds kept away from a boundary (the batch runs well within this). */
export const MARGIN = 30;

export interface Gen {
  rng: Rng;
  jail: JailSpec;
  /** Address k of this scenario's own range (10.N.net.k / 2001:db8:N:net::k). */
  ip(k: number, opts?: { v6?: boolean; net?: number }): string;
  /** The scenario's index, for networks in ignoreip. */
  index: number;
}

/** `n` ages (descending: oldest first) in [lo, hi], none within MARGIN of findtime/bantime or 60 s. */
export function ages(g: Gen, n: number, lo: number, hi: number): number[] {
  const bad = [g.jail.findtime, g.jail.bantime, 60];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let a = lo;
    for (let tries = 0; tries < 200; tries++) {
      a = g.rng.int(lo, Math.max(lo, hi));
      if (bad.every((b) => Math.abs(a - b) >= (b === 60 ? 10 : MARGIN))) break;
    }
    out.push(a);
  }
  return out.sort((x, y) => y - x);
}

export const inside = (g: Gen, n: number): number[] => ages(g, n, 5, g.jail.findtime - MARGIN);
export const stale = (g: Gen, n: number): number[] => ages(g, n, g.jail.findtime + MARGIN, g.jail.findtime * 2 + 300);
/** Written "now"-ish: within fail2ban's 60 s latency window. */
export const recent = (g: Gen, n: number): number[] => ages(g, n, 0, 40);
/** Old lines appended while running: beyond the latency window, some beyond findtime. */
export const oldLive = (g: Gen, n: number): number[] => ages(g, n, 75, g.jail.findtime * 2);
/** Around maxretry: one short, exactly, one over. */
export const near = (g: Gen): number => Math.max(1, g.jail.maxretry + g.rng.int(-1, 1));

export const fail = (ip: string, a: number[]): Event => ({ t: "fail", ip, ages: a });

/** A banned-before address offends again, one line per read, up to the line that bans it
 * (a known offender's failure counts twice after one earlier ban). */
export const reoffendOneByOne = (ip: string, maxretry: number): Event[] =>
  Array.from({ length: Math.ceil(maxretry / 2) }, (): Event[] => [fail(ip, [0]), { t: "sync" }]).flat();

export function baseJail(rng: Rng): JailSpec {
  const findtime = rng.pick([180, 300, 600, 900, 1800, 3600]);
  return {
    maxretry: rng.int(2, 6),
    findtime,
    bantime: rng.chance(0.3) ? rng.int(100, findtime) : rng.pick([600, 3600, 86400]),
    ignoreip: [],
    style: rng.pick(["syslog", "iso", "iso-utc"] as const),
    abbreviate: rng.chance(0.5),
  };
}
