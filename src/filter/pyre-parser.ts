// A recursive-descent reader of Python 3.11 `re` syntax (str patterns) that emits an equivalent
// JavaScript v-flag source. It follows CPython's re/_parser.py decisions (what is a quantifier, what is a
// literal, which escapes are errors) and rewrites constructs whose meaning differs between engines.
import { regexErrorAt } from "./pyre-error.ts";
import { literalItem, PY_IDENT, type Flags, type Item, type PyCursor } from "./pyre-cursor.ts";
import { parseClass } from "./pyre-class.ts";
import { parseFlags } from "./pyre-flags.ts";
import { parseEscape } from "./pyre-escape.ts";
import { parseConditional, parseLookaround } from "./pyre-assert.ts";

const MAXREPEAT = 4294967295;
const DIGITS = "0123456789";
const JS_SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WS = " \t\n\r\v\f";

/** A repeat containing groups: its JS atom, bounds, and the Python groups [from, to) inside. */
export interface RawLoop {
  id: number;
  body: string;
  min: number;
  max: number;
  from: number;
  to: number;
}

export interface GroupInfo {
  index: number;
  name?: string;
  jsName: string;
  min: number;
  max: number;
}

export class PyParser implements PyCursor {
  pos = 0;
  readonly groups: GroupInfo[] = [];
  readonly names = new Map<string, number>();
  private readonly open = new Set<number>();
  /** Groups that some path may leave unset when matching reaches a later reference. */
  readonly uncertain = new Set<number>();
  /** Groups whose participation must be testable (conditionals, backrefs to uncertain groups). */
  readonly condRefs = new Set<number>();
  readonly backRefs = new Set<number>();
  /** Groups inside a repeat: JS clears them at each iteration, Python keeps the last value set. */
  readonly repeated = new Set<number>();
  readonly loops: RawLoop[] = [];
  /**
   * Repeats whose body can match "": Python accepts one final empty iteration (and its groups),
   * JS rejects empty iterations, so groups and even spans can differ. Source text of each.
   */
  readonly emptyBodyLoops: string[] = [];
  /** Python group numbers referenced before they exist (only legal in conditionals); checked at the end. */
  readonly forwardRefs = new Map<number, number>();
  lookbehindFrom: number | null = null;
  /** Lookarounds being parsed (atomic-group emulation not counted). */
  lookarounds = 0;
  /**
   * Groups whose participation may be asked at a position before the group's end: groups inside
   * a lookaround (a lookahead's groups end after the position where matching goes on) and groups
   * referred to from inside a lookbehind (matched right to left). They need pyre.ts's position-free test.
   */
  readonly refsBeforeClose = new Set<number>();
  private atomics = 0;
  /**
   * JS matches lookbehinds right to left, so the lookahead+backreference emulation of atomic groups
   * would run backwards there. Python only allows fixed-width lookbehinds, where every way to match
   * spans the same text, so atomicity cannot change the outcome and plain groups are exact.
   */
  get inLookbehind(): boolean {
    return this.lookbehindFrom !== null;
  }
  globalFlags: Flags = { i: false, m: false, s: false, x: false, a: false };

  constructor(readonly src: string) {}

  err(what: string, at = this.pos, len = 1): Error {
    return regexErrorAt(this.src, at, what, len);
  }
  peek(): string | undefined {
    return this.src[this.pos];
  }
  get nextGroup(): number {
    return this.groups.length + 1;
  }

