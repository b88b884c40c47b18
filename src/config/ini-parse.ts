import { ConfigError } from "./errors.ts";

/** One option value with where it was written, so later errors can point at it. */
export interface Entry {
  value: string;
  file?: string;
  line?: number;
}

export type Section = Map<string, Entry>;

export interface IniFile {
  file: string;
  defaults: Section;
  sections: Map<string, Section>;
  /** Where each section's header is (first occurrence). */
  headers: Map<string, { file: string; line: number }>;
}

export const DEFAULT_SECTION = "DEFAULT";

/** Python's ConfigParser.optionxform: option names are case-insensitive (lowercased). */
export const optionKey = (name: string): string => name.toLowerCase();

/** Python's str.isspace() for the one character before an inline comment. */
const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/u.test(ch);

/**
 * Where a line's comment starts, as fail2ban configures ConfigParser: whole-line comments
 * start with `#` or `;`; inline comments only with `;` and only after whitespace.
 */
function commentStart(line: string): number | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith("#") || trimmed.startsWith(";")) return 0;
  for (let i = line.indexOf(";"); i >= 0; i = line.indexOf(";", i + 1)) {
    if (i === 0 || isSpace(line[i - 1])) return i;
  }
  return undefined;
}

const SECTION_RE = /^\[(.+)\]/su;

/**
 * Parses one file the way Python 3's ConfigParser (strict, empty lines kept in values) reads it
 * for fail2ban. Values stay raw: interpolation happens on lookup.
 */
export function parseIni(text: string, file: string): IniFile {
  const result: IniFile = { file, defaults: new Map(), sections: new Map(), headers: new Map() };
  const seen = new Set<string>();
  const pending = new Map<Entry, string[]>();
  let current: Section | undefined;
  let sectionName: string | undefined;
  let option: Entry | undefined;
  let indentLevel = 0;
  const lines = text.replace(/^\ufeff/u, "").split(/\r\n|\r|\n/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const cut = commentStart(raw);
    const value = (cut === undefined ? raw : raw.slice(0, cut)).trim();
    if (value === "") {
      if (cut === undefined && option) pending.get(option)!.push("");
      return;
    }
    const indent = raw.search(/\S/u);
    if (current && option && indent > indentLevel) {
      pending.get(option)!.push(value);
      return;
    }
    indentLevel = indent;
    const header = SECTION_RE.exec(value);
    if (header) {
      sectionName = header[1]!;
      if (seen.has(`[${sectionName}`)) {
        throw new ConfigError(`section [${sectionName}] appears twice in this file`, { file, line: lineNo }, raw);
      }
      if (sectionName === DEFAULT_SECTION) current = result.defaults;
      else {
        seen.add(`[${sectionName}`);
        result.headers.set(sectionName, { file, line: lineNo });
        current = result.sections.get(sectionName) ?? new Map();
        result.sections.set(sectionName, current);
      }
      option = undefined;
      return;
    }
    if (!current) {
      throw new ConfigError("missing section header before this line", { file, line: lineNo }, raw);
    }
    // Python's `(.*?)\s*[=:]\s*(.*)$`: the name ends at the first `=` or `:` (found without a
    // regex, which would backtrack quadratically on long lines full of spaces).
    const delim = value.search(/[=:]/u);
    if (delim < 0 || value.slice(0, delim).trimEnd() === "") {
      throw new ConfigError(
        delim >= 0 ? "option line without a name" : "expected `name = value`, a [section] or an indented continuation",
        { file, line: lineNo },
        raw,
      );
    }
    const name = optionKey(value.slice(0, delim).trimEnd());
    const dupKey = `${sectionName}\u0000${name}`;
    if (seen.has(dupKey)) {
      throw new ConfigError(`option '${name}' appears twice in section [${sectionName}]`, { file, line: lineNo }, raw);
    }
    seen.add(dupKey);
    option = { value: "", file, line: lineNo };
    pending.set(option, [value.slice(delim + 1).trim()]);
    current.set(name, option);
  });
  // Continuation lines are joined with newlines; trailing blank lines are dropped.
  for (const [entry, parts] of pending) entry.value = parts.join("\n").trimEnd();
  return result;
}
