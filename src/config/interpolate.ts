import { ConfigError } from "./errors.ts";
import { DEFAULT_SECTION, optionKey, type Entry, type Section } from "./ini-parse.ts";

/** What interpolation looks into: [DEFAULT] plus named sections (and fail2ban's KNOWN/… ones). */
export interface Store {
  defaults: Section;
  sections: Map<string, Section>;
}

export class NoSectionError extends ConfigError {
  constructor(readonly section: string) {
    super(`no section [${section}]`);
  }
}

export class NoOptionError extends ConfigError {
  constructor(
    readonly section: string,
    readonly option: string,
  ) {
    super(`no option '${option}' in section [${section}]`);
  }
}

/** Python's configparser.MAX_INTERPOLATION_DEPTH. */
const MAX_DEPTH = 10;
const KEY_RE = /^%\(([^)]+)\)s/u;
// fail2ban's %(section/option)s form; option may itself contain '/'.
const SECTION_OPT_RE = /%\(([\w-]+)\/([^)]+)\)s/gu;

type Lookup = (key: string) => string | undefined;

export interface GetOptions {
  raw?: boolean;
  /**
   * Highest-priority values (fail2ban passes jail/filter options here); keys are case-folded.
   * Treated as immutable: folded once per object.
   */
  vars?: Readonly<Record<string, string | undefined>>;
}

// Callers pass the same vars object for many lookups; fold its keys once.
const foldedVars = new WeakMap<object, Map<string, string>>();
function foldVars(vars: Readonly<Record<string, string | undefined>> | undefined): Map<string, string> {
  if (!vars) return new Map();
  let folded = foldedVars.get(vars);
  if (!folded) {
    folded = new Map();
    for (const [k, v] of Object.entries(vars)) if (v !== undefined) folded.set(optionKey(k), v);
    foldedVars.set(vars, folded);
  }
  return folded;
}

/** ConfigParser.get with fail2ban's BasicInterpolationWithName: vars > section > DEFAULT. */
export function getOption(store: Store, section: string, option: string, opts: GetOptions = {}): string {
  const v = findOption(store, section, option, opts);
  if (v === undefined) {
    throw store.sections.has(section) || section === DEFAULT_SECTION ? new NoOptionError(section, optionKey(option)) : new NoSectionError(section);
  }
  return v;
}

/** getOption, but undefined (instead of an exception) when the section or option is missing. */
export function findOption(store: Store, section: string, option: string, opts: GetOptions = {}): string | undefined {
  const sect = store.sections.get(section);
  if (!sect && section !== DEFAULT_SECTION) return undefined;
  const vars = foldVars(opts.vars);
  const key = optionKey(option);
  const fromVars = vars.get(key);
  const entry: Entry | undefined = fromVars !== undefined ? { value: fromVars } : (sect?.get(key) ?? store.defaults.get(key));
  if (!entry) return undefined;
  if (opts.raw) return entry.value;
  // Per-lookup additions (__name__, %(sec/opt)s targets) sit on top of the chain map.
  const overlay = new Map<string, string>([["__name__", section]]);
  const chain: Lookup = (k) => overlay.get(k) ?? vars.get(k) ?? sect?.get(k)?.value ?? store.defaults.get(k)?.value;
  const out = new Output({ file: entry.file, line: entry.line }, section, key);
  interpolate(store, section, key, entry, entry.value, chain, overlay, out, 1);
  return out.parts.join("");
}

/** Python would build references like %(a)s%(a)s… nested 10 deep until memory runs out. */
const MAX_VALUE_LENGTH = 1 << 22;

class Output {
  readonly parts: string[] = [];
  private length = 0;
  constructor(
    private readonly where: { file?: string; line?: number },
    private readonly section: string,
    private readonly option: string,
  ) {}
  add(text: string): void {
    this.length += text.length;
    if (this.length > MAX_VALUE_LENGTH) {
      throw new ConfigError(`interpolated value of '${this.option}' in [${this.section}] exceeds ${MAX_VALUE_LENGTH} characters`, this.where);
    }
    this.parts.push(text);
  }
}

function interpolate(
  store: Store,
  section: string,
  option: string,
  origin: Entry,
  rest: string,
  chain: Lookup,
  overlay: Map<string, string>,
  out: Output,
  depth: number,
): void {
  const where = { file: origin.file, line: origin.line };
  if (depth > MAX_DEPTH) {
    throw new ConfigError(`interpolation of '${option}' in [${section}] nests deeper than ${MAX_DEPTH} levels (a %(name)s loop?)`, where, origin.value);
  }
  mapSectionOptions(store, section, rest, chain, overlay);
  while (rest) {
    const p = rest.indexOf("%");
    if (p < 0) {
      out.add(rest);
      return;
    }
    if (p > 0) {
      out.add(rest.slice(0, p));
      rest = rest.slice(p);
    }
    const c = rest.slice(1, 2);
    if (c === "%") {
      out.add("%");
      rest = rest.slice(2);
    } else if (c === "(") {
      const m = KEY_RE.exec(rest);
      if (!m) throw new ConfigError(`bad interpolation reference in '${option}' of [${section}]`, where, rest);
      const name = optionKey(m[1]!);
      rest = rest.slice(m[0].length);
      const v = chain(name);
      if (v === undefined) {
        throw new ConfigError(`unknown interpolation key '${m[1]}' in option '${option}' of [${section}]`, where, origin.value);
      }
      if (v.includes("%")) interpolate(store, section, option, origin, v, chain, overlay, out, depth + 1);
      else out.add(v);
    } else {
      throw new ConfigError(`'%' must be followed by '%' or '(' in option '${option}' of [${section}] (write %% for a literal %)`, where, rest);
    }
  }
}

/**
 * fail2ban's _map_section_options: makes %(known/x)s, %(default/x)s and %(Section/x)s resolvable.
 * known/x is x's value from the files read before the one that overrode it (else [DEFAULT]).
 * Lookups of x here are case-sensitive, as in fail2ban.
 */
function mapSectionOptions(store: Store, section: string, rest: string, chain: Lookup, overlay: Map<string, string>): void {
  if (!rest.includes("/") || !rest.includes("%(")) return;
  for (const m of rest.matchAll(SECTION_OPT_RE)) {
    const full = `${m[1]}/${m[2]}`;
    if (chain(full) !== undefined) continue;
    const sec = m[1]!;
    const opt = m[2]!;
    const lower = sec.toLowerCase();
    let v: string | undefined;
    if (lower === "known") v = store.sections.get(`KNOWN/${section}`)?.get(opt)?.value;
    else if (lower !== "default") {
      const target = store.sections.get(sec);
      if (!target) continue;
      v = target.get(opt)?.value;
    }
    v ??= store.defaults.get(opt)?.value;
    if (v !== undefined) overlay.set(full, v);
  }
}