  /** Python's tokenizer treats "\\" plus one character as a single token. */
  private nextToken(): string | undefined {
    const c = this.src[this.pos];
    if (c === undefined) return undefined;
    if (c === "\\") {
      const n = this.src[this.pos + 1];
      if (n === undefined) throw this.err("bad escape (end of pattern)", this.pos);
      return c + String.fromCodePoint(this.src.codePointAt(this.pos + 1)!);
    }
    return String.fromCodePoint(this.src.codePointAt(this.pos)!);
  }
  take(): string | undefined {
    const t = this.nextToken();
    if (t !== undefined) this.pos += t.length;
    return t;
  }
  match(s: string): boolean {
    if (this.nextToken() === s) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  getUntil(end: string, what: string): string {
    const start = this.pos;
    const idx = this.src.indexOf(end, start);
    if (idx < 0) throw this.err(`missing ${end}, unterminated name`, start, this.src.length - start);
    const name = this.src.slice(start, idx);
    if (!name) throw this.err(`missing ${what}`, start);
    this.pos = idx + 1;
    return name;
  }

  private checkName(name: string, at: number): void {
    if (!PY_IDENT.test(name)) throw this.err(`bad character in group name ${JSON.stringify(name)}`, at, name.length);
  }

  parseAlternation(flags: Flags, nested: number): Item {
    const firstGroup = this.nextGroup;
    const branches: Item[] = [];
    for (;;) {
      branches.push(this.parseSequence(flags, nested + 1, nested === 0 && branches.length === 0));
      if (!this.match("|")) break;
      // Global flags can only lead the first branch; later top-level branches see them all.
      if (nested === 0) flags = { ...this.globalFlags };
    }
    if (branches.length === 1) return branches[0]!;
    this.markUncertain(firstGroup);
    return {
      js: branches.map((b) => b.js).join("|"),
      min: Math.min(...branches.map((b) => b.min)),
      max: Math.max(...branches.map((b) => b.max)),
      kind: "seq",
    };
  }

  markUncertain(fromGroup: number): void {
    for (let g = fromGroup; g < this.nextGroup; g++) this.uncertain.add(g);
  }

  parseSequence(flags: Flags, nested: number, first: boolean): Item {
    const items: Item[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      const here = this.pos;
      const g0 = this.nextGroup;
      const tok = this.take()!;
      if (flags.x) {
        if (WS.includes(tok)) continue;
        if (tok === "#") {
          while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
          if (this.pos < this.src.length) this.pos++;
          continue;
        }
      }
      const push = (item: Item) => items.push({ ...item, g0, at: here });
      if (tok[0] === "\\" && tok.length > 1) {
        push(parseEscape(this, tok, here, flags));
        continue;
      }
      switch (tok) {
        case "[":
          push(parseClass(this, here, flags));
          break;
        case "*":
        case "+":
        case "?":
        case "{": {
          const q = this.parseQuantifier(tok, here);
          if (!q) {
            push({ js: "\\{", min: 1, max: 1, kind: "char" });
            break;
          }
          const last = items[items.length - 1];
          if (!last || last.kind === "at") throw this.err("nothing to repeat", here, this.pos - here);
          if (last.kind === "repeat") throw this.err("multiple repeat", here, this.pos - here);
          items[items.length - 1] = this.applyQuantifier(last, q.min, q.max);
          break;
        }
        case ".":
          push({ js: flags.s ? "[^]" : "[^\\n]", min: 1, max: 1, kind: "char" });
          break;
        case "^":
          push({ js: flags.m ? "(?<![^\\n])" : "^", min: 0, max: 0, kind: "at" });
          break;
        case "$":
          push({ js: flags.m ? "(?![^\\n])" : "(?=\\n?$)", min: 0, max: 0, kind: "at" });
          break;
        case "(": {
          const item = this.parseGroup(here, flags, nested, first && items.length === 0);
          if (item === "flags") flags = { ...this.globalFlags };
          else if (item) push(item);
          break;
        }
        default:
          push(literalItem(tok.codePointAt(0)!, flags));
      }
    }
    if (items.length === 1) return items[0]!;
    return {
      js: items.map((i) => i.js).join(""),
      min: items.reduce((s, i) => s + i.min, 0),
      max: items.reduce((s, i) => s + i.max, 0),
      kind: "seq",
    };
  }

  /** Returns null when "{" is not a quantifier (Python then reads it as a literal). */
  private parseQuantifier(tok: string, here: number): { min: number; max: number; lazy?: boolean } | null {
    if (tok === "*") return { min: 0, max: Infinity };
    if (tok === "+") return { min: 1, max: Infinity };
    if (tok === "?") return { min: 0, max: 1 };
    if (this.peek() === "}") return null;
    let lo = "",
      hi = "";
    while (DIGITS.includes(this.peek() ?? "x")) lo += this.src[this.pos++];
    if (this.match(",")) {
      while (DIGITS.includes(this.peek() ?? "x")) hi += this.src[this.pos++];
    } else hi = lo;
    if (!this.match("}")) {
      this.pos = here + 1;
      return null;
    }
    const min = lo ? Number(lo) : 0;
    const max = hi ? Number(hi) : Infinity;
    if (min >= MAXREPEAT || (hi && max >= MAXREPEAT)) throw this.err("the repetition number is too large", here, this.pos - here);
    if (max < min) throw this.err("min repeat greater than max repeat", here, this.pos - here);
    return { min, max };
  }

  private applyQuantifier(item: Item, min: number, max: number): Item {
    const quant =
      max === Infinity ? (min === 0 ? "*" : min === 1 ? "+" : `{${min},}`) : min === 0 && max === 1 ? "?" : min === max ? `{${min}}` : `{${min},${max}}`;
    const base = item.kind === "char" || item.kind === "group" ? item.js : `(?:${item.js})`;
    const times = (a: number, b: number) => (a === 0 || b === 0 ? 0 : a * b);
    const width = { min: times(item.min, min), max: times(item.max, max), kind: "repeat" as const };
    if (min === 0) this.markUncertain(item.g0 ?? this.nextGroup);
    const g0 = item.g0 ?? this.nextGroup;
    if (max > 1 && item.min === 0) this.emptyBodyLoops.push(this.src.slice(item.at ?? 0, this.pos));
    if (max > 1) for (let g = g0; g < this.nextGroup; g++) this.repeated.add(g);
    let js: string;
    // JS rejects an optional iteration that matches "", Python accepts it (and its groups): spell
    // "?" of something that can match "" as an alternation, which has no such check.
    const optional = min === 0 && max === 1 && item.min === 0;
    const greedy = optional ? `(?:${base}|)` : `${base}${quant}`;
    if (this.match("?")) js = optional ? `(?:|${base})` : `${base}${quant}?`;
    else if (this.match("+") && !this.inLookbehind) {
      // Possessive (3.11): an atomic group around the greedy repeat.
      const name = `$t${++this.atomics}`;
      js = `(?=(?<${name}>${greedy}))\\k<${name}>`;
    } else js = greedy;
    return { js: this.recordLoop(js, base, min, max, g0), ...width };
  }

  /** Repeats holding groups get their span captured, so Python's group values can be replayed. */
  private recordLoop(js: string, body: string, min: number, max: number, g0: number): string {
    if (max <= 1 || this.inLookbehind) return js;
    if (g0 >= this.nextGroup) return js;
    const id = this.loops.length + 1;
    this.loops.push({ id, body, min, max, from: g0, to: this.nextGroup });
    return `(?<$L${id}>${js})`;
  }

  checkLookbehindRef(g: number, here: number): void {
    if (this.lookbehindFrom !== null && g >= this.lookbehindFrom) {
      throw this.err("cannot refer to group defined in the same lookbehind subpattern", here, this.pos - here);
    }
  }

  backref(g: number, here: number): Item {
    if (this.open.has(g)) throw this.err("cannot refer to an open group", here, this.pos - here);
    this.checkLookbehindRef(g, here);
    this.backRefs.add(g);
    if (this.inLookbehind) this.refsBeforeClose.add(g);
    const info = this.groups[g - 1]!;
    // Placeholder \0S<g>\0 becomes a "group participated" test when the group may be unset (see pyre.ts).
    return { js: `(?:\u0000S${g}\u0000\\k<${info.jsName}>)`, min: info.min, max: info.max, kind: "group" };
  }

  /** Returns an Item, null for comments, or "flags" after a leading global-flags group. */
  private parseGroup(start: number, flags: Flags, nested: number, first: boolean): Item | null | "flags" {
    let name: string | undefined;
    let capture = true;
    let atomic = false;
    let sub = flags;
    if (this.match("?")) {
      const ch = this.take();
      if (ch === undefined) throw this.err("unexpected end of pattern", this.pos);
      if (ch === "P") {
        if (this.match("<")) {
          const at = this.pos;
          name = this.getUntil(">", "group name");
          this.checkName(name, at);
        } else if (this.match("=")) {
          const at = this.pos;
          const ref = this.getUntil(")", "group name");
          this.checkName(ref, at);
          const g = this.names.get(ref);
          if (g === undefined) throw this.err(`unknown group name ${JSON.stringify(ref)}`, at, ref.length);
          return this.backref(g, start);
        } else {
          throw this.err(`unknown extension ?P${this.peek() ?? ""}`, start, 4);
        }
      } else if (ch === ":") {
        capture = false;
      } else if (ch === "#") {
        const end = this.src.indexOf(")", this.pos);
        if (end < 0) throw this.err("missing ), unterminated comment", start, this.src.length - start);
        this.pos = end + 1;
        return null;
      } else if (ch === "=" || ch === "!" || ch === "<") {
        return parseLookaround(this, ch, start, flags, nested);
      } else if (ch === "(") {
        return parseConditional(this, start, flags, nested);
      } else if (ch === ">") {
        capture = false;
        atomic = true;
      } else if ("aiLmsux-".includes(ch)) {
        const r = parseFlags(this, ch, start, flags);
        if (r === "global") {
          if (!first) throw this.err("global flags not at the start of the expression", start, this.pos - start);
          return "flags";
        }
        capture = false;
        sub = r.flags;
        const js = this.parseBody(start, sub, nested);
        const wrap = r.iChange === undefined ? "?:" : r.iChange ? "?i:" : "?-i:";
        return { js: `(${wrap}${js.js})`, min: js.min, max: js.max, kind: "group" };
      } else {
        throw this.err(`unknown extension ?${ch}`, start, 3);
      }
    }
    if (!capture) {
      const body = this.parseBody(start, sub, nested);
      if (!atomic || this.inLookbehind) return { ...body, js: `(?:${body.js})`, kind: "group" };
      const an = `$t${++this.atomics}`;
      return { js: `(?:(?=(?<${an}>${body.js}))\\k<${an}>)`, min: body.min, max: body.max, kind: "group" };
    }
    const index = this.nextGroup;
    if (name !== undefined && this.names.has(name)) {
      throw this.err(`redefinition of group name ${JSON.stringify(name)} as group ${index}; was group ${this.names.get(name)}`, start, name.length + 4);
    }
    const jsName = name !== undefined && JS_SAFE_NAME.test(name) ? name : `$g${index}`;
    const info: GroupInfo = { index, jsName, min: 0, max: 0, ...(name !== undefined ? { name } : {}) };
    this.groups.push(info);
    if (name !== undefined) this.names.set(name, index);
    if (this.lookarounds > 0) this.refsBeforeClose.add(index);
    this.open.add(index);
    const body = this.parseBody(start, sub, nested);
    this.open.delete(index);
    info.min = body.min;
    info.max = body.max;
    // Placeholders \0m<g>\0 ... \0M<g>\0 become "participation" markers when needed (pyre.ts).
    const js = `(?<${jsName}>\u0000m${index}\u0000${body.js}\u0000M${index}\u0000)`;
    return { js, min: body.min, max: body.max, kind: "group" };
  }

  parseBody(start: number, flags: Flags, nested: number): Item {
    const body = this.parseAlternation(flags, nested);
    if (!this.match(")")) throw this.err("missing ), unterminated subpattern", start, this.pos - start);
    return body;
  }
}
