import { compileExpr, ExprError } from "./expr.ts";

/**
 * fail2ban's MyTime.str2seconds: the value is rewritten into an arithmetic expression
 * (units become "*<seconds>", blank-separated groups are summed) and then evaluated —
 * here by our safe evaluator, not by eval. Months/years use 365.25-day years as fail2ban does.
 */
const YEAR = ((365 * 3 + 366) * 24 * 60 * 60) / 4;
const unit = (alts: string): RegExp => new RegExp(`(?<=[\\d\\s])(${alts})\\b`, "gi");
const UNITS: Array<[RegExp, string]> = [
  [unit("days?|da|dd?"), `*${24 * 60 * 60}`],
  [unit("weeks?|wee?|ww?"), `*${7 * 24 * 60 * 60}`],
  [unit("months?|mon?"), `*${YEAR / 12}`],
  [unit("years?|yea?|yy?"), `*${YEAR}`],
  [unit("seconds?|sec?|ss?"), "*1"],
  [unit("minutes?|min?|mm?"), "*60"],
  [unit("hours?|hou?|hh?"), `*${60 * 60}`],
];

export class TimeParseError extends Error {}

/** Seconds for a fail2ban time value ("10m", "1h 30m", "1d12h", "-1", "600", "1year-6mo"). */
export function parseTime(input: string | number): number {
  if (typeof input === "number") return input;
  let s = input.replace(/(?<=[a-z])(\d)/gi, " $1");
  for (const [re, rpl] of UNITS) s = s.replace(re, rpl);
  s = s.replace(/(\d)\s+(\d)/g, "$1+$2");
  if (s.trim() === "") throw new TimeParseError(`invalid time value "${input}": empty`);
  try {
    const v = compileExpr(s).eval({});
    if (!Number.isFinite(v)) throw new ExprError("not a finite number");
    return v;
  } catch (e) {
    if (e instanceof ExprError) throw new TimeParseError(`invalid time value "${input}": ${e.message}`);
    throw e;
  }
}

/** fail2ban's MyTime.seconds2str: "1y 3w 4d", "2d 7h 15m", "59m 50s" (for log lines). */
export function secondsToStr(sec: number): string {
  let s = sec;
  if (s >= 31536000) {
    s = Math.round(s / 86400);
    let r = `${Math.floor(s / 365)}y `;
    s %= 365;
    if (s >= 7) {
      r += `${Math.floor(s / 7)}w `;
      s %= 7;
    }
    if (s) r += `${s}d `;
    return r.slice(0, -1);
  }
  if (s >= 604800) {
    s = Math.round(s / 3600);
    let r = `${Math.floor(s / 168)}w `;
    s %= 168;
    if (s >= 24) {
      r += `${Math.floor(s / 24)}d `;
      s %= 24;
    }
    if (s) r += `${s}h `;
    return r.slice(0, -1);
  }
  if (s >= 86400) {
    s = Math.round(s / 60);
    let r = `${Math.floor(s / 1440)}d `;
    s %= 1440;
    if (s >= 60) {
      r += `${Math.floor(s / 60)}h `;
      s %= 60;
    }
    if (s) r += `${s}m `;
    return r.slice(0, -1);
  }
  if (s >= 3595) {
    s = Math.round(s / 10);
    let r = `${Math.floor(s / 360)}h `;
    s %= 360;
    if (s >= 6) {
      r += `${Math.floor(s / 6)}m `;
      s %= 6;
    }
    return r.slice(0, -1);
  }
  let r = "";
  if (s >= 60) {
    r += `${Math.floor(s / 60)}m `;
    s %= 60;
  }
  if (s) r += `${s}s `;
  else if (!sec) r = "0 ";
  return r.slice(0, -1);
}

/** fail2ban's MyTime.time2str: local "YYYY-MM-DD HH:MM:SS". */
export function time2str(epoch: number): string {
  const d = new Date(Math.floor(epoch) * 1000);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
