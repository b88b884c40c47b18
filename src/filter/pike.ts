// A linear-time second engine for the lines the backtracking engine gives up on (issue 11):
// a Pike VM (Thompson NFA simulation with thread priorities and captures) over the Python regex
// tree of backtrack-parse.ts. Threads are kept in backtracking priority order, so the first
// match found is the one Python's leftmost-first search returns, with the same group values
// (a group keeps the value its last iteration set). Time is O(text × program); lookaheads are
// evaluated once per position. Backreferences, conditionals, atomic groups, possessive repeats
// and lookbehinds wider than one character are not supported: compilePike returns null.
import { parsePyRegex, type Node } from "./backtrack-parse.ts";
import { translatePythonRegex } from "./pyre.ts";

type Inst =
  | { op: "char"; test: (cp: number) => boolean }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "save"; n: number }
  | { op: "assert"; kind: "bol" | "eol" | "start" | "end" | "word" | "nonword"; multiline: boolean }
  | { op: "look"; prog: Program; negate: boolean }
  | { op: "behind"; test: (cp: number) => boolean; negate: boolean }
  | { op: "match" };

interface Program {
  insts: Inst[];
  slots: number;
}

export interface PikeRegex {
  /** Python re.search from `from`: start/end as JS string indices, named groups. */
  search(text: string, from?: number): { start: number; end: number; groups: Record<string, string | undefined> } | null;
}

const MAX_INSTS = 50_000;

class Unsupported extends Error {}

/** The linear-time engine for a resolved Python regex, or null when it cannot express it. */
export function compilePike(pattern: string, multiline: boolean): PikeRegex | null {
  let root: Node;
  try {
    root = parsePyRegex(pattern, multiline);
  } catch {
    return null;
  }
  const names = new Map<number, string>();
  let maxGroup = 0;
  const walk = (n: Node): void => {
    if (n.type === "group") {
      maxGroup = Math.max(maxGroup, n.index);
      if (n.name !== undefined) names.set(n.index, n.name);
      walk(n.body);
    } else if (n.type === "seq") n.items.forEach(walk);
    else if (n.type === "alt") n.alts.forEach(walk);
    else if (n.type === "repeat" || n.type === "look") walk(n.body);
  };
  walk(root);
  let prog: Program;
  try {
    prog = compile(root, (maxGroup + 1) * 2);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
  return {
    search(text, from = 0) {
      const caps = run(prog, text, from, false);
      if (!caps) return null;
      const groups: Record<string, string | undefined> = {};
      for (const [i, name] of names) {
        const s = caps[2 * i];
        const e = caps[2 * i + 1];
        groups[name] = s !== undefined && e !== undefined && s >= 0 && e >= 0 ? text.slice(s, e) : undefined;
      }
      return { start: caps[0]!, end: caps[1]!, groups };
    },
  };
}

/** Exact membership for a set atom: its own Python source through the real translation. */
function charTest(src: string): (cp: number) => boolean {
  const t = translatePythonRegex(src);
  const re = new RegExp(`^(?:${t.source})$`, t.flags.replace(/[gy]/gu, ""));
  // Latin-1 in an array (0 = not known yet, 1 = no, 2 = yes), the rest in a bounded map
  const low = new Uint8Array(256);
  const high = new Map<number, boolean>();
  return (cp) => {
    if (cp < 256) {
      let v = low[cp]!;
      if (v === 0) low[cp] = v = re.test(String.fromCharCode(cp)) ? 2 : 1;
      return v === 2;
    }
    let v = high.get(cp);
    if (v === undefined) {
      v = re.test(String.fromCodePoint(cp));
      if (high.size < 4096) high.set(cp, v);
    }
    return v;
  };
}

function compile(root: Node, slots: number): Program {
  const insts: Inst[] = [];
  const emit = (i: Inst): number => {
    if (insts.length >= MAX_INSTS) throw new Unsupported("program too large");
    insts.push(i);
    return insts.length - 1;
  };
  const gen = (n: Node): void => {
    switch (n.type) {
      case "set": {
        // a plain literal (no flags, no escape): compare the code point
        const cp = n.src.codePointAt(0)!;
        const plain = n.src.length === (cp > 0xffff ? 2 : 1) && !"\\[.".includes(n.src);
        emit({ op: "char", test: plain ? (c) => c === cp : charTest(n.src) });
        return;
      }
      case "empty":
        return;
      case "unsupported":
        throw new Unsupported(n.what);
      case "seq":
        n.items.forEach(gen);
        return;
      case "group":
        emit({ op: "save", n: 2 * n.index });
        gen(n.body);
        emit({ op: "save", n: 2 * n.index + 1 });
        return;
      case "assert":
        emit({ op: "assert", kind: n.kind, multiline: n.multiline });
        return;
      case "look": {
        if (n.behind) {
          // only one-character lookbehinds (fail2ban's <HOST> has (?<=:))
          const b = n.body.type === "group" ? n.body.body : n.body;
          if (b.type !== "set") throw new Unsupported("wide lookbehind");
          emit({ op: "behind", test: charTest(b.src), negate: n.negate });
          return;
        }
        emit({ op: "look", prog: compile(n.body, slots), negate: n.negate });
        return;
      }
      case "alt": {
        const jumps: number[] = [];
        n.alts.forEach((a, i) => {
          if (i < n.alts.length - 1) {
            const split = emit({ op: "split", x: 0, y: 0 });
            (insts[split] as { x: number }).x = insts.length;
            gen(a);
            jumps.push(emit({ op: "jmp", x: 0 }));
            (insts[split] as { y: number }).y = insts.length;
          } else gen(a);
        });
        for (const j of jumps) (insts[j] as { x: number }).x = insts.length;
        return;
      }
      case "repeat": {
        for (let i = 0; i < n.min; i++) gen(n.body);
        const prefer = (split: number, body: number, out: number): void => {
          const s = insts[split] as { x: number; y: number };
          [s.x, s.y] = n.lazy ? [out, body] : [body, out];
        };
        if (n.max === Infinity) {
          const split = emit({ op: "split", x: 0, y: 0 });
          gen(n.body);
          emit({ op: "jmp", x: split });
          prefer(split, split + 1, insts.length);
        } else {
          const splits: number[] = [];
          for (let i = n.min; i < n.max; i++) {
            splits.push(emit({ op: "split", x: 0, y: 0 }));
            gen(n.body);
          }
          for (const s of splits) prefer(s, s + 1, insts.length);
        }
        return;
      }
    }
  };
  emit({ op: "save", n: 0 });
  gen(root);
  emit({ op: "save", n: 1 });
  emit({ op: "match" });
  return { insts, slots };
}

const isWord = charTest("\\w");

function assertHolds(kind: string, multiline: boolean, text: string, pos: number): boolean {
  const len = text.length;
  switch (kind) {
    case "start":
      return pos === 0;
    case "end":
      return pos === len;
    case "bol":
      return pos === 0 || (multiline && text.charCodeAt(pos - 1) === 10);
    // Python's $: the end, or before a newline that ends the text (before any newline: MULTILINE)
    case "eol":
      return pos === len || (text.charCodeAt(pos) === 10 && (multiline || pos === len - 1));
    default: {
      const before = pos > 0 && isWord(text.codePointAt(pos - 1 - (isLowSurrogate(text, pos - 1) ? 1 : 0))!);
      const after = pos < len && isWord(text.codePointAt(pos)!);
      return (before !== after) === (kind === "word");
    }
  }
}

const isLowSurrogate = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
};

