// What the parts of the Python regex reader share: the flags, the items a sequence is built
// of, and the cursor the part parsers (pyre-class, -escape, -flags, -assert) work through. The
// parser (pyre-parser.ts) implements the cursor and calls the parts; the parts know only this
// file, so no import runs back from a part to the parser.
import { isPythonI, literalAtom, pythonIClassItems } from "./pyre-charset.ts";

export interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
}

/** One element of a sequence: its JS text, its width bounds (for Python's lookbehind rule), its role. */
export interface Item {
  js: string;
  min: number;
  max: number;
  /** "at": zero-width anchor (not repeatable in Python); "look": lookaround (JS needs a wrapper to repeat). */
  kind: "char" | "at" | "look" | "repeat" | "group" | "seq";
  /** First Python group number opened inside this item (groups g0..next-1 belong to it). */
  g0?: number;
  /** Where the item starts in the Python source. */
  at?: number;
}

/** A Python identifier (group names). */
export const PY_IDENT = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

export function literalItem(cp: number, flags: Flags): Item {
  if (flags.i && flags.a)
    return asciiCaseless(
      /^[A-Za-z]$/.test(String.fromCodePoint(cp)) ? `[${String.fromCodePoint(cp).toLowerCase()}${String.fromCodePoint(cp).toUpperCase()}]` : literalAtom(cp),
      1,
    );
  const js = flags.i && isPythonI(cp) ? `[${pythonIClassItems()}]` : literalAtom(cp);
  return { js, min: 1, max: 1, kind: "char" };
}

/** Under (?ai) Python folds ASCII only: take the atom out of JS's Unicode case folding. */
export function asciiCaseless(js: string, width: number): Item {
  return { js: `(?-i:${js})`, min: width, max: width, kind: width ? "group" : "at" };
}

/** The reader's position in the pattern and the group bookkeeping the part parsers read and update. */
export interface PyCursor {
  readonly src: string;
  pos: number;
  /** A RegexError at `at` (default: the position) naming what Python would reject. */
  err(what: string, at?: number, len?: number): Error;
  peek(): string | undefined;
  /** The next token ("\\" plus a character is one), consumed. */
  take(): string | undefined;
  /** Consumes the next token when it is `s`. */
  match(s: string): boolean;
  /** The text up to `end` (consumed with it); an error naming `what` when missing or empty. */
  getUntil(end: string, what: string): string;

  /** Number the next group opened will get. */
  readonly nextGroup: number;
  readonly names: ReadonlyMap<string, number>;
  /** Groups whose participation must be testable (conditionals). */
  readonly condRefs: Set<number>;
  /** Group numbers referenced before they exist, with where (only legal in conditionals). */
  readonly forwardRefs: Map<number, number>;
  /** Groups whose participation may be asked before the group's end (see pyre-parser.ts). */
  readonly refsBeforeClose: Set<number>;
  /** The pattern's global flags: "(?aiLmsux)" at the start sets them. */
  globalFlags: Flags;
  /** First group of the lookbehind being read, null outside lookbehinds. */
  lookbehindFrom: number | null;
  readonly inLookbehind: boolean;
  /** Lookarounds being read. */
  lookarounds: number;
  /** Groups from `fromGroup` on may be unset when matching goes on. */
  markUncertain(fromGroup: number): void;
  /** Python's rule for group references inside a lookbehind. */
  checkLookbehindRef(group: number, here: number): void;
  /** A backreference to a group. */
  backref(group: number, here: number): Item;

  /** Reads one alternative (a sequence of items) up to "|" or ")". */
  parseSequence(flags: Flags, nested: number, first: boolean): Item;
  /** Reads a group's body up to its ")". */
  parseBody(start: number, flags: Flags, nested: number): Item;
}
