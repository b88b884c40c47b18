// fail2ban action.d files run the way fail2ban's CommandAction runs them: actionstart/stop/check/
// ban/unban/flush/repair through /bin/sh -c with a timeout, <tag> substitution from [Init] values
// and jail options (recursive, with [Init?family=inet6] conditionals), dynamic ticket tags, and
// actioncheck + actionrepair when a command fails. Ticket values reach the shell only as
// positional parameters (see shell-tags.ts).
import { ACTION_COMMANDS, type ActionCommand } from "../config/action-reader.ts";
import { parseTime } from "../jail/time.ts";
import { parseIP } from "../net/address.ts";
import { replaceDynamicTags, replaceStaticTags, substituteRecursive } from "./shell-tags.ts";
import type { Log } from "../system/log.ts";
import type { CommandRunner } from "../system/command.ts";

// the command options of an action.d file: one list, the reader's
const COMMANDS = ACTION_COMMANDS;
type CommandName = ActionCommand;

/** Plain action definition: raw command strings plus [Init]/jail values. */
export type ShellActionDef = Partial<Record<CommandName, string>> & {
  name?: string;
  init?: Record<string, string>;
  actionstart_on_demand?: string | boolean;
  actionrepair_on_unban?: string | boolean;
};

/** The shape src/config's loadAction returns (accepted as well). */
export interface LoadedActionLike {
  name: string;
  commands: Partial<Record<string, string>>;
  properties: Record<string, string>;
  actionstartOnDemand?: boolean;
  actionrepairOnUnban?: boolean;
}

/** The ticket as an action sees it (fail2ban's ActionInfo). */
export interface ActionInfo {
  ip: string;
  fid?: string;
  failures?: number;
  time?: number;
  bantime?: number;
  bancount?: number;
  matches?: string[];
  ipmatches?: string[];
  ipjailmatches?: string[];
  ipfailures?: number;
  ipjailfailures?: number;
  restored?: boolean;
  /** filter captures: F-USER → { user: ... } */
  data?: Record<string, unknown>;
}

export interface Action {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ban(info: ActionInfo): Promise<void>;
  unban(info: ActionInfo): Promise<void>;
  /** false when the action has no actionflush (the caller then unbans one by one) */
  flush(): Promise<boolean>;
  /** runs actioncheck (true when absent or passing) */
  check(): Promise<boolean>;
}

export interface ShellActionDeps {
  run: CommandRunner;
  log: Log;
  now?: () => number;
  shell?: string;
}

export class ActionError extends Error {}

const asBool = (v: string | boolean | undefined): boolean | undefined =>
  v === undefined ? undefined : typeof v === "boolean" ? v : /^(1|yes|true|on)$/i.test(v.trim());

/** fail2ban's action `timeout` option (str2seconds), 60 s when absent or unusable. */
function actionTimeout(v: string | undefined, log: Log, name: string): number {
  if (v === undefined || v.trim() === "") return 60;
  try {
    const t = parseTime(v);
    if (t > 0) return t;
  } catch {
    // reported below
  }
  log.warning(`[${name}] timeout = ${v}: not a positive duration, using 60 s`);
  return 60;
}

/** fail2ban's <family>: inet6 for an IPv6 address or network, else inet4 (raw failure ids too). */
const familyOf = (ip: string): "inet4" | "inet6" => (parseIP(ip)?.family === 6 ? "inet6" : "inet4");

const isLoaded = (input: ShellActionDef | LoadedActionLike): input is LoadedActionLike => "commands" in input && "properties" in input;

/** fail2ban's view of an action: commands are properties like any [Init] value. */
function actionProperties(input: ShellActionDef | LoadedActionLike): Record<string, string> {
  const loaded = isLoaded(input);
  const props: Record<string, string> = loaded ? { ...input.properties } : { ...(input.init ?? {}) };
  for (const c of COMMANDS) {
    // like fail2ban's CommandAction, an undefined command is an empty one
    props[c] = (loaded ? input.commands[c] : input[c]) ?? props[c] ?? "";
  }
  return props;
}

