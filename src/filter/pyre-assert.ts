// Lookarounds (with Python's fixed-width rule for lookbehinds) and conditionals "(?(g)yes|no)",
// which JS lacks: they become an alternation guarded by "group g took part" tests (see pyre.ts).
import { PY_IDENT, type Flags, type Item, type PyCursor } from "./pyre-cursor.ts";

export function parseLookaround(p: PyCursor, ch: string, start: number, flags: Flags, nested: number): Item {
  let kind = ch;
  let behind = false;
  if (ch === "<") {
    const c2 = p.take();
    if (c2 === undefined) throw p.err("unexpected end of pattern", p.pos);
    if (c2 !== "=" && c2 !== "!") throw p.err(`unknown extension ?<${c2}`, start, 4);
    kind = c2;
    behind = true;
  }
  const outer = p.lookbehindFrom;
  if (behind && outer === null) p.lookbehindFrom = p.nextGroup;
  const firstGroup = p.nextGroup;
  p.lookarounds++;
  const body = p.parseBody(start, flags, nested);
  p.lookarounds--;
  if (behind) {
    p.lookbehindFrom = outer;
    if (body.min !== body.max) throw p.err("look-behind requires fixed-width pattern", start, p.pos - start);
  }
  if (kind === "!") p.markUncertain(firstGroup);
  return { js: `(?${behind ? "<" : ""}${kind}${body.js})`, min: 0, max: 0, kind: "look" };
}

export function parseConditional(p: PyCursor, start: number, flags: Flags, nested: number): Item {
  const at = p.pos;
  const ref = p.getUntil(")", "group name");
  let g: number | undefined;
  if (PY_IDENT.test(ref)) {
    g = p.names.get(ref);
    if (g === undefined) throw p.err(`unknown group name ${JSON.stringify(ref)}`, at, ref.length);
  } else {
    if (!/^[0-9]+$/.test(ref)) throw p.err(`bad character in group name ${JSON.stringify(ref)}`, at, ref.length);
    g = Number(ref);
    if (g === 0) throw p.err("bad group number", at, ref.length);
    if (!p.forwardRefs.has(g)) p.forwardRefs.set(g, at);
  }
  p.checkLookbehindRef(g, start);
  p.condRefs.add(g);
  if (p.inLookbehind) p.refsBeforeClose.add(g);
  const firstGroup = p.nextGroup;
  const yes = p.parseSequence(flags, nested + 1, false);
  let no: Item | undefined;
  if (p.match("|")) {
    no = p.parseSequence(flags, nested + 1, false);
    if (p.peek() === "|") throw p.err("conditional backref with more than two branches", p.pos);
  }
  if (!p.match(")")) throw p.err("missing ), unterminated subpattern", start, p.pos - start);
  p.markUncertain(firstGroup);
  // JS has no conditionals: (?(g)yes|no) is (?:SET(g) yes | NOTSET(g) no), exactly one branch viable.
  const js = `(?:\u0000S${g}\u0000(?:${yes.js})|\u0000N${g}\u0000(?:${no ? no.js : ""}))`;
  return { js, min: Math.min(yes.min, no ? no.min : 0), max: Math.max(yes.max, no ? no.max : 0), kind: "group" };
}
