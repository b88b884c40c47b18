import { loadAction, type ActionDefinition } from "./action-reader.ts";
import { asBool } from "./definition-init.ts";
import { ConfigError } from "./errors.ts";
import { FILTER_OPTIONS, readFilter, toFilterDefinition, type FilterDefinition, type FilterSource } from "./filter-reader.ts";
import type { ConfigFS } from "./fs.ts";
import { IniConfig } from "./ini.ts";
import { extractOptions, splitWithOptions, type NamedOptions } from "./options.ts";
import { FIRST_PASS_TEMPLATE, JAIL_OPTION_SPECS, JAIL_TEMPLATE, unknownOptionWarnings, type ConfigWarning } from "./jail-options.ts";
import { readOptions } from "./read-options.ts";

/** The fail2ban release whose configuration semantics f2b follows (`%(fail2ban_version)s`, e.g. the Fail2Ban/x user agent). */
export const FAIL2BAN_VERSION = "1.1.1";

export interface LogPath {
  path: string;
  start?: "head" | "tail";
  /** Where the logpath setting was written, for messages about this path. */
  where?: { file?: string; line?: number };
}

export interface JailAction extends NamedOptions {
  /** Resolved action.d definition (absent for Python actions). */
  definition?: ActionDefinition;
  /** For `name.py` actions: the path of the Python file (f2b cannot run these). */
  python?: string;
}

export interface JailConfig {
  name: string;
  enabled: boolean;
  /** Where the jail's section starts (first file that declares it). */
  file: string;
  line: number;
  /** Every option of the jail section (with [DEFAULT]) resolved; known/… ones left out. */
  options: Record<string, string>;
  /**
   * Where each option's value was set, for error messages: the jail's section, else [DEFAULT];
   * through a value that is only `%(other)s`, where `other` was set.
   */
  where: Record<string, { file?: string; line?: number }>;
  /** Options nothing reads (typos) or f2b does not apply; `f2b -t` prints them. */
  warnings: ConfigWarning[];
  backend: string;
  filter: NamedOptions | null;
  /** The filter as fail2ban sends it to the server: filter file plus the jail's own overrides. */
  filterDef?: FilterDefinition;
  actions: JailAction[];
  /** Unexpanded globs; none for systemd backends (fail2ban ignores logpath there). */
  logpaths: LogPath[];
  /** Set when fail2ban would skip the jail ("Jail skipped, because of wrong configuration"). */
  error?: ConfigError;
}

export interface LoadJailsOptions {
  /** Treat every jail as enabled (fail2ban's force_enable). */
  forceEnable?: boolean;
  /** Only these sections. */
  only?: string[];
  /** fail2ban_confpath default; fs.label for disk roots. */
  confPath?: string;
}

/**
 * loadJails: fail2ban's JailsReader/JailReader over jail.conf, jail.d/*.conf, jail.local,
 * jail.d/*.local. Disabled jails come back with enabled=false and only the first-pass options.
 */
export function loadJails(fs: ConfigFS, opts: LoadJailsOptions = {}): JailConfig[] {
  const cfg = new IniConfig(fs);
  if (!cfg.readNamed("jail")) throw new ConfigError(`no jail.conf or jail.local in ${fs.label}`);
  cfg.mergeDefaults({ fail2ban_version: FAIL2BAN_VERSION, fail2ban_confpath: opts.confPath ?? fs.label.replace(/\/+$/u, "") });
  const cache = new Map<string, IniConfig>();
  const names = opts.only ?? cfg.sectionNames().filter((n) => n !== "INCLUDES");
  return names.map((name) => readJail(fs, cfg, name, opts.forceEnable ?? false, cache));
}