/** The command fail2ban would run for `cmd` and `family` before ticket tags (<ip> ...) go in. */
export function renderOperation(input: ShellActionDef | LoadedActionLike, cmd: CommandName, family: "inet4" | "inet6" | ""): string {
  const cond = family ? `family=${family}` : "";
  const text = replaceStaticTags(`<${cmd}>`, substituteRecursive(actionProperties(input), cond), cond);
  return family ? text.split("<family>").join(family) : text;
}

export function shellAction(input: ShellActionDef | LoadedActionLike, deps: ShellActionDeps): Action {
  const loaded = isLoaded(input);
  const props = actionProperties(input);
  const name = input.name ?? props["actname"] ?? props["name"] ?? "action";
  const log = deps.log;
  const now = deps.now ?? (() => Date.now() / 1000);
  const shell = deps.shell ?? "/bin/sh";
  const timeoutSec = actionTimeout(props["timeout"], log, name);
  const hasCond = Object.keys(props).some((k) => /^\w+\?family=/.test(k));
  const families = hasCond ? ["inet4", "inet6"] : [""];
  const onDemand = (loaded ? input.actionstartOnDemand : asBool((input as ShellActionDef).actionstart_on_demand)) ?? hasCond;
  const repairOnUnban = (loaded ? input.actionrepairOnUnban : asBool((input as ShellActionDef).actionrepair_on_unban)) ?? false;
  const started = new Map<string, boolean>();
  const resolvedCache = new Map<string, Record<string, string>>();

  const resolved = (cond: string): Record<string, string> => {
    let r = resolvedCache.get(cond);
    if (!r) resolvedCache.set(cond, (r = substituteRecursive(props, cond)));
    return r;
  };
  const operation = (cmd: CommandName, family: string): string => {
    const cond = family ? `family=${family}` : "";
    return replaceStaticTags(`<${cmd}>`, resolved(cond), cond);
  };

  /** Why the last command failed (for the error a failed start throws: `f2b status` shows it). */
  let lastFailure = "";
  const exec = async (cmdText: string, dyn: Record<string, string>, fields?: Record<string, string>): Promise<boolean> => {
    if (!cmdText.trim()) return true; // not defined: nothing to do
    const { script, args } = replaceDynamicTags(cmdText, dyn, fields);
    try {
      const res = await deps.run.run([shell, "-c", script, `f2b-${name}`, ...args], { timeoutMs: timeoutSec * 1000 });
      if (res.code !== 0) {
        lastFailure = `exit ${res.code}${res.stderr.trim() ? `: ${res.stderr.trim().split("\n")[0]!.slice(0, 200)}` : ""}`;
        log.error(`[${name}] command failed (exit ${res.code}): ${cmdText.slice(0, 300)}${res.stderr ? ` -- ${res.stderr.trim().slice(0, 500)}` : ""}`);
      }
      return res.code === 0;
    } catch (e) {
      lastFailure = (e as Error).message;
      log.error(`[${name}] ${(e as Error).message}`);
      return false;
    }
  };

  const baseInfo = (family: string): Record<string, string> => ({ time: String(now()), ...(family ? { family } : {}) });

  const runForFamilies = async (cmd: CommandName, fams: string[]): Promise<boolean> => {
    let ok = true;
    const executed = new Set<string>();
    for (const fam of fams) {
      const text = operation(cmd, fam);
      if (executed.has(text)) continue; // same command for both families: run once
      executed.add(text);
      ok = (await exec(text, baseInfo(fam))) && ok;
    }
    return ok;
  };

  const startFamily = async (fams: string[]): Promise<void> => {
    const ok = await runForFamilies("actionstart", fams);
    if (!ok) throw new ActionError(`[${name}] actionstart failed (${lastFailure})`);
    for (const f of fams) started.set(f, true);
  };

  /** CommandAction._invariantCheck: 1 sane, 0 broken, -1 left alone */
  const invariantCheck = async (family: string, allowRepair: boolean): Promise<number> => {
    const check = operation("actioncheck", family);
    if (await exec(check, baseInfo(family))) return 1;
    if (!allowRepair) return -1;
    log.error(`[${name}] Invariant check failed. Trying to restore a sane environment`);
    if (props["actionrepair"]) {
      if (!(await exec(operation("actionrepair", family), baseInfo(family)))) {
        started.set(family, false);
        log.error(`[${name}] Unable to restore environment`);
        return 0;
      }
      started.set(family, true);
    } else {
      await runForFamilies("actionstop", [family]);
      try {
        await startFamily([family]);
      } catch {
        started.set(family, false);
      }
    }
    if (started.get(family) && !(await exec(check, baseInfo(family)))) {
      log.error(`[${name}] Unable to restore environment`);
      return 0;
    }
    return 1;
  };

  const ticketInfo = (t: ActionInfo): { dyn: Record<string, string>; fields: Record<string, string> } => {
    const dyn: Record<string, string> = {
      ip: t.ip,
      family: familyOf(t.ip),
      fid: t.fid ?? t.ip,
      failures: String(t.failures ?? 0),
      time: String(t.time ?? now()),
      bantime: String(t.bantime ?? props["bantime"] ?? ""),
      bancount: String(t.bancount ?? 0),
      matches: (t.matches ?? []).join("\n"),
      ipmatches: (t.ipmatches ?? t.matches ?? []).join("\n"),
      ipjailmatches: (t.ipjailmatches ?? t.matches ?? []).join("\n"),
      ipfailures: String(t.ipfailures ?? t.failures ?? 0),
      ipjailfailures: String(t.ipjailfailures ?? t.failures ?? 0),
      restored: t.restored ? "1" : "0",
    };
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.data ?? {})) {
      if (v !== undefined && v !== null) fields[k.toLowerCase()] = Array.isArray(v) ? v.join("\n") : String(v);
    }
    if (t.fid !== undefined) fields["fid"] ??= t.fid; // <F-ID> is the ticket's id
    return { dyn, fields };
  };

  /** CommandAction._processCmd: run; on failure check/repair once and retry. */
  const processCmd = async (cmd: CommandName, t: ActionInfo): Promise<boolean> => {
    const family = hasCond ? familyOf(t.ip) : "";
    const { dyn, fields } = ticketInfo(t);
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && props["actioncheck"]) {
        const allow = cmd !== "actionunban" || repairOnUnban;
        if (!allow) log.error(`[${name}] Invariant check failed. Unban is impossible.`);
        if ((await invariantCheck(family, allow)) !== 1) return false;
      }
      const ok = await exec(operation(cmd, family), dyn, fields);
      if (ok || attempt >= 1) return ok;
    }
  };

  return {
    name,
    async start() {
      if (onDemand) return; // started per family at its first ban, like fail2ban
      await startFamily(families);
    },
    async stop() {
      const fams = [...started].filter(([, v]) => v).map(([f]) => f);
      const ok = await runForFamilies("actionstop", fams);
      for (const f of fams) started.set(f, false);
      if (!ok) throw new ActionError(`[${name}] actionstop failed`);
    },
    async ban(t) {
      const family = hasCond ? familyOf(t.ip) : "";
      if (!started.get(family)) await startFamily([family]);
      if (!(await processCmd("actionban", t))) throw new ActionError(`[${name}] ban of ${t.ip} failed`);
    },
    async unban(t) {
      if (!(await processCmd("actionunban", t))) throw new ActionError(`[${name}] unban of ${t.ip} failed`);
    },
    async flush() {
      if (!props["actionflush"]) return false;
      const fams = [...started].filter(([, v]) => v).map(([f]) => f);
      if (!(await runForFamilies("actionflush", fams))) throw new ActionError(`[${name}] actionflush failed`);
      return true;
    },
    async check() {
      if (!props["actioncheck"]) return true;
      const fams = [...started].filter(([, v]) => v).map(([f]) => f);
      for (const f of fams.length ? fams : families) if (!(await exec(operation("actioncheck", f), baseInfo(f)))) return false;
      return true;
    },
  };
}
