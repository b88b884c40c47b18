import { asBool, parseIntOption } from "./definition-init.ts";
import { IniConfig, NoSectionError } from "./ini.ts";

export type OptionType = "string" | "int" | "bool";
export type OptionTemplate = readonly (readonly [name: string, type: OptionType, fallback?: string | boolean])[];

export interface ReadOptions {
  /** Resolved strings as written (after %(…)s interpolation). */
  values: Map<string, string>;
  /**
   * The same values as fail2ban holds them after type conversion, written back as Python's str()
   * would ("True", "5"): this is what fail2ban passes as interpolation variables to filters/actions.
   */
  pyValues: Record<string, string>;
}

/** fail2ban's ConfigReader.getOptions: template options of a section, with defaults and conversion. */
export function readOptions(cfg: IniConfig, section: string, template: OptionTemplate, shouldExist = false): ReadOptions {
  const values = new Map<string, string>();
  const pyValues: Record<string, string> = {};
  for (const [name, type, fallback] of template) {
    if (shouldExist && !cfg.hasSection(section)) throw new NoSectionError(section);
    let v: string | boolean | undefined = cfg.find(section, name);
    if (v !== undefined) values.set(name, v);
    else {
      v = fallback;
      if (v !== undefined) values.set(name, typeof v === "string" ? v : v ? "true" : "false");
    }
    if (v === undefined) continue;
    if (typeof v === "boolean") pyValues[name] = v ? "True" : "False";
    else if (type === "bool") pyValues[name] = asBool(v) ? "True" : "False";
    else if (type === "int") {
      // fail2ban warns about a non-integer and falls back to the template default (none here).
      const n = parseIntOption(v);
      if (n !== undefined) pyValues[name] = String(n);
    } else pyValues[name] = v;
  }
  return { values, pyValues };
}