/** cache: parsed filter.d/action.d files shared between jails (keys "filter.d/x", "action.d/y"). */
function readJail(fs: ConfigFS, cfg: IniConfig, name: string, force: boolean, cache: Map<string, IniConfig>): JailConfig {
  const at = cfg.headers.get(name);
  if (!cfg.hasSection(name)) throw new ConfigError(`jail [${name}] not found`);
  const first = readOptions(cfg, name, FIRST_PASS_TEMPLATE, true);
  const enabled = force || asBool(first.values.get("enabled"));
  const jail: JailConfig = {
    name,
    enabled,
    file: at?.file ?? fs.label,
    line: at?.line ?? 0,
    options: Object.fromEntries(first.values),
    where: {},
    warnings: [],
    backend: first.values.get("backend") ?? "auto",
    filter: null,
    actions: [],
    logpaths: [],
  };
  if (!enabled) return jail;
  const where = (opt: string): { file?: string; line?: number } => cfg.origin(name, opt) ?? { file: jail.file, line: jail.line };
  let filter: FilterSource | undefined;
  try {
    const flt = first.values.get("filter") ?? "";
    if (flt) {
      jail.filter = extractOptions(flt, where("filter"));
      filter = readFilter(fs, jail.filter.name, jail.filter.options, cache);
      // fail2ban's applyAutoOptions: logtype follows the backend unless given or set by the filter.
      const own = filter.reader.cfg.sections.get("Definition");
      if (!filter.reader.initOpts.get("logtype") && !own?.has("logtype")) {
        filter.reader.initOpts.set("logtype", jail.backend.startsWith("systemd") ? "journal" : "file");
      }
      filter.reader.getOptions(first.pyValues, true);
      cfg.mergeSection(name, Object.fromEntries(filter.reader.getCombined()), "known/");
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    jail.error = new ConfigError(`jail [${name}]: filter: ${e.message}`, where("filter"));
    return jail;
  }
  const second = readOptions(cfg, name, JAIL_TEMPLATE);
  jail.options = resolveAll(cfg, name);
  for (const opt of Object.keys(jail.options)) {
    const entry = cfg.origin(name, opt);
    if (entry?.file) jail.where[opt] = { file: entry.file, line: entry.line };
  }
  jail.warnings = unknownOptionWarnings(cfg, name);
  for (const [opt, spec] of Object.entries(JAIL_OPTION_SPECS)) {
    if (spec.unsupported && second.values.has(opt)) {
      jail.warnings.push({ message: `jail [${name}]: option '${opt}' is not supported by f2b and is ignored: ${spec.unsupported}`, ...where(opt) });
    }
  }
  jail.backend = second.values.get("backend") ?? "auto";
  if (filter) {
    filter.reader.getOptions(second.pyValues);
    jail.filterDef = withJailOverrides(toFilterDefinition(filter, filter.reader.getCombined()), second.values, second.pyValues, where);
  }
  for (const raw of splitWithOptions(second.values.get("action") ?? "")) {
    const act = raw.trim();
    if (!act) continue;
    let ref: NamedOptions;
    try {
      ref = extractOptions(act, where("action"));
    } catch (e) {
      jail.error = e as ConfigError;
      return jail;
    }
    if (ref.name.endsWith(".py")) {
      const actname = ref.options["actname"] ?? ref.name.replace(/\.py$/u, "");
      jail.actions.push({ ...ref, python: fs.describe(`action.d/${ref.name}`), name: actname });
      continue;
    }
    try {
      const definition = loadAction(fs, ref.name, ref.options, { name, options: second.pyValues }, cache);
      jail.actions.push({ ...ref, definition });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      jail.error = new ConfigError(`jail [${name}]: action '${ref.name}': ${e.message}`, where("action"));
      return jail;
    }
  }
  if (!jail.backend.startsWith("systemd")) {
    try {
      jail.logpaths = parseLogpaths(second.values.get("logpath"), where("logpath"));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      jail.error = e;
    }
  }
  return jail;
}

/** Every option of the section (with [DEFAULT]) that resolves; known/… and broken ones left out. */
function resolveAll(cfg: IniConfig, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const opt of cfg.options(section, true)) {
    if (opt.startsWith("known/") || opt === "__name__") continue;
    try {
      out[opt] = cfg.get(section, opt);
    } catch {
      // An option no jail uses may reference something undefined; fail2ban never reads it either.
    }
  }
  return out;
}

/** The jail's own failregex/maxlines/... are sent after the filter's, as fail2ban's _fillStream does. */
function withJailOverrides(
  def: FilterDefinition,
  values: Map<string, string>,
  py: Record<string, string>,
  where: (opt: string) => { file?: string; line?: number },
): FilterDefinition {
  for (const key of FILTER_OPTIONS) {
    const v = values.get(key);
    if (v === undefined) continue;
    (def.where ??= {})[key] = where(key);
    if (key === "failregex" || key === "ignoreregex") def[key].push(...v.split("\n").filter((l) => l !== ""));
    else if (key === "maxlines") {
      if (py["maxlines"] !== undefined) def.maxlines = Number(py["maxlines"]);
    } else if (key === "journalmatch") def.journalmatch = def.journalmatch ? `${def.journalmatch}\n${v}` : v;
    else def[key] = v;
    def.options[key] = v;
  }
  return def;
}

/** logpath lines: a glob, optionally followed by ` head` or ` tail`. */
export function parseLogpaths(value: string | undefined, where?: { file?: string; line?: number }): LogPath[] {
  const out: LogPath[] = [];
  const at = where ? { where: { file: where.file, line: where.line } } : {};
  for (const line of (value ?? "").split("\n")) {
    if (line === "") continue;
    const cut = line.lastIndexOf(" ");
    if (cut < 0) {
      out.push({ path: line, ...at });
      continue;
    }
    const word = line.slice(cut + 1).toLowerCase();
    if (word !== "head" && word !== "tail") {
      throw new ConfigError("logpath: the word after a space must be 'head' or 'tail' (paths cannot contain spaces)", where, line);
    }
    out.push({ path: line.slice(0, cut), start: word, ...at });
  }
  return out;
}
