import { expect, test } from "bun:test";
import { fasterFlags, sameUnderU } from "../../src/filter/pyre-uflag.ts";

test("sources whose classes mean something else under u keep v", () => {
  expect(sameUnderU("[a&&b]")).toBe(false); // v: intersection; u: the characters a, &, b
  expect(sameUnderU("[a--b]")).toBe(false); // v: difference; u: a and the range -..b
  expect(sameUnderU("[[a]b]")).toBe(false); // v: nested class
  expect(sameUnderU("[\\q{ab}]")).toBe(false);
  expect(fasterFlags("[a&&b]", "v")).toBe("v");
  // the difference is real: under v the class above matches nothing, under u it matches "&"
  expect(/[a&&b]/v.test("&")).toBe(false);
  expect(/[a&&b]/u.test("&")).toBe(true);
});

test("plain sources switch to u; escapes and case folding are respected", () => {
  expect(fasterFlags("^(?:[^\\t\\n]+) from [\\p{Nd}]+\\]?", "v")).toBe("u");
  expect(sameUnderU("\\[a&&b\\]")).toBe(true); // escaped brackets: no class at all
  expect(fasterFlags("[\\&]", "v")).toBe("v"); // a v-only escape: u rejects it
  expect(fasterFlags("[a-z]", "iv")).toBe("iv"); // case-insensitive complements differ
});
