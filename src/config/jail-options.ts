// The one list of options a jail section may set (fail2ban's JailReader._configOpts plus
// FilterReader._configOpts), and the check that warns about keys nothing reads.
import type { Entry, IniConfig } from "./ini.ts";
import type { OptionTemplate, OptionType } from "./read-options.ts";

export interface JailOptionSpec {
  type: OptionType;
  /** fail2ban's template default (the first-pass options and 1.1's *_if_nologs have one). */
  fallback?: string | boolean;
  /**
   * Set when f2b reads the option but does not apply it: reading it warns with this reason.
   * tests/config/jail-options.test.ts checks every other option reaches JailSettings.
   */
  unsupported?: string;
  /** f2b's own option: fail2ban has none of this name (its reader ignores the key). */
  own?: true;
}

/** In fail2ban's order; the filter options at the end are sent after the filter file's own. */
export const JAIL_OPTIONS = {
  enabled: { type: "bool", fallback: false },
  backend: { type: "string", fallback: "auto" },
  maxretry: { type: "int" },
  maxmatches: { type: "int" },
  findtime: { type: "string" },
  bantime: { type: "string" },
  "bantime.increment": { type: "bool" },
  "bantime.factor": { type: "string" },
  "bantime.formula": { type: "string" },
  "bantime.multipliers": { type: "string" },
  "bantime.maxtime": { type: "string" },
  "bantime.rndtime": { type: "string" },
  "bantime.overalljails": { type: "bool" },
  ignorecommand: { type: "string" },
  ignoreself: { type: "bool" },
  ignoreip: { type: "string" },
  ignorecache: { type: "string" },
  filter: { type: "string", fallback: "" },
  logtimezone: { type: "string" },
  logencoding: { type: "string" },
  logpath: { type: "string" },
  // fail2ban 1.1: what a file jail does when none of its log files exists (src/server/source-check.ts)
  skip_if_nologs: { type: "bool", fallback: false },
  systemd_if_nologs: { type: "bool", fallback: true },
  action: { type: "string", fallback: "" },
  usedns: { type: "string" },
  prefregex: { type: "string" },
  ignoreregex: { type: "string" },
  failregex: { type: "string" },
  maxlines: { type: "int" },
  datepattern: { type: "string" },
  journalmatch: { type: "string" },
  linebudget: { type: "string", own: true },
  // src/net/prefix.ts: count and ban networks, escalate to networks, the shortest network banned
  banprefix4: { type: "string", own: true },
  banprefix6: { type: "string", own: true },
  escalate4: { type: "string", own: true },
  escalate6: { type: "string", own: true },
  minprefix4: { type: "string", own: true },
  minprefix6: { type: "string", own: true },
} as const satisfies Record<string, JailOptionSpec>;

export type JailOptionName = keyof typeof JAIL_OPTIONS;

/** JAIL_OPTIONS keyed by plain strings, for lookups of names read from files. */
export const JAIL_OPTION_SPECS: Readonly<Record<string, JailOptionSpec>> = JAIL_OPTIONS;

/** JAIL_OPTIONS in the shape readOptions takes. */
export const JAIL_TEMPLATE: OptionTemplate = Object.entries(JAIL_OPTION_SPECS).map(([name, s]) => [name, s.type, s.fallback] as const);

/** Options read before the filter (fail2ban's _configOpts1st). */
export const FIRST_PASS_TEMPLATE: OptionTemplate = JAIL_TEMPLATE.filter(([n]) => n === "enabled" || n === "backend" || n === "filter");

export const isJailOption = (name: string): name is JailOptionName => Object.hasOwn(JAIL_OPTIONS, name);

export interface ConfigWarning {
  message: string;
  file?: string;
  line?: number;
}

/** "FILE:LINE: message", as errors are printed. */
export function formatWarning(w: ConfigWarning): string {
  return w.file ? `${w.file}${w.line ? `:${w.line}` : ""}: ${w.message}` : w.message;
}

// %(name)s, %(known/name)s, %(default/name)s, %(Section/name)s.
const REFERENCE_RE = /%\((?:([\w-]+)\/)?([^)]+)\)s/gu;

/**
 * Option names the jail's values can interpolate: references in its own section (with the values
 * it overrode, KNOWN/…) and in [DEFAULT], plus `%(jail/name)s` written anywhere. A reference in
 * another jail's section does not count: fail2ban never gives that jail's key to this one.
 */
function referencedNames(cfg: IniConfig, jail: string): Set<string> {
  const names = new Set<string>();
  const scan = (entries: Iterable<Entry> | undefined, own: boolean): void => {
    for (const e of entries ?? []) {
      if (!e.value.includes("%(")) continue;
      for (const m of e.value.matchAll(REFERENCE_RE)) {
        const sec = m[1]?.toLowerCase();
        if (own ? sec !== undefined && !["known", "default", jail.toLowerCase()].includes(sec) : sec !== jail.toLowerCase()) continue;
        names.add(m[2]!.toLowerCase());
      }
    }
  };
  for (const [name, sect] of cfg.sections) {
    const own = name === jail || name === `KNOWN/${jail}`;
    scan(sect.values(), own);
  }
  scan(cfg.defaults.values(), true);
  return names;
}

/**
 * Keys written in the jail's own section that fail2ban's JailReader never reads: not a jail
 * option and not interpolated by any value (fail2ban ignores them silently). [DEFAULT] is not
 * checked: stock jail.conf keeps helpers there (action_mw, ...) that only some setups use.
 */
export function unknownOptionWarnings(cfg: IniConfig, jail: string): ConfigWarning[] {
  const sect = cfg.sections.get(jail);
  if (!sect) return [];
  const referenced = referencedNames(cfg, jail);
  const out: ConfigWarning[] = [];
  for (const [key, entry] of sect) {
    // Entries without a file were merged in by the reader (known/… from the filter).
    if (!entry.file || isJailOption(key) || key.includes("?") || key.includes("/") || referenced.has(key)) continue;
    const near = nearestOption(key);
    out.push({
      message: `jail [${jail}]: unknown option '${key}' is ignored${near ? ` (did you mean '${near}'?)` : ""}`,
      file: entry.file,
      ...(entry.line !== undefined ? { line: entry.line } : {}),
    });
  }
  return out;
}

/** The jail option at edit distance ≤ 2, for "did you mean". */
function nearestOption(key: string): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const name of Object.keys(JAIL_OPTIONS)) {
    const d = editDistance(key, name);
    if (d < bestDist) [best, bestDist] = [name, d];
  }
  return best;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts once. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
