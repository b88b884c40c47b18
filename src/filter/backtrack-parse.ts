// A lenient reader of Python `re` syntax into the small tree the backtracking check needs:
// character sets, sequences, alternations and repeats. The real compiler (pyre-parser.ts)
// validates patterns; this one only has to see their shape, so zero-width things (anchors,
// lookarounds, backreferences, conditionals' conditions) become "empty".
import { ANY, caseless, category, complement, NOT_NEWLINE, range, union, type CharSet } from "./backtrack-charset.ts";

export type Node =
  | { type: "set"; set: CharSet }
  | { type: "empty" }
  | { type: "seq"; items: Node[] }
  | { type: "alt"; alts: Node[] }
  | { type: "repeat"; body: Node; min: number; max: number; span: [number, number] };

const EMPTY: Node = { type: "empty" };

export function parsePyRegex(src: string): Node {
  const p = new Reader(src);
  // flags set for the whole pattern (fail2ban moves them to the front)
  const global = /^\(\?([aiLmsux]+)\)/u.exec(src)?.[1] ?? "";
  const n = p.alternation({ i: global.includes("i"), x: global.includes("x") });
  if (p.pos < src.length) throw new Error(`unbalanced ) at ${p.pos}`);
  return n;
}

interface Mode { i: boolean; x: boolean }

class Reader {
  pos = 0;
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
      if (this.s[this.pos] === "?") this.pos++;
      else if (this.s[this.pos] === "+") (possessive = true), this.pos++;
      // a possessive repeat never gives back what it took: no backtracking into it
      atom = possessive ? atom : { type: "repeat", body: atom, min, max, span: [start, this.pos] };
    }
  }

  /** One atom; null for things that match nothing and cannot be repeated meaningfully (comments). */
  private atom(m: Mode): Node | null {
    const c = this.s[this.pos++]!;
    if (m.x && /\s/u.test(c)) return null;
    if (m.x && c === "#") {
      while (this.pos < this.s.length && this.s[this.pos] !== "\n") this.pos++;
      return null;
    }
    switch (c) {
      case ".": return { type: "set", set: NOT_NEWLINE };
      case "^": case "$": return EMPTY;
      case "[": return { type: "set", set: this.klass(m) };
      case "\\": return this.escape(m, false) ?? EMPTY;
      case "(": return this.group(m);
      default: return this.literal(c.codePointAt(0)!, m);
    }
  }

  private literal(cp: number, m: Mode): Node {
    if (cp > 0xffff) this.pos++;
    const set = range(cp, cp);
    return { type: "set", set: m.i ? caseless(set) : set };
  }

  private group(m: Mode): Node {
    let zeroWidth = false;
    let inner = m;
    if (this.s[this.pos] === "?") {
      const rest = this.s.slice(this.pos);
      let h: RegExpExecArray | null;
      if ((h = /^\?P<[^>]*>|^\?:|^\?>|^\?P=[^)]*|^\?#[^)]*/u.exec(rest))) {
        this.pos += h[0].length;
        if (h[0].startsWith("?P=") || h[0].startsWith("?#")) zeroWidth = true;
      } else if ((h = /^\?(?:=|!|<=|<!)/u.exec(rest))) {
        this.pos += h[0].length;
        zeroWidth = true;
      } else if ((h = /^\?\((?:[^)]*)\)/u.exec(rest))) {
        this.pos += h[0].length; // conditional: both branches are alternatives
      } else if ((h = /^\?([aiLmsux]*)(?:-([imsx]*))?(:|\))/u.exec(rest))) {
        this.pos += h[0].length;
        inner = { i: (m.i || h[1]!.includes("i")) && !h[2]?.includes("i"), x: (m.x || h[1]!.includes("x")) && !h[2]?.includes("x") };
        if (h[3] === ")") return EMPTY;
      }
    }
    const body = this.alternation(inner);
    if (this.s[this.pos] !== ")") throw new Error(`missing ) at ${this.pos}`);
    this.pos++;
    return zeroWidth ? EMPTY : body;
  }

  /** After a backslash. In a class, anchors and backreferences are not possible. */
  private escape(m: Mode, inClass: boolean): Node | null {
    const c = this.s[this.pos++]!;
    const cat = category(c);
    if (cat) return { type: "set", set: cat };
    if (!inClass && "AbBZ".includes(c)) return null;
    if (!inClass && /[1-9]/u.test(c)) {
      while (/\d/u.test(this.s[this.pos] ?? "")) this.pos++;
      return null; // backreference
    }
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8, "0": 0 };
    if (c in simple) return this.literal(simple[c]!, m);
    const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/u.exec(this.s.slice(this.pos - 1));
    if (hex) {
      this.pos += hex[0].length - 1;
      return { type: "set", set: range(...twice(parseInt(hex[1] ?? hex[2] ?? hex[3]!, 16))) };
    }
    if (c === "N" && this.s[this.pos] === "{") {
      this.pos = this.s.indexOf("}", this.pos) + 1;
      return { type: "set", set: ANY };
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
    case "set": return false;
    case "empty": return true;
    case "seq": return n.items.every(nullable);
    case "alt": return n.alts.some(nullable);
    case "repeat": return n.min === 0 || nullable(n.body);
  }
}
