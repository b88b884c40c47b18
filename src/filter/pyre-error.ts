/** A regex that Python's `re` would reject, or that f2b cannot reproduce exactly in JavaScript. */
export class RegexError extends Error {
  override readonly name = "RegexError";
}

const SHOWN = 200;

/** Error text in the shape Python's re.error uses, plus the offending text so config errors are actionable. */
export function regexErrorAt(pattern: string, pos: number, what: string, length = 1): RegexError {
  const bad = pattern.slice(pos, pos + Math.min(Math.max(length, 1), 40));
  const whole = pattern.length > SHOWN ? `${pattern.slice(0, SHOWN)}…` : pattern;
  return new RegexError(`${what} at position ${pos} (near ${JSON.stringify(bad)}) in ${JSON.stringify(whole)}`);
}
