// Test helper: folds fail2ban's client command stream and our JailConfig into the same per-jail
// view, so differential tests compare content rather than command order.
import { existsSync } from "node:fs";
import { shlexSplit } from "../../src/source/journal-match.ts";
import type { JailConfig } from "../../src/config/jail-reader.ts";
import { splitWords } from "../../src/config/options.ts";

export type View = {
  backend?: string;
  filter: Record<string, unknown>;
  opts: Record<string, string>;
  ignoreip: string[];
  logpaths: string[];
  actions: Record<string, Record<string, string>>;
};
const newView = (): View => ({ filter: { failregex: [], ignoreregex: [], journalmatch: [] }, opts: {}, ignoreip: [], logpaths: [], actions: {} });
const py = (v: unknown): string => (v === true ? "True" : v === false ? "False" : String(v));

/** fail2ban's command stream folded per jail (later `set` wins, `add…` appends). */
export function viewOfStream(stream: unknown[][]): { global: Record<string, string>; jails: Record<string, View>; started: string[]; errors: string[] } {
  const global: Record<string, string> = {};
  const jails: Record<string, View> = {};
  const started: string[] = [];
  const errors: string[] = [];
  for (const cmd of stream) {
    const [op, a, b, ...rest] = cmd as [string, string, string, ...unknown[]];
    if (op === "config-error") errors.push(String(a));
    else if (op === "start") started.push(a);
    else if (op === "add") (jails[a] ??= newView()).backend = b;
    else if (cmd.length === 3) global[a] = py(b);
    else {
      const v = (jails[a] ??= newView());
      const vals = op === "multi-set" && b !== "action" ? (rest[0] as unknown[]) : rest;
      if (b === "addfailregex" || b === "addignoreregex") (v.filter[b.slice(3)] as unknown[]).push(...vals);
      else if (b === "addjournalmatch") (v.filter["journalmatch"] as unknown[]).push(vals);
      else if (b === "addlogpath") v.logpaths.push(`${vals[0]} ${vals[1]}`);
      else if (b === "addignoreip") v.ignoreip.push(...vals.map(String));
      else if (b === "addaction" && vals.length > 1)
        v.actions[String(vals[0])] = { python: String(vals[1]), options: JSON.stringify(JSON.parse(String(vals[2]))) };
      else if (b === "addaction") v.actions[String(vals[0])] = {};
      else if (b === "action") {
        const pairs = op === "multi-set" ? (rest[1] as [string, unknown][]) : [rest.slice(1) as [string, unknown]];
        for (const [k, val] of pairs) v.actions[String(rest[0])]![k] = py(val);
      } else if (["usedns", "prefregex", "maxlines", "datepattern"].includes(b)) v.filter[b] = py(vals[0]);
      else v.opts[b] = py(vals[0]);
    }
  }
  return { global, jails, started, errors };
}

const INTS = new Set(["maxretry", "maxmatches"]);
const BOOLS = new Set(["bantime.increment", "bantime.overalljails", "ignoreself"]);
const STREAMED = [
  "maxretry",
  "maxmatches",
  "findtime",
  "bantime",
  "bantime.increment",
  "bantime.factor",
  "bantime.formula",
  "bantime.multipliers",
  "bantime.maxtime",
  "bantime.rndtime",
  "bantime.overalljails",
  "ignorecommand",
  "ignoreself",
  "ignorecache",
  "logtimezone",
  "logencoding",
];

export function viewOfJail(j: JailConfig): View {
  const v = newView();
  v.backend = j.backend;
  const f = j.filterDef;
  if (f) {
    v.filter = { failregex: f.failregex, ignoreregex: f.ignoreregex, journalmatch: journalMatchWords(f.journalmatch) };
    for (const k of ["usedns", "prefregex", "maxlines", "datepattern"] as const) if (f[k] !== undefined) v.filter[k] = String(f[k]);
  }
  for (const k of STREAMED) {
    const val = j.options[k];
    if (val === undefined) continue;
    v.opts[k] = INTS.has(k) ? String(parseInt(val, 10)) : BOOLS.has(k) ? py(["1", "on", "true", "yes"].includes(val.toLowerCase())) : val;
  }
  if (j.options["ignoreip"] !== undefined) v.ignoreip = splitWords(j.options["ignoreip"]);
  for (const lp of j.logpaths) {
    const found = /[*?[]/u.test(lp.path) ? globOrNone(lp.path) : existsSync(lp.path) ? [lp.path] : [];
    for (const p of found) v.logpaths.push(`${p} ${lp.start ?? "head"}`);
  }
  for (const a of j.actions) {
    if (a.python !== undefined) {
      const { actname: _ignored, ...rest } = a.options;
      v.actions[a.name] = { python: a.python, options: JSON.stringify(rest) };
      continue;
    }
    const d = a.definition!;
    const props: Record<string, string> = { ...d.commands };
    if (d.actionstartOnDemand !== undefined) props["actionstart_on_demand"] = py(d.actionstartOnDemand);
    if (d.actionrepairOnUnban !== undefined) props["actionrepair_on_unban"] = py(d.actionrepairOnUnban);
    if (d.norestored !== undefined) props["norestored"] = py(d.norestored);
    v.actions[d.name] = { ...props, ...d.properties };
  }
  return v;
}

function globOrNone(pattern: string): string[] {
  try {
    return [...new Bun.Glob(pattern).scanSync({ cwd: "/", absolute: true })];
  } catch {
    return []; // the pattern's directory does not exist
  }
}

/** A journalmatch value as fail2ban's reader sends it: one shlex-split word list per line. */
export function journalMatchWords(value: string | undefined): string[][] {
  return (value ?? "")
    .split("\n")
    .filter((l) => l !== "")
    .map(shlexSplit);
}
