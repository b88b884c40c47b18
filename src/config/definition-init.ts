import { ConfigError } from "./errors.ts";
import { CONDITIONAL_RE, IniConfig, NoOptionError, NoSectionError } from "./ini.ts";
import { substituteRecursiveTags } from "./tags.ts";

/**
 * fail2ban's DefinitionInitConfigReader: the shared logic of filter.d and action.d files.
 * [Definition] holds the options (with `<tag>` references), [Init] holds defaults that a jail may
 * override as `name[opt=value]`; known/opt keeps the file's own [Init] value.
 */
export class DefinitionInit {
  /** Definition options (interpolated, tags still in). */
  private opts = new Map<string, string>();
  /** Options given by the reference (name[...]) plus [Init] defaults and their known/ copies. */
  readonly initOpts: Map<string, string>;
  private pOpts: Record<string, string> = {};
  private readonly combCache = new Map<string, string | undefined>();

  constructor(
    readonly cfg: IniConfig,
    private readonly configOpts: readonly string[],
    initOpts: Record<string, string>,
    /** For messages: the main file of the filter/action. */
    readonly file?: string,
  ) {
    this.initOpts = new Map(Object.entries(initOpts));
  }

  /**
   * Reads the [Definition] options not already given in pOpts (the jail's own options, which are
   * also interpolation variables), then folds [Init] into initOpts.
   * all: also every other own [Definition] option (fail2ban does this to merge known/… into the jail).
   */
  getOptions(pOptsIn: Record<string, string> = {}, all = false): void {
    const pOpts = this.initOpts.size ? { ...pOptsIn, ...Object.fromEntries(this.initOpts) } : pOptsIn;
    this.opts = new Map();
    for (const name of this.configOpts) {
      if (Object.hasOwn(pOpts, name)) continue;
      const v = this.cfg.find("Definition", name, { vars: pOpts });
      if (v !== undefined) this.opts.set(name, v);
    }
    this.pOpts = pOpts;
    if (this.cfg.hasSection("Init")) {
      for (const opt of this.cfg.options("Init")) {
        if (opt === "__name__") continue;
        let v: string | undefined;
        if (!opt.startsWith("known/")) {
          v = this.cfg.get("Init", opt);
          this.initOpts.set(`known/${opt}`, v);
        }
        if (!this.initOpts.has(opt)) {
          // fail2ban 1.1: a value given for `opt` also overrides its conditional variants (opt?family=inet6)
          const cond = CONDITIONAL_RE.exec(opt);
          if (cond && Object.hasOwn(pOpts, cond[1]!)) v = pOpts[cond[1]!];
          this.initOpts.set(opt, v ?? this.cfg.get("Init", opt));
        }
      }
    }
    if (all && this.cfg.hasSection("Definition")) {
      // Own [Definition] options only (ConfigReader.options defaults to withDefault=False).
      for (const opt of this.cfg.options("Definition")) {
        if (opt === "__name__" || this.opts.has(opt)) continue;
        this.opts.set(opt, this.cfg.get("Definition", opt));
      }
    }
  }

  /** A [Definition] option resolved with the jail's options as variables (tag fallback). */
  getCombOption(name: string): string | undefined {
    if (this.combCache.has(name)) return this.combCache.get(name);
    let v: string | undefined;
    try {
      v = this.cfg.getEx("Definition", name, { vars: this.pOpts });
    } catch (e) {
      // fail2ban ignores only a missing section/option here; broken interpolation propagates.
      if (!(e instanceof NoSectionError || e instanceof NoOptionError)) throw e;
    }
    this.combCache.set(name, v);
    return v;
  }

  /** Definition + Init options with `<tag>`s replaced by each other (fail2ban's getCombined). */
  getCombined(ignoreIn: Iterable<string> = []): Map<string, string> {
    const combined = new Map([...this.opts, ...this.initOpts]);
    const ignore = new Set(ignoreIn);
    // A tag with conditional variants (blocktype?family=inet6) is resolved at run time.
    for (const name of combined.keys()) {
      const cond = CONDITIONAL_RE.exec(name);
      if (cond) ignore.add(cond[1]!);
    }
    try {
      return substituteRecursiveTags(combined, { ignore, addrepl: (tag) => this.getCombOption(tag) });
    } catch (e) {
      if (e instanceof ConfigError && e.file === undefined && this.file) throw new ConfigError(e.message, { file: this.file });
      throw e;
    }
  }
}

/** Python int() on a config string, or undefined when it is not an integer. */
export function parseIntOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim().replace(/_/gu, "");
  return /^[+-]?\d+$/u.test(t) ? Number(t) : undefined;
}

/** fail2ban's _as_bool. */
export function asBool(v: string | undefined): boolean {
  return v !== undefined && ["1", "on", "true", "yes"].includes(v.toLowerCase());
}
