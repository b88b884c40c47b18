import { asBool, DefinitionInit } from "./definition-init.ts";
import { ConfigError } from "./errors.ts";
import type { ConfigFS } from "./fs.ts";
import { IniConfig } from "./ini.ts";

/** Shell command options of an action.d file, in fail2ban's order. */
export const ACTION_COMMANDS = [
  "actionstart",
  "actionstop",
  "actionflush",
  "actionreload",
  "actioncheck",
  "actionrepair",
  "actionban",
  "actionprolong",
  "actionreban",
  "actionunban",
] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

const ACTION_FLAGS = ["actionstart_on_demand", "actionrepair_on_unban", "norestored"] as const;
// fail2ban's ActionReader._configOpts order (commands and flags interleaved).
const ACTION_OPTIONS = [
  "actionstart",
  "actionstart_on_demand",
  "actionstop",
  "actionflush",
  "actionreload",
  "actioncheck",
  "actionrepair",
  "actionrepair_on_unban",
  "actionban",
  "actionprolong",
  "actionreban",
  "actionunban",
  "norestored",
] as const;
// Tags fail2ban resolves only at ban time (CommandAction._escapedTags + timeout/bantime).
const RUNTIME_TAGS = ["matches", "ipmatches", "ipjailmatches", "timeout", "bantime"];

export interface ActionDefinition {
  /** fail2ban's actname: unique per jail (file name, plus a suffix when `name=` differs). */
  name: string;
  /** action.d file name as referenced ("iptables-multiport"); `path` is describe() of it. */
  file: string;
  path: string;
  /** Commands with [Definition]/[Init] tags substituted; run-time tags (<ip>, ...) left in. */
  commands: Partial<Record<ActionCommand, string>>;
  actionstartOnDemand?: boolean;
  actionrepairOnUnban?: boolean;
  norestored?: boolean;
  /** The action's properties as fail2ban sends them (port, protocol, name, blocktype?family=inet6...). */
  properties: Record<string, string>;
  /** Every combined option, known/… included. */
  options: Record<string, string>;
}

/** The jail an action belongs to: its name and its resolved options (interpolation variables). */
export interface ActionJailContext {
  name: string;
  options?: Record<string, string>;
}

export function readActionConfig(fs: ConfigFS, file: string, cache?: Map<string, IniConfig>): IniConfig {
  const key = `action.d/${file}`;
  const cached = cache?.get(key);
  if (cached) return cached;
  const cfg = new IniConfig(fs);
  if (!cfg.readNamed(key)) throw new ConfigError(`action '${file}' not found in ${fs.label} (no ${key}.conf or ${key}.local)`);
  cache?.set(key, cfg);
  return cfg;
}

/**
 * loadAction: fail2ban's ActionReader for action.d/NAME with options from `action = NAME[opts]`.
 * The jail's options are interpolation variables, as fail2ban passes them.
 */
export function loadAction(
  fs: ConfigFS,
  file: string,
  opts: Record<string, string> = {},
  jail: ActionJailContext = { name: "" },
  cache?: Map<string, IniConfig>,
): ActionDefinition {
  const init = { ...opts };
  init["name"] ??= jail.name;
  const n = init["name"];
  if (init["actname"] === undefined) {
    let actname = file;
    if (n !== jail.name) actname += n.startsWith(jail.name) ? n.slice(jail.name.length) : `-${n}`;
    init["actname"] = actname;
  }
  const cfg = readActionConfig(fs, file, cache);
  const path = fs.describe(fs.exists(`action.d/${file}.conf`) ? `action.d/${file}.conf` : `action.d/${file}.local`);
  const reader = new DefinitionInit(cfg, ACTION_OPTIONS, init, path);
  reader.getOptions(jail.options ?? {});
  const combined = reader.getCombined(RUNTIME_TAGS);
  const def: ActionDefinition = {
    name: init["actname"],
    file,
    path,
    commands: {},
    properties: {},
    options: Object.fromEntries(combined),
  };
  for (const cmd of ACTION_COMMANDS) {
    const v = combined.get(cmd);
    if (v !== undefined) def.commands[cmd] = v;
  }
  const flags = { actionstart_on_demand: "actionstartOnDemand", actionrepair_on_unban: "actionrepairOnUnban", norestored: "norestored" } as const;
  for (const flag of ACTION_FLAGS) {
    const v = combined.get(flag);
    if (v !== undefined) def[flags[flag]] = asBool(v);
  }
  const optionSet = new Set<string>(ACTION_OPTIONS);
  for (const [k, v] of reader.initOpts) {
    if (!optionSet.has(k) && !k.startsWith("known/")) def.properties[k] = v;
  }
  return def;
}
