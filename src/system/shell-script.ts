// The one shell policy: text that is not plainly safe (an address, a user name, a matched log line)
// never becomes part of a command's text. `sh -c SCRIPT NAME VALUE...` gets it as a positional
// parameter instead, assigned to a variable and expanded quoted where the template had the tag —
// inside single quotes, double quotes or none, as the template's author wrote it.

/** values inserted verbatim: cannot split words, glob, expand, assign or end a quote */
const SAFE_VALUE = /^[A-Za-z0-9_.:/@%+,-]*$/;

type QuoteState = "none" | "single" | "double";

/** Quote state of a POSIX shell command at the end of `text` (enough for action.d commands). */
export function quoteStateAt(text: string): QuoteState {
  let st: QuoteState = "none";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (st === "single") {
      if (c === "'") st = "none";
    } else if (c === "\\") i++;
    else if (st === "double") {
      if (c === '"') st = "none";
    } else if (c === "'") st = "single";
    else if (c === '"') st = "double";
  }
  return st;
}

export interface ShellScript {
  /** text for `sh -c`; values it references arrive as "$1", "$2" ... */
  script: string;
  args: string[];
}

/** Collects the values of one script; `insert` gives the text that stands for a value. */
export class ShellScriptBuilder {
  private readonly vars = new Map<string, string>();

  /** What to append to `before` (the script so far) so the shell expands exactly `value` there. */
  insert(before: string, name: string, value: string): string {
    if (SAFE_VALUE.test(value)) return value;
    const v = `f2bV_${name.replace(/\W/g, "_")}`;
    this.vars.set(v, value);
    const st = quoteStateAt(before);
    if (st === "double") return `\${${v}}`;
    if (st === "single") return `'"\${${v}}"'`; // leave the single quotes, expand quoted, re-enter
    return `"\${${v}}"`;
  }

  /** The script with its assignments from the positional parameters, and those parameters. */
  finish(script: string): ShellScript {
    const names = [...this.vars.keys()];
    if (names.length === 0) return { script, args: [] };
    const assign = names.map((n, i) => `${n}=$${i + 1}`).join(" ");
    return { script: `${assign}; set --\n${script}`, args: names.map((n) => this.vars.get(n)!) };
  }
}
