import { posix } from "node:path";
import { ConfigError } from "./errors.ts";
import type { ConfigFS } from "./fs.ts";
import { DEFAULT_SECTION, optionKey, parseIni, type IniFile, type Section } from "./ini-parse.ts";
import { findOption, getOption, NoSectionError, type GetOptions, type Store } from "./interpolate.ts";

export { ConfigError } from "./errors.ts";
export { NoOptionError, NoSectionError } from "./interpolate.ts";
export type { Entry, Section } from "./ini-parse.ts";

const INCLUDES = "INCLUDES";
const MAX_INCLUDE_DEPTH = 32;
// [Init?family=inet6] is merged into [Init] as options "name?family=inet6".
export const CONDITIONAL_RE = /^([\p{L}\p{N}_]+)(\?.+)$/su;
const SECTION_OPTNAME_RE = /^([\w-]+)\/([^\s>]+)$/u;

/**
 * fail2ban's SafeConfigParserWithIncludes + ConfigReaderUnshared: a set of files merged in read
 * order, [INCLUDES] before/after expanded, earlier values of overridden options kept as KNOWN/….
 */
export class IniConfig implements Store {
  readonly defaults: Section = new Map();
  readonly sections = new Map<string, Section>();
  /** Files merged, in order (describe() paths). */
  readonly files: string[] = [];
  /** Where each section was first declared (conditional sections under their base name). */
  readonly headers = new Map<string, { file: string; line: number }>();
  private readonly parsed = new Map<string, IniFile | null>();

  constructor(readonly fs: ConfigFS) {}

  /**
   * Reads NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local (those that exist), with includes.
   * Returns false when none exists.
   */
  readNamed(name: string): boolean {
    const candidates = [`${name}.conf`];
    const dir = `${name}.d`;
    const inDir = (ext: string): string[] =>
      this.fs
        .list(dir)
        .filter((n) => n.endsWith(ext))
        .map((n) => `${dir}/${n}`);
    candidates.push(...inDir(".conf"), `${name}.local`, ...inDir(".local"));
    const existing = candidates.filter((f) => this.fs.exists(f));
    if (existing.length === 0) return false;
    this.read(existing);
    return true;
  }

  /** Reads the given files (root-relative) and everything they include. */
  read(files: string[], withIncludes = true): void {
    const all = withIncludes ? this.includes(files, []) : files;
    for (const file of all) {
      const ini = this.parse(file);
      if (ini) this.merge(ini);
    }
  }

  private parse(file: string): IniFile | null {
    if (!this.parsed.has(file)) {
      const text = this.fs.read(file);
      this.parsed.set(file, text === undefined ? null : parseIni(text, this.fs.describe(file)));
    }
    return this.parsed.get(file)!;
  }

  /** A file list with each X.conf followed by its existing X.local (fail2ban's expansion). */
  private withLocals(files: string[]): string[] {
    const out: string[] = [];
    for (const f of files) {
      out.push(f);
      const local = `${f.replace(/\.[^./]*$/u, "")}.local`;
      if (!files.includes(local) && this.fs.exists(local)) out.push(local);
    }
    return out;
  }

  private includes(files: string[], seen: string[], chain: string[] = []): string[] {
    return this.withLocals(files).flatMap((f) => this.includesOf(f, seen, chain));
  }

  /**
   * before-includes, the file, after-includes. Like fail2ban, an include naming a file whose
   * includes are being expanded is skipped; loops fail2ban would recurse on forever (through
   * X.local siblings) are reported by chain length.
   */
  private includesOf(file: string, seen: string[], chain: string[]): string[] {
    const ini = this.parse(file);
    if (!ini) return [];
    const incl = ini.sections.get(INCLUDES);
    const lists: Record<"before" | "after", string[]> = { before: [], after: [] };
    if (incl) {
      for (const which of ["before", "after"] as const) {
        const entry = incl.get(which) ?? ini.defaults.get(which);
        if (!entry) continue;
        const value = getOption(ini, INCLUDES, which);
        for (const target of value.split("\n")) {
          if (target === "") continue;
          const r = posix.isAbsolute(target) ? target : posix.join(posix.dirname(file), target);
          if (seen.includes(r)) continue;
          if (!this.fs.exists(r) && !r.endsWith(".local")) {
            throw new ConfigError(`[INCLUDES] ${which}: file not found (${this.fs.describe(r)})`, entry, target);
          }
          if (chain.length >= MAX_INCLUDE_DEPTH) {
            throw new ConfigError(`[INCLUDES] ${which}: include loop (${[...chain.slice(0, 6), "…"].join(" → ")})`, entry, target);
          }
          lists[which].push(...this.includes([r], [...seen, file], [...chain, file]));
        }
      }
    }
    return [...lists.before, file, ...lists.after];
  }

