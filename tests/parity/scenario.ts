// What a parity scenario is: one jail's config, the log history written before the daemon starts,
// and phases of live events. Scenarios of one batch share a server (one jail each, own log file,
// own addresses), so phases are batch-wide sync points: after each, both daemons are snapshotted.
import type { DateStyle } from "./log-lines.ts";

export type Event =
  /** Failure lines for `ip`, one per age (seconds before the moment they are written), in this order. */
  | { t: "fail"; ip: string; ages: number[] }
  /** Lines the filter does not count (so the file has content and the reader reaches its end). */
  | { t: "noise"; n: number }
  /** logrotate's rename + create: the log becomes log.1, a new empty log takes its place. */
  | { t: "rotate" }
  /** Wait until the daemon has read everything written so far (a sentinel line). `oracleOnly`:
   * only on fail2ban's run (used where f2b deliberately reads what fail2ban would lose). */
  | { t: "sync"; oracleOnly?: boolean }
  | { t: "banip" | "unbanip" | "addignoreip" | "delignoreip"; ip: string };

export interface JailSpec {
  maxretry: number;
  findtime: number;
  bantime: number;
  /** Addresses/CIDR/host names besides the sentinel network every jail ignores. */
  ignoreip: string[];
  /** undefined: the daemon's default (fail2ban: true). */
  ignoreself?: boolean;
  increment?: { factor: number; multipliers?: string };
  /** The stock filter: sshd on an auth log (default), or recidive on lines in fail2ban's log format. */
  filter?: "recidive";
  style: DateStyle;
  /** Durations written as fail2ban abbreviations (10m, 1h, 1d) where they divide evenly. */
  abbreviate: boolean;
}

export interface Phase {
  events: Event[];
  /** Before the events (and before the restart of a restart phase): wait (bounded) until these
   * addresses are no longer banned. */
  waitUnbanned?: string[];
}

export interface Scenario {
  id: string;
  kind: string;
  jail: JailSpec;
  /** Written before the (first) start. */
  history: Event[];
  /** One entry per phase of the batch template. */
  phases: Phase[];
  /** Ban durations compared as printed rather than in whole seconds. */
  exactBantimes: boolean;
  /** No sentinel line at start: the log stays empty until the first phase writes to it. */
  emptyAtStart: boolean;
}

/** Batch-wide shape: how many live phases, and which of them start with stop + start (with the DB). */
export interface Template {
  name: string;
  restartBefore: boolean[];
}

export const TEMPLATES = {
  plain: { name: "plain", restartBefore: [false, false] },
  restart: { name: "restart", restartBefore: [false, true, false] },
} satisfies Record<string, Template>;

/** Every jail ignores this network; a line from it marks "everything before has been read". */
export const SENTINEL_NET = "192.0.2.192/26";
export const sentinelIp = (n: number): string => `192.0.2.${193 + n}`;

/** mulberry32: small, seedable, good enough to spread ages and counts. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}