interface Thread {
  pc: number;
  caps: (number | undefined)[];
}

/**
 * Runs the program from `from`; anchored: only a match starting at `from` (lookaheads).
 * Returns the capture slots of the highest-priority match, or null.
 */
function run(prog: Program, text: string, from: number, anchored: boolean): (number | undefined)[] | null {
  const { insts } = prog;
  const looks = new Map<Inst, Map<number, boolean>>();
  let clist: Thread[] = [];
  let matched: (number | undefined)[] | null = null;
  const mark = new Int32Array(insts.length).fill(-1);
  let generation = 0;

  // follows jumps, splits, saves and assertions in priority order, collecting char/match threads
  const add = (list: Thread[], pc0: number, caps0: (number | undefined)[], pos: number): void => {
    const stack: [number, (number | undefined)[]][] = [[pc0, caps0]];
    while (stack.length) {
      const [pc, caps] = stack.pop()!;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      const inst = insts[pc]!;
      switch (inst.op) {
        case "jmp":
          stack.push([inst.x, caps]);
          break;
        case "split":
          stack.push([inst.y, caps], [inst.x, caps]);
          break;
        case "save": {
          const c = caps.slice();
          c[inst.n] = pos;
          stack.push([pc + 1, c]);
          break;
        }
        case "assert":
          if (assertHolds(inst.kind, inst.multiline, text, pos)) stack.push([pc + 1, caps]);
          break;
        case "behind": {
          const ok = pos > 0 && inst.test(text.codePointAt(pos - 1 - (isLowSurrogate(text, pos - 1) ? 1 : 0))!);
          if (ok !== inst.negate) stack.push([pc + 1, caps]);
          break;
        }
        case "look": {
          let memo = looks.get(inst);
          if (!memo) looks.set(inst, (memo = new Map()));
          let ok = memo.get(pos);
          if (ok === undefined) memo.set(pos, (ok = run(inst.prog, text, pos, true) !== null));
          if (ok !== inst.negate) stack.push([pc + 1, caps]);
          break;
        }
        default:
          list.push({ pc, caps });
      }
    }
  };

  const empty: (number | undefined)[] = new Array<number | undefined>(prog.slots).fill(undefined);
  for (let pos = from; ; ) {
    generation++;
    if (matched === null && (!anchored || pos === from)) {
      // a new attempt starting here has the lowest priority
      const seeded: Thread[] = [];
      const prev = clist;
      // re-mark threads already present so the seed does not duplicate them
      for (const t of prev) mark[t.pc] = generation;
      add(seeded, 0, empty, pos);
      clist = prev.concat(seeded);
    }
    if (clist.length === 0) break;
    const cp = pos < text.length ? text.codePointAt(pos)! : -1;
    const width = cp > 0xffff ? 2 : 1;
    const nlist: Thread[] = [];
    generation++;
    for (const t of clist) {
      const inst = insts[t.pc]!;
      if (inst.op === "match") {
        matched = t.caps;
        break; // lower-priority threads lose
      }
      if (inst.op === "char" && cp >= 0 && inst.test(cp)) add(nlist, t.pc + 1, t.caps, pos + width);
    }
    clist = nlist;
    if (pos >= text.length) break;
    pos += width;
  }
  return matched;
}
