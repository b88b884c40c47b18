// The linear-time engine (src/filter/pike.ts) against the backtracking one: on every stock filter
// it can express, over fail2ban's own sample log for that filter, line by line, the same
// failures with the same group values; and it decides what JavaScriptCore gives up on.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { Filter, type FilterFailure } from "../../src/filter/filter.ts";
import { Regex } from "../../src/filter/failregex.ts";
import { compilePike } from "../../src/filter/pike.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { discardLog } from "../../src/system/log.ts";
import { GIVE_UP } from "../filters/hostile-lines.ts";

const LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const NOW = 1_700_000_000;
const have = existsSync(LOGS) && existsSync("/etc/fail2ban/filter.d");

const show = (fs: FilterFailure[]): string =>
  JSON.stringify(fs.map((f) => [f.regexIndex, f.fid, f.time, Object.entries(f.data).map(([k, v]) => [k, v instanceof Set ? [...v] : v])]));

test.skipIf(!have)("stock filters × their sample logs: the linear engine finds exactly what the backtracking one finds", () => {
  const fs = diskFS("/etc/fail2ban");
  let filters = 0;
  let lines = 0;
  const unsupported: string[] = [];
  for (const name of readdirSync(LOGS).filter((n) => existsSync(join("/etc/fail2ban/filter.d", `${n}.conf`)))) {
    const make = (): Filter | null => {
      try {
        return new Filter(
          loadFilter(fs, name),
          { now: () => NOW, dns: tableResolver({}), log: discardLog },
          { checkFindTime: false, returnRawHost: true, checkAllRegex: true },
        );
      } catch {
        return null;
      }
    };
    const back = make();
    const lin = make();
    if (!back || !lin) continue;
    if (!lin.linearSupported()) {
      unsupported.push(name);
      continue;
    }
    lin.linear = true;
    filters++;
    for (const line of readFileSync(join(LOGS, name), "utf8").split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      lines++;
      const want = show(back.processLine(line));
      const got = show(lin.processLine(line));
      if (got !== want) expect({ name, line, got }).toEqual({ name, line, got: want });
    }
  }
  console.log(`linear engine: ${filters} stock filters, ${lines} sample lines identical; not expressible: ${unsupported.join(", ")}`);
  expect(filters).toBeGreaterThan(50);
});

test("decides what JavaScriptCore gives up on, in linear time", () => {
  const text = "a".repeat(5000) + "b";
  expect(new Regex(GIVE_UP.source).search(GIVE_UP.text)).toBeNull(); // the engine gave up
  expect(compilePike(GIVE_UP.source, false)!.search(GIVE_UP.text)).toEqual({ start: 0, end: GIVE_UP.text.length, groups: {} });
  expect(compilePike("^(?P<run>a+)+$|^a+(?P<tail>b)$", false)!.search(text)).toEqual({ start: 0, end: text.length, groups: { run: undefined, tail: "b" } });
});

test("what it cannot express: null", () => {
  for (const p of ["(a)\\1", "(?P<x>a)(?P=x)", "(a)?(?(1)b|c)", "(?>a+)b", "a++b", "(?<=ab)c"]) expect(compilePike(p, false)).toBeNull();
});
