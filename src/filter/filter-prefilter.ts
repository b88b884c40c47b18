// Cheap necessary conditions for an anchored Python pattern, checked before running the regex:
// the literal text it must start with, or the set of characters it can start with. Both are
// conservative — whenever the pattern is not plainly understood, no pre-check is made.

const META = new Set([..."\\.^$*+?{}[]|()"]);

/**
 * For a (Python, non-MULTILINE) pattern "^literal...", the literal every match starts with; "" when
 * unsure: no leading ^, a top-level alternative, inline flags (case/verbose change literals).
 * Groups ("(?:", "(?P<name>") are entered when they hold no alternative and are not quantified:
 * then their text is simply part of the sequence ("^(?P<nofail>Connection from) " → "Connection from ").
 */
export function anchoredPrefix(pattern: string): string {
  if (!pattern.startsWith("^") || unsafeFlags(pattern) || hasTopLevelBar(pattern)) return "";
  let out = "";
  let i = 1;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "(") {
      const body = enterableGroup(pattern, i);
      if (body < 0) break;
      i = body;
      continue;
    }
    if (c === ")") {
      // the end of an entered group (checked unquantified when entered)
      i++;
      continue;
    }
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined || /[0-9A-Za-z]/.test(n)) break;
      out += n;
      i += 2;
    } else if (META.has(c)) break;
    else {
      out += c;
      i++;
    }
    const q = pattern[i];
    if (q === "*" || q === "+" || q === "?" || q === "{") {
      // the last literal is quantified: it may be absent or repeated
      out = out.slice(0, -1);
      if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1); // whole astral code point
      break;
    }
  }
  return out;
}

/** Index of the body of the plain or named group opened at i when it can be read as part of the
 *  enclosing sequence (no "|" at its top level, no quantifier after it); else -1. */
function enterableGroup(p: string, i: number): number {
  let j = i + 1;
  if (p.startsWith("?:", j)) j += 2;
  else if (p.startsWith("?P<", j)) j = p.indexOf(">", j) + 1;
  else if (p[j] === "?") return -1; // lookaround, backreference, conditional, flags, atomic
  const close = groupEnd(p, i);
  if (close < 0 || j <= 0) return -1;
  const q = p[close + 1];
  if (q === "*" || q === "+" || q === "?" || q === "{") return -1;
  return alternatives(p, j, close).length === 1 ? j : -1;
}

function hasTopLevelBar(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") i++;
    else if (c === "[") i = skipClass(p, i);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}

/** Python flags that change how literals match (case, verbose, locale) make pre-checks unsafe. */
function unsafeFlags(p: string): boolean {
  return /\(\?[aiLmsux]+[):-]/.test(p);
}

/** For "^…" patterns, the code units a match can start with; null when unsure. */
export function firstChars(pattern: string): ReadonlySet<number> | null {
  if (!pattern.startsWith("^") || unsafeFlags(pattern) || hasTopLevelBar(pattern)) return null;
  const out = new Set<number>();
  return firstOfSequence(pattern, 1, out) ? out : null;
}

/** Adds the first code units of the sequence starting at i; false when unsure. */
function firstOfSequence(p: string, i: number, out: Set<number>): boolean {
  const c = p[i];
  if (c === undefined || c === "|" || c === ")") return false; // empty alternative
  let end: number; // index after the first element
  if (c === "\\") {
    const n = p[i + 1];
    if (n === undefined || /[0-9A-Za-z]/.test(n)) return false;
    out.add(n.charCodeAt(0));
    end = i + 2;
  } else if (c === "[") {
    end = classChars(p, i, out);
    if (end < 0) return false;
  } else if (c === "(") {
    let j = i + 1;
    if (p.startsWith("?:", j)) j += 2;
    else if (p.startsWith("?P<", j)) j = p.indexOf(">", j) + 1;
    else if (p[j] === "?") return false; // lookaround, backreference, conditional, flags
    const close = groupEnd(p, i);
    if (close < 0 || j <= 0) return false;
    for (const alt of alternatives(p, j, close)) if (!firstOfSequence(p, alt, out)) return false;
    end = close + 1;
  } else if (META.has(c)) return false;
  else {
    const cp = c.charCodeAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    out.add(cp);
    end = i + 1;
  }
  const q = p[end];
  // an optional first element would let the next one start the match
  return !(q === "?" || q === "*" || (q === "{" && /^\{0*,|^\{0+\}|^\{0+,/.test(p.slice(end))));
}

/** Adds a simple [...] class's members; -1 for negated or escape-bearing classes. */
function classChars(p: string, i: number, out: Set<number>): number {
  let j = i + 1;
  if (p[j] === "^") return -1;
  const members: number[] = [];
  for (let first = true; j < p.length && (p[j] !== "]" || first); first = false) {
    let c = p[j]!;
    if (c === "\\") {
      const n = p[j + 1];
      if (n === undefined || /[0-9A-Za-z]/.test(n)) return -1;
      c = n;
      j++;
    } else if (c === "[") return -1;
    const cp = c.charCodeAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) return -1;
    if (p[j + 1] === "-" && p[j + 2] !== undefined && p[j + 2] !== "]" && p[j + 2] !== "\\") {
      const hi = p.charCodeAt(j + 2);
      if (hi < cp || hi - cp > 256 || (hi >= 0xd800 && hi <= 0xdfff)) return -1;
      for (let x = cp; x <= hi; x++) members.push(x);
      j += 3;
    } else {
      members.push(cp);
      j++;
    }
  }
  if (p[j] !== "]") return -1;
  for (const m of members) out.add(m);
  return j + 1;
}

/** Index of the ")" closing the group opened at i (escapes and classes skipped); -1 if none. */
function groupEnd(p: string, i: number): number {
  let depth = 0;
  for (let k = i; k < p.length; k++) {
    const c = p[k]!;
    if (c === "\\") k++;
    else if (c === "[") k = skipClass(p, k);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return k;
  }
  return -1;
}

/** Start indices of the top-level alternatives between from and close. */
function alternatives(p: string, from: number, close: number): number[] {
  const starts = [from];
  let depth = 0;
  for (let k = from; k < close; k++) {
    const c = p[k]!;
    if (c === "\\") k++;
    else if (c === "[") k = skipClass(p, k);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) starts.push(k + 1);
  }
  return starts;
}

function skipClass(p: string, k: number): number {
  k++;
  if (p[k] === "^") k++;
  if (p[k] === "]") k++;
  while (k < p.length && p[k] !== "]") k += p[k] === "\\" ? 2 : 1;
  return k;
}
