// Every shipped filter against our own sample log: each line's expectation must hold, and each
// filter must have a sample with at least one failure and one non-failure line.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runOwnSample } from "./own-samples.ts";

const FILTERS = join(import.meta.dir, "..", "..", "filters");
const SAMPLES = join(import.meta.dir, "samples");
const filters = readdirSync(FILTERS)
  .filter((f) => f.endsWith(".conf") && f !== "common.conf")
  .map((f) => f.slice(0, -".conf".length))
  .sort();

test("filters/ ships filters", () => {
  expect(filters.length).toBeGreaterThan(0);
});

test("each filter opens with comments naming what it catches and its log source", () => {
  for (const name of filters) {
    const text = readFileSync(join(FILTERS, `${name}.conf`), "utf8");
    const header = text.slice(0, text.search(/^[^#]/m));
    expect({ name, what: /^# f2b filter: \S/.test(header), source: /^# Log source: \S/m.test(header) }).toEqual({ name, what: true, source: true });
  }
});

for (const name of filters) {
  test(`${name}: our sample log`, () => {
    const path = join(SAMPLES, `${name}.log`);
    expect(existsSync(path)).toBe(true);
    const res = runOwnSample(path, name);
    const fails = res.filter((r) => r.fail).length;
    console.log(`ours ${name}: ${res.filter((r) => r.ok).length}/${res.length} lines (${fails} failures, ${res.length - fails} non-failures)`);
    expect(res.filter((r) => !r.ok).map((r) => `${r.where}: ${r.reason}`)).toEqual([]);
    expect(fails).toBeGreaterThan(0);
    expect(res.length - fails).toBeGreaterThan(0);
  });
}
