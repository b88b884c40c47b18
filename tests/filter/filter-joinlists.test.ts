import { expect, test } from "bun:test";
import { joinLists } from "../../src/filter/filter-mlfid.ts";

test("joinLists: a new list in order, missing parts empty, inputs untouched", () => {
  const a = ["l1"];
  const b = ["l2", "l3"];
  const out = joinLists(a, b, ["l4"]);
  expect(out).toEqual(["l1", "l2", "l3", "l4"]);
  expect(out).not.toBe(a);
  expect(a).toEqual(["l1"]);
  expect(joinLists(undefined, null, b)).toEqual(["l2", "l3"]);
  expect(joinLists(undefined, null, b)).not.toBe(b);
});

test("joinLists: a string (a group named 'matches') is spread by characters", () => {
  expect(joinLists("ab", ["x"], undefined)).toEqual(["a", "b", "x"]);
});
