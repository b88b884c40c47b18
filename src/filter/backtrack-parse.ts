// A lenient reader of Python `re` syntax into a small tree: character sets, sequences,
// alternations, repeats, groups, anchors and lookarounds. The real compiler (pyre-parser.ts)
// validates patterns; this tree serves the backtracking check (which looks at its shape only)
// and the linear-time engine (pike.ts), which gives up on what it marks "unsupported"
// (backreferences, conditionals, atomic groups, possessive repeats).
import { ANY, caseless, category, complement, NOT_NEWLINE, range, union, type CharSet } from "./backtrack-charset.ts";

export type Node =
  /** `src`: the atom as Python source with its flags, e.g. "(?i:[a-z])", for exact tests. */
  | { type: "set"; set: CharSet; src: string }
  | { type: "empty" }
  | { type: "seq"; items: Node[] }
  | { type: "alt"; alts: Node[] }
  | { type: "repeat"; body: Node; min: number; max: number; lazy: boolean; span: [number, number] }
  | { type: "group"; index: number; name?: string; body: Node }
  | { type: "assert"; kind: "bol" | "eol" | "start" | "end" | "word" | "nonword"; multiline: boolean }
  | { type: "look"; behind: boolean; negate: boolean; body: Node }
  | { type: "unsupported"; what: string };

const EMPTY: Node = { type: "empty" };

export function parsePyRegex(src: string, multiline = false): Node {
  const p = new Reader(src);
  // flags set for the whole pattern (fail2ban moves them to the front)
  const global = /^\(\?([aiLmsux]+)\)/u.exec(src)?.[1] ?? "";
  const n = p.alternation({
    i: global.includes("i"),
    x: global.includes("x"),
    m: global.includes("m") || multiline,
    s: global.includes("s"),
    a: global.includes("a"),
  });
  if (p.pos < src.length) throw new Error(`unbalanced ) at ${p.pos}`);
  return n;
}

interface Mode {
  i: boolean;
  x: boolean;
  m: boolean;
  s: boolean;
  a: boolean;
}

class Reader {
  pos = 0;
  private groups = 0;
  constructor(private readonly s: string) {}

  alternation(m: Mode): Node {
    const alts = [this.sequence(m)];
    while (this.s[this.pos] === "|") {
      this.pos++;
      alts.push(this.sequence(m));
    }
    return alts.length === 1 ? alts[0]! : { type: "alt", alts };
  }

  private sequence(m: Mode): Node {
    const items: Node[] = [];
    while (this.pos < this.s.length && this.s[this.pos] !== "|" && this.s[this.pos] !== ")") {
      const start = this.pos;
      const atom = this.atom(m);
      if (atom === null) continue;
      items.push(this.quantified(atom, start));
    }
    return items.length === 1 ? items[0]! : { type: "seq", items };
  }

  private quantified(atom: Node, start: number): Node {
    for (;;) {
      const c = this.s[this.pos];
      let min: number;
      let max: number;
      if (c === "*") [min, max] = [0, Infinity];
      else if (c === "+") [min, max] = [1, Infinity];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{") {
        const q = /^\{(\d*)(?:(,)(\d*))?\}/u.exec(this.s.slice(this.pos));
        if (!q || (q[1] === "" && q[2] === undefined)) return atom;
        min = q[1] ? Number(q[1]) : 0;
        max = q[2] === undefined ? min : q[3] ? Number(q[3]) : Infinity;
        this.pos += q[0].length - 1;
      } else return atom;
      this.pos++;
      let possessive = false;
      let lazy = false;
      if (this.s[this.pos] === "?") {
        lazy = true;
        this.pos++;
      } else if (this.s[this.pos] === "+") {
        possessive = true;
        this.pos++;
      }
      // a possessive repeat never gives back what it took: no backtracking into it (and no
      // linear-time equivalent here)
      const repeat: Node = { type: "repeat", body: atom, min, max, lazy, span: [start, this.pos] };
      atom = possessive ? { type: "seq", items: [{ type: "unsupported", what: "possessive repeat" }, atom] } : repeat;
    }
  }

  /** One atom; null for things that match nothing and cannot be repeated meaningfully (comments). */
  private atom(m: Mode): Node | null {
    const start = this.pos;
    const n = this.atomNode(m);
    // sets carry their own source with the flags in force, for exact character tests
    if (n?.type === "set" && n.src === "") {
      const flags = `${m.i ? "i" : ""}${m.s ? "s" : ""}${m.a ? "a" : ""}`;
      const raw = this.s.slice(start, this.pos);
      return { ...n, src: flags ? `(?${flags}:${raw})` : raw };
    }
    return n;
  }

  private atomNode(m: Mode): Node | null {
    const c = this.s[this.pos++]!;
    if (m.x && /\s/u.test(c)) return null;
    if (m.x && c === "#") {
      while (this.pos < this.s.length && this.s[this.pos] !== "\n") this.pos++;
      return null;
    }
    switch (c) {
      case ".":
        return { type: "set", set: m.s ? ANY : NOT_NEWLINE, src: "" };
      case "^":
        return { type: "assert", kind: "bol", multiline: m.m };
      case "$":
        return { type: "assert", kind: "eol", multiline: m.m };
      case "[":
        return { type: "set", set: this.klass(m), src: "" };
      case "\\":
        return this.escape(m, false) ?? EMPTY;
      case "(":
        return this.group(m);
      default:
        return this.literal(c.codePointAt(0)!, m);
    }
  }

