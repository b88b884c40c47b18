import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { DefinitionInit, parseIntOption } from "./definition-init.ts";
import { ConfigError } from "./errors.ts";
import { diskFS, type ConfigFS } from "./fs.ts";
import { IniConfig } from "./ini.ts";

export interface FilterDefinition {
  /** Filter name; `file` is describe() of its main file. */
  name: string;
  file: string;
  prefregex?: string;
  /** One entry per non-empty line, interpolated; fail2ban tags (<HOST> ...) left as-is. */
  failregex: string[];
  ignoreregex: string[];
  maxlines?: number;
  datepattern?: string;
  journalmatch?: string;
  usedns?: string;
  /** Every resolved option (Definition + Init + passed). */
  options: Record<string, string>;
  /** Where each option was written ([Definition] of the file that won), for error messages. */
  where?: Record<string, { file?: string; line?: number }>;
}

/** The [Definition] options fail2ban's FilterReader sends to the server. */
export const FILTER_OPTIONS = ["usedns", "prefregex", "ignoreregex", "failregex", "maxlines", "datepattern", "journalmatch"] as const;

/** A filter's config files, read but not yet resolved (the jail reader needs this stage). */
export interface FilterSource {
  name: string;
  file: string;
  reader: DefinitionInit;
}

const looksLikePath = (s: string): boolean => s.includes("/") || /\.(conf|local)$/u.test(s);

/** Reads filter.d/NAME.{conf,local} (+ .d/) or a filter file given by path, as fail2ban-regex does. */
export function readFilter(fs: ConfigFS, nameOrPath: string, opts: Record<string, string> = {}, cache?: Map<string, IniConfig>): FilterSource {
  if (looksLikePath(nameOrPath)) {
    // As fail2ban-regex: a name without an extension may mean NAME.conf or NAME.local.
    const given = resolve(nameOrPath);
    const tries = nameOrPath.slice(-6).includes(".") ? [given] : [given, `${given}.conf`, `${given}.local`];
    const path = tries.find((p) => existsSync(p));
    if (!path) throw new ConfigError("filter file not found", { file: given });
    const dir = dirname(path);
    if (basename(dir) === "filter.d") {
      return readFilter(diskFS(dirname(dir)), basename(path).replace(/\.(conf|local)$/u, ""), opts);
    }
    // A file outside any filter.d: read it alone, with its includes (fail2ban's readexplicit).
    const cfg = new IniConfig(diskFS(dir));
    cfg.read([basename(path)]);
    return { name: basename(path).replace(/\.(conf|local)$/u, ""), file: path, reader: new DefinitionInit(cfg, FILTER_OPTIONS, opts, path) };
  }
  const base = `filter.d/${nameOrPath}`;
  // Parsed files are only read afterwards, so jails using the same filter can share them.
  let cfg = cache?.get(base);
  if (!cfg) {
    cfg = new IniConfig(fs);
    if (!cfg.readNamed(base)) {
      throw new ConfigError(`filter '${nameOrPath}' not found in ${fs.label} (no ${base}.conf or ${base}.local)`);
    }
    cache?.set(base, cfg);
  }
  const file = fs.describe(fs.exists(`${base}.conf`) ? `${base}.conf` : `${base}.local`);
  return { name: nameOrPath, file, reader: new DefinitionInit(cfg, FILTER_OPTIONS, opts, file) };
}

/** Turns resolved options into the definition the filter engine takes. */
export function toFilterDefinition(src: FilterSource, resolved: Map<string, string>): FilterDefinition {
  const lines = (v: string | undefined): string[] => (v === undefined ? [] : v.split("\n").filter((l) => l !== ""));
  const def: FilterDefinition = {
    name: src.name,
    file: src.file,
    failregex: lines(resolved.get("failregex")),
    ignoreregex: lines(resolved.get("ignoreregex")),
    options: Object.fromEntries(resolved),
    where: {},
  };
  const written = src.reader.cfg.sections.get("Definition");
  for (const key of FILTER_OPTIONS) {
    const entry = written?.get(key) ?? src.reader.cfg.defaults.get(key);
    if (entry?.file) def.where![key] = { file: entry.file, line: entry.line };
  }
  const maxlines = resolved.get("maxlines");
  if (maxlines !== undefined) {
    const n = parseIntOption(maxlines);
    // fail2ban warns and falls back to the default (unset) for a non-integer maxlines.
    if (n !== undefined) def.maxlines = n;
  }
  for (const key of ["prefregex", "datepattern", "journalmatch", "usedns"] as const) {
    const v = resolved.get(key);
    if (v !== undefined) def[key] = v;
  }
  return def;
}

/**
 * loadFilter: a filter by name (filter.d/NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local in
 * fs) or by path to a filter file on disk, with options as given by `filter = NAME[opt=val]`.
 */
export function loadFilter(fs: ConfigFS, nameOrPath: string, opts: Record<string, string> = {}): FilterDefinition {
  const src = readFilter(fs, nameOrPath, opts);
  src.reader.getOptions({});
  return toFilterDefinition(src, src.reader.getCombined());
}
