import { compileExpr, type Compiled } from "../jail/expr.ts";
import { parseTime, secondsToStr, time2str } from "../jail/time.ts";
import type { BanHistory, BanTicket } from "../jail/types.ts";

/** bantime.* options of a jail, as strings/values from the config. */
export interface IncrementOptions {
  increment?: boolean;
  /** bantime.factor: an expression, default "1". */
  factor?: string | number;
  /** bantime.formula: Python-subset expression over ban.Time, ban.Count, banFactor. */
  formula?: string;
  /** bantime.multipliers: "1 2 4 8 16 32 64". */
  multipliers?: string;
  maxtime?: string | number;
  rndtime?: string | number;
  overalljails?: boolean;
}

export const DEFAULT_FORMULA = "ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor";

export class IncrementConfigError extends Error {}

/**
 * fail2ban Jail.setBanTimeExtra's evformula: multipliers or formula (never below the base time),
 * capped by maxtime, plus up to rndtime random seconds.
 */
export function makeBanTimeCalculator(o: IncrementOptions, random: () => number = Math.random): (banTime: number, banCount: number) => number {
  const field = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new IncrementConfigError(`bantime.${name}: ${(e as Error).message}`);
    }
  };
  const banFactor = field("factor", () => (typeof o.factor === "number" ? o.factor : compileExpr(o.factor?.trim() || "1").eval({})));
  const multipliers = field("multipliers", () =>
    o.multipliers?.trim()
      ? o.multipliers
          .trim()
          .split(/\s+/)
          .map((s) => {
            if (!/^-?\d+$/.test(s)) throw new Error(`"${s}" is not an integer`);
            return Number(s);
          })
      : [],
  );
  const formula: Compiled = field("formula", () => compileExpr(o.formula?.trim() || DEFAULT_FORMULA));
  const maxtime = o.maxtime === undefined || o.maxtime === "" ? null : field("maxtime", () => parseTime(o.maxtime as string | number));
  const rndtime = o.rndtime === undefined || o.rndtime === "" ? null : field("rndtime", () => parseTime(o.rndtime as string | number));
  // Evaluate once so a formula with unknown names fails at config time, not at the first ban.
  field("formula", () => formula.eval({ ban: { Time: 600, Count: 1 }, banFactor }));

  return (banTime, banCount) => {
    let t: number;
    if (multipliers.length) {
      const m = multipliers[banCount < multipliers.length ? banCount : multipliers.length - 1] as number;
      t = banTime * banFactor * m;
    } else {
      t = Math.max(banTime, formula.eval({ ban: { Time: banTime, Count: banCount }, banFactor }));
    }
    if (maxtime !== null) t = Math.min(t, maxtime);
    if (rndtime !== null) t += random() * rndtime;
    return t;
  };
}

/**
 * fail2ban observer.incrBanTime: raises t's count and bantime (in place) from the ip's ban history
 * and logs "Increase Ban". A ticket not newer than the last ban is the same failures read again
 * (e.g. the log re-read after a restart): it is marked restored, as it is in the store already.
 */
export function incrementFromHistory(
  t: BanTicket,
  o: { jail: string; increment?: IncrementOptions; calc: (banTime: number, banCount: number) => number },
  history: BanHistory,
  notice: (msg: string) => void,
): void {
  const inc = o.increment;
  if (!inc?.increment || !(t.bantime > 0)) return;
  const last = history.lastBan(t.ip, inc.overalljails ? null : o.jail);
  if (!last) return;
  if (last.banCount >= t.banCount) t.banCount = last.banCount + 1;
  const org = t.bantime;
  if (last.banCount > 0) t.bantime = o.calc(org, last.banCount);
  if (t.time > last.timeOfBan) {
    if (t.bantime !== org) {
      const [bt, till] = t.bantime === -1 ? ["permanent", "infinite"] : [secondsToStr(t.bantime), time2str(t.time + t.bantime)];
      notice(`Increase Ban ${t.ip} (${t.banCount} # ${bt} -> ${till})`);
    }
  } else {
    t.restored = true;
  }
}
