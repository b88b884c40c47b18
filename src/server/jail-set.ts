// `f2b set JAIL KEY VALUE`: turns the text of a run-time setting into the settings patch the
// jail applies, or an InvalidInputError naming the setting. Nothing changes on a bad value.
import { InvalidInputError, type SettableKey } from "../api/controller.ts";
import { makeBanTimeCalculator, type IncrementOptions } from "../ban/increment.ts";
import { parseTime } from "../jail/time.ts";
import type { JailSettings } from "./settings.ts";

export type JailSettingsPatch = Partial<Pick<JailSettings, "bantime" | "findtime" | "maxretry" | "maxmatches" | "increment">>;

const TRUE = /^(1|yes|true|on)$/iu;
const FALSE = /^(0|no|false|off)$/iu;

function bad(key: string, what: string, value: string): never {
  throw new InvalidInputError(`${key}: ${what}: '${value}'`, "value");
}

function time(key: string, value: string): number {
  try {
    return parseTime(value);
  } catch (e) {
    return bad(key, (e as Error).message, value);
  }
}

function int(key: string, value: string, min: number): number {
  if (!/^\s*-?\d+\s*$/u.test(value)) bad(key, "not a whole number", value);
  const n = Number(value);
  if (n < min) bad(key, `must be at least ${min}`, value);
  return n;
}

function bool(key: string, value: string): boolean {
  if (TRUE.test(value.trim())) return true;
  if (FALSE.test(value.trim())) return false;
  return bad(key, "not a boolean (true/false, yes/no, 1/0)", value);
}

function increment(s: JailSettings, key: string, value: string): IncrementOptions {
  const opt = key.slice("bantime.".length);
  const next: IncrementOptions = { ...s.increment };
  if (opt === "increment" || opt === "overalljails") next[opt] = bool(key, value);
  else if (opt === "maxtime" || opt === "rndtime") next[opt] = String(time(key, value));
  else if (opt === "factor" || opt === "formula" || opt === "multipliers") next[opt] = value;
  try {
    makeBanTimeCalculator(next); // a formula that does not compile is refused here, not at the next ban
  } catch (e) {
    throw new InvalidInputError((e as Error).message, "value");
  }
  return next;
}

export function parseJailSetting(s: JailSettings, key: SettableKey, value: string): JailSettingsPatch {
  switch (key) {
    case "bantime":
      return { bantime: time(key, value) };
    case "findtime":
      return { findtime: time(key, value) };
    case "maxretry":
      return { maxretry: int(key, value, 1) };
    case "maxmatches":
      return { maxmatches: int(key, value, 0) };
    default:
      return { increment: increment(s, key, value) };
  }
}