  private literal(cp: number, m: Mode): Node {
    if (cp > 0xffff) this.pos++;
    const set = range(cp, cp);
    return { type: "set", set: m.i ? caseless(set) : set, src: "" };
  }

  private group(m: Mode): Node {
    let inner = m;
    let wrap: (body: Node) => Node;
    const rest = this.s.slice(this.pos);
    let h: RegExpExecArray | null;
    if (this.s[this.pos] !== "?") {
      const index = ++this.groups;
      wrap = (body) => ({ type: "group", index, body });
    } else if ((h = /^\?P<([^>]*)>/u.exec(rest))) {
      this.pos += h[0].length;
      const index = ++this.groups;
      const name = h[1]!;
      wrap = (body) => ({ type: "group", index, name, body });
    } else if ((h = /^\?:/u.exec(rest))) {
      this.pos += h[0].length;
      wrap = (body) => body;
    } else if ((h = /^\?P=[^)]*|^\?#[^)]*/u.exec(rest))) {
      this.pos += h[0].length;
      const what = h[0].startsWith("?#") ? null : "backreference";
      wrap = () => (what ? { type: "unsupported", what } : EMPTY);
    } else if ((h = /^\?>/u.exec(rest))) {
      this.pos += h[0].length;
      wrap = (body) => ({ type: "seq", items: [{ type: "unsupported", what: "atomic group" }, body] });
    } else if ((h = /^\?(=|!|<=|<!)/u.exec(rest))) {
      this.pos += h[0].length;
      const behind = h[1]!.startsWith("<");
      const negate = h[1]!.endsWith("!");
      wrap = (body) => ({ type: "look", behind, negate, body });
    } else if ((h = /^\?\((?:[^)]*)\)/u.exec(rest))) {
      this.pos += h[0].length; // conditional: both branches are alternatives here
      wrap = (body) => ({ type: "seq", items: [{ type: "unsupported", what: "conditional" }, body] });
    } else if ((h = /^\?([aiLmsux]*)(?:-([imsx]*))?(:|\))/u.exec(rest))) {
      this.pos += h[0].length;
      const on = (f: string, was: boolean): boolean => (was || h![1]!.includes(f)) && !h![2]?.includes(f);
      inner = { i: on("i", m.i), x: on("x", m.x), m: on("m", m.m), s: on("s", m.s), a: on("a", m.a) };
      if (h[3] === ")") return EMPTY;
      wrap = (body) => body;
    } else {
      wrap = (body) => body;
    }
    const body = this.alternation(inner);
    if (this.s[this.pos] !== ")") throw new Error(`missing ) at ${this.pos}`);
    this.pos++;
    return wrap(body);
  }

  /** After a backslash. In a class, anchors and backreferences are not possible. */
  private escape(m: Mode, inClass: boolean): Node | null {
    const c = this.s[this.pos++]!;
    const cat = category(c);
    if (cat) return { type: "set", set: cat, src: "" };
    if (!inClass && "AbBZ".includes(c)) {
      const kind = ({ A: "start", Z: "end", b: "word", B: "nonword" } as const)[c as "A" | "Z" | "b" | "B"];
      return { type: "assert", kind, multiline: m.m };
    }
    if (!inClass && /[1-9]/u.test(c)) {
      while (/\d/u.test(this.s[this.pos] ?? "")) this.pos++;
      return { type: "unsupported", what: "backreference" };
    }
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8, "0": 0 };
    if (c in simple) return this.literal(simple[c]!, m);
    const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/u.exec(this.s.slice(this.pos - 1));
    if (hex) {
      this.pos += hex[0].length - 1;
      return { type: "set", set: range(...twice(parseInt(hex[1] ?? hex[2] ?? hex[3]!, 16))), src: "" };
    }
    if (c === "N" && this.s[this.pos] === "{") {
      this.pos = this.s.indexOf("}", this.pos) + 1;
      return { type: "set", set: ANY, src: "" };
    }
    this.pos--;
    const lit = this.s.codePointAt(this.pos)!;
    this.pos++;
    return this.literal(lit, m);
  }

  private klass(m: Mode): CharSet {
    const negated = this.s[this.pos] === "^";
    if (negated) this.pos++;
    const parts: CharSet[] = [];
    let first = true;
    while (this.pos < this.s.length && (this.s[this.pos] !== "]" || first)) {
      first = false;
      const lo = this.classAtom(m);
      if (this.s[this.pos] === "-" && this.s[this.pos + 1] !== "]" && this.pos + 1 < this.s.length && lo.length === 2 && lo[0] === lo[1]) {
        this.pos++;
        const hi = this.classAtom(m);
        parts.push(range(lo[0]!, hi[hi.length - 1]!));
      } else parts.push(lo);
    }
    this.pos++;
    const set = union(...parts.map((p) => (m.i ? caseless(p) : p)));
    return negated ? complement(set) : set;
  }

  private classAtom(m: Mode): CharSet {
    if (this.s[this.pos] === "\\") {
      this.pos++;
      const n = this.escape(m, true);
      return n && n.type === "set" ? n.set : range(8, 8);
    }
    const cp = this.s.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return range(cp, cp);
  }
}

const twice = (n: number): [number, number] => [n, n];

/** Can the node match the empty string? */
export function nullable(n: Node): boolean {
  switch (n.type) {
    case "set":
      return false;
    case "empty":
      return true;
    case "seq":
      return n.items.every(nullable);
    case "alt":
      return n.alts.some(nullable);
    case "repeat":
      return n.min === 0 || nullable(n.body);
    case "group":
      return nullable(n.body);
    default:
      return true;
  }
}