  private merge(ini: IniFile): void {
    this.files.push(ini.file);
    for (const [k, v] of ini.defaults) this.defaults.set(k, v);
    for (const [rawName, sect] of ini.sections) {
      let name = rawName;
      let opts: Section = sect;
      const cond = CONDITIONAL_RE.exec(rawName);
      if (cond) {
        name = cond[1]!;
        opts = new Map([...sect].map(([k, v]) => [k + cond[2]!, v]));
      }
      const prev = this.sections.get(name);
      const at = ini.headers.get(rawName);
      if (at && !this.headers.has(name)) this.headers.set(name, at);
      if (!prev) {
        this.sections.set(name, new Map(opts));
        continue;
      }
      const knownName = `KNOWN/${name}`;
      const known = this.sections.get(knownName) ?? new Map();
      this.sections.set(knownName, known);
      for (const [k, v] of prev) if (opts.has(k)) known.set(k, v);
      for (const [k, v] of opts) prev.set(k, v);
    }
  }

  /** Section names without fail2ban's internal KNOWN/… ones. */
  sectionNames(): string[] {
    return [...this.sections.keys()].filter((n) => !n.startsWith("KNOWN/"));
  }

  hasSection(section: string): boolean {
    return this.sections.has(section);
  }

  /** Option names of a section; with withDefault, [DEFAULT]'s are added (Python set semantics). */
  options(section: string, withDefault = false): string[] {
    const sect = this.sections.get(section);
    if (!sect) throw new NoSectionError(section);
    const own = [...sect.keys()];
    if (!withDefault) return own;
    return [...new Set([...own, ...this.defaults.keys()])];
  }

  hasOption(section: string, option: string, withDefault = true): boolean {
    const key = optionKey(option);
    if (section === DEFAULT_SECTION) return this.defaults.has(key);
    const sect = this.sections.get(section);
    if (!sect) return false;
    return sect.has(key) || (withDefault && this.defaults.has(key));
  }

  get(section: string, option: string, opts?: GetOptions): string {
    return getOption(this, section, option, opts);
  }

  /** get, or undefined when the section or option does not exist (interpolation errors still throw). */
  find(section: string, option: string, opts?: GetOptions): string | undefined {
    return findOption(this, section, option, opts);
  }

  /** Like get, but `sec/opt` names another section's option (known/… and default/… included). */
  getEx(section: string, option: string, opts: GetOptions = {}): string {
    const m = option.includes("/") ? SECTION_OPTNAME_RE.exec(option) : null;
    if (m) {
      const sec = m[1]!;
      const lower = sec.toLowerCase();
      const tries = lower === "known" ? [`KNOWN/${section}`, section] : [lower === "default" ? DEFAULT_SECTION : sec];
      for (const s of tries) {
        const v = findOption(this, s, m[2]!, { raw: opts.raw });
        if (v !== undefined) return v;
      }
    }
    return getOption(this, section, option, opts);
  }

  /**
   * Where the value of section/option was set: its entry (the section's, else [DEFAULT]'s, as
   * lookup finds it); when that value is only `%(other)s`, where `other` was set, so an error
   * points at the line a user wrote the bad value on.
   */
  origin(section: string, option: string): { file?: string; line?: number } | undefined {
    const sect = this.sections.get(section);
    let entry = sect?.get(optionKey(option)) ?? this.defaults.get(optionKey(option));
    for (let depth = 0; entry && depth < 10; depth++) {
      const ref = /^%\(([^)/]+)\)s$/u.exec(entry.value.trim());
      const next = ref ? (sect?.get(optionKey(ref[1]!)) ?? this.defaults.get(optionKey(ref[1]!))) : undefined;
      if (!next?.file) break;
      entry = next;
    }
    return entry?.file ? { file: entry.file, ...(entry.line !== undefined ? { line: entry.line } : {}) } : undefined;
  }

  mergeDefaults(values: Record<string, string>): void {
    for (const [k, v] of Object.entries(values)) this.defaults.set(k, { value: v });
  }

  /** fail2ban's merge_section: adds options (names prefixed by pref, e.g. "known/") to a section. */
  mergeSection(section: string, values: Record<string, string>, pref = ""): void {
    const sect = this.sections.get(section) ?? new Map();
    this.sections.set(section, sect);
    for (const [k, v] of Object.entries(values)) {
      if (pref && (k.startsWith(pref) || k === "__name__")) continue;
      sect.set(pref + k, { value: v });
    }
  }
}
