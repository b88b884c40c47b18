// Resolves the FILTER argument of `f2b regex`: a filter name (optionally `name[opt=val]`) in the
// config root's filter.d, a filter file path, or a literal failregex — as fail2ban-regex does.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { diskFS, embeddedFS, type ConfigFS } from "../config/fs.ts";
import { ConfigError } from "../config/errors.ts";
import { loadFilter, readFilter, toFilterDefinition, type FilterDefinition } from "../config/filter-reader.ts";
import { extractOptions } from "../config/options.ts";
import { installedConfDir } from "./socket-path.ts";

export interface LoadedFilter {
  def: FilterDefinition;
  /** fail2ban-regex style "Use ..." lines describing what was loaded. */
  notes: string[];
}

export class FilterNotFound extends Error {}

const NAME_RE = /^\/{0,3}[\w/\-.]+(?:\[.*\])?$/s;
const FALLBACK_ROOT = "/etc/fail2ban";

/**
 * `configDir` undefined means the installed root (/etc/f2b, as `f2b server` uses it) or, without
 * one, the embedded config; /etc/fail2ban serves names neither has.
 */
export function resolveFilter(
  value: string,
  configDir: string | undefined,
  opts: Record<string, string>,
  backend = "auto",
  installedDir: string | undefined = installedConfDir(),
): LoadedFilter {
  if (NAME_RE.test(value)) {
    const { name, options } = extractOptions(value);
    const allOpts = { ...options, ...opts };
    const optNote = Object.keys(allOpts).length ? [`Use   filter options : ${JSON.stringify(allOpts)}`] : [];
    if (name.includes("/") || /\.(conf|local)$/.test(name)) {
      if (!existsSync(name)) throw new FilterNotFound(`filter file not found: ${name}`);
      const abs = resolve(name);
      // inside a filter.d the whole config root is read (.local, .d/), as fail2ban-regex does
      const note =
        basename(dirname(abs)) === "filter.d"
          ? `Use   failregex filter file : ${basename(abs).replace(/\.(conf|local)$/, "")}, basedir: ${dirname(dirname(abs))}`
          : `Use   failregex file : ${name}`;
      return { def: loadForBackend(diskFS("."), name, allOpts, backend), notes: [note, ...optNote] };
    }
    const roots: { fs: ConfigFS; label: string }[] = [];
    if (configDir !== undefined) roots.push({ fs: diskFS(configDir), label: configDir });
    else {
      roots.push(installedDir !== undefined ? { fs: diskFS(installedDir), label: installedDir } : { fs: embeddedFS(), label: "embedded config" });
      if (existsSync(FALLBACK_ROOT)) roots.push({ fs: diskFS(FALLBACK_ROOT), label: FALLBACK_ROOT });
    }
    const looked: string[] = [];
    for (const [i, root] of roots.entries()) {
      const base = `filter.d/${name}`;
      if (!root.fs.exists(`${base}.conf`) && !root.fs.exists(`${base}.local`)) {
        looked.push(`${root.fs.describe(`${base}.conf`)} (or .local)`);
        continue;
      }
      const notes = [`Use   failregex filter file : ${name}, basedir: ${root.label}`, ...optNote];
      if (i > 0) notes.unshift(`Note: filter '${name}' is not in the ${roots[0]!.label}; using ${root.label}`);
      return { def: loadForBackend(root.fs, name, allOpts, backend), notes };
    }
    throw new FilterNotFound(`unknown filter '${name}'; looked for ${looked.join(", ")}`);
  }
  const def: FilterDefinition = { name: "", file: "command line", failregex: [value], ignoreregex: [], options: {} };
  return { def, notes: [`Use   failregex line : ${shorten(value)}`] };
}

/** loadFilter plus fail2ban's applyAutoOptions: reading the journal means `logtype = journal`
 * unless the filter's [Definition] or its options set it. */
function loadForBackend(fs: ConfigFS, name: string, opts: Record<string, string>, backend: string): FilterDefinition {
  if (!backend.startsWith("systemd")) return loadFilter(fs, name, opts);
  const src = readFilter(fs, name, opts);
  if (!src.reader.initOpts.get("logtype") && !src.reader.cfg.sections.get("Definition")?.has("logtype")) {
    src.reader.initOpts.set("logtype", "journal");
  }
  src.reader.getOptions({});
  return toFilterDefinition(src, src.reader.getCombined());
}

export function shorten(s: string, l = 53): string {
  return s.length > l ? `${s.slice(0, l - 3)}...` : s;
}

/**
 * Best-effort "FILE:LINE" for a regex that failed to compile: the config line whose literal
 * part (after any %(...)s interpolation) occurs in the interpolated pattern.
 */
export function locatePattern(file: string, pattern: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return file;
  }
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const body = lines[i]!.replace(/^\s*\w+\s*=\s*/, "").trim();
    const literal = body.split(/%\([^)]*\)s/).pop() ?? "";
    if (literal.length >= 6 && pattern.includes(literal)) return `${file}:${i + 1}`;
  }
  return file;
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
