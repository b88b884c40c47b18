// Python inline flags: "(?aiLmsux)" (global, only at the start) and "(?aiLmsux-imsx:...)" (scoped),
// with the exact errors of re/_parser.py's _parse_flags.
import type { Flags, PyCursor } from "./pyre-cursor.ts";

/** Flags inside a scoped group; iChange says whether JS case folding must be switched on/off there. */
export interface ScopedFlags {
  flags: Flags;
  iChange?: boolean;
}

export function parseFlags(p: PyCursor, first: string, start: number, flags: Flags): "global" | ScopedFlags {
  const add = new Set<string>();
  const del = new Set<string>();
  let ch: string | undefined = first;
  const typeFlags = (s: Set<string>) => ["a", "u", "L"].filter((f) => s.has(f)).length;
  if (ch !== "-") {
    for (;;) {
      if (ch === "L") throw p.err("bad inline flags: cannot use 'L' flag with a str pattern", p.pos - 1);
      add.add(ch!);
      if (typeFlags(add) > 1) throw p.err("bad inline flags: flags 'a', 'u' and 'L' are incompatible", p.pos - 1);
      ch = p.take();
      if (ch === undefined) throw p.err("missing -, : or )", p.pos);
      if (ch === ")" || ch === "-" || ch === ":") break;
      if (!"aiLmsux".includes(ch)) throw p.err(/\p{L}/u.test(ch) ? "unknown flag" : "missing -, : or )", p.pos - 1);
    }
  }
  if (ch === ")") {
    for (const f of add) if (f in p.globalFlags) (p.globalFlags as unknown as Record<string, boolean>)[f] = true;
    return "global";
  }
  if (ch === "-") {
    ch = p.take();
    if (ch === undefined) throw p.err("missing flag", p.pos);
    if (!"aiLmsux".includes(ch)) throw p.err(/\p{L}/u.test(ch) ? "unknown flag" : "missing flag", p.pos - 1);
    for (;;) {
      if ("auL".includes(ch!)) throw p.err("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", p.pos - 1);
      del.add(ch!);
      ch = p.take();
      if (ch === undefined) throw p.err("missing :", p.pos);
      if (ch === ":") break;
      if (!"aiLmsux".includes(ch)) throw p.err(/\p{L}/u.test(ch) ? "unknown flag" : "missing :", p.pos - 1);
    }
  }
  for (const f of add) if (del.has(f)) throw p.err("bad inline flags: flag turned on and off", start, p.pos - start);
  const next: Flags = { ...flags };
  for (const f of ["i", "m", "s", "x", "a"] as const) {
    if (add.has(f)) next[f] = true;
    if (del.has(f)) next[f] = false;
  }
  const r: ScopedFlags = { flags: next };
  if (next.i !== flags.i) r.iChange = next.i;
  return r;
}
