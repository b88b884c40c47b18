// Issue 11's harness: fail2ban's stock grafana, dovecot and pam-generic (common.conf prefix)
// filters on lines that take seconds in JavaScriptCore's regex engine, measured in-process and
// through `f2b regex`; and what the engine does at its backtracking limit. Times are printed,
// never asserted (a shared CI machine); what is asserted is the outcome.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRegex } from "../../src/cli/regex.ts";
import { Filter } from "../../src/filter/filter.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { discardLog } from "../../src/system/log.ts";
import { GIVE_UP, HOSTILE, STOCK_ROOT, stockFilter } from "./hostile-lines.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z") / 1000;
const haveStock = existsSync(join(STOCK_ROOT, "filter.d", "grafana.conf"));
if (!haveStock) console.warn("hostile-stock: skipped, fail2ban's filters are not installed in /etc/fail2ban");

test("JavaScriptCore at its backtracking limit: exec answers null, throws nothing, sets no flag", () => {
  const re = new RegExp(GIVE_UP.source);
  const t = performance.now();
  let result: RegExpExecArray | null = null;
  expect(() => (result = re.exec(GIVE_UP.text))).not.toThrow();
  const ms = performance.now() - t;
  console.log(`JSC gave up on ${GIVE_UP.source} after ${ms.toFixed(0)} ms`);
  // Python's re (and fail2ban) finds the second alternative; JSC reports "no match".
  expect(result).toBeNull();
  expect(/^a+b$/.exec(GIVE_UP.text)).not.toBeNull();
  expect(re.lastIndex).toBe(0);
});

describe.skipIf(!haveStock)("stock filters on hostile lines", () => {
  for (const c of HOSTILE) {
    test(`${c.filter}: in-process, the hostile line is slow and does not match; the failure matches`, () => {
      const f = new Filter(stockFilter(c.filter), { now: () => NOW, dns: tableResolver({}), log: discardLog }, { checkFindTime: false });
      const t = performance.now();
      const found = f.processLine(c.line(c.slowSize));
      const ms = performance.now() - t;
      console.log(`${c.filter}: hostile line (${c.line(c.slowSize).length} chars) took ${ms.toFixed(0)} ms in-process — ${c.why}`);
      expect(found.map((x) => x.fid)).toEqual([]);
      expect(f.processLine(c.failure.line).map((x) => x.fid)).toEqual([c.failure.ip]);
    });
  }

  test("f2b regex: the hostile line is missed, reported over the line budget and attributed to its regex", async () => {
    const dir = mkdtempSync(join(tmpdir(), "f2b-hostile-"));
    try {
      for (const c of HOSTILE) {
        const log = join(dir, `${c.filter}.log`);
        writeFileSync(log, `${c.line(c.slowSize)}\n${c.failure.line}\n`);
        let out = "";
        const t = performance.now();
        const rc = await runRegex(["-c", STOCK_ROOT, log, c.filter], { out: (s) => (out += s), err: (s) => (out += s) });
        console.log(`${c.filter}: f2b regex took ${(performance.now() - t).toFixed(0)} ms for the hostile line and one failure`);
        expect(rc).toBe(0);
        expect(out).toMatch(/Lines: 2 lines, 0 ignored, 1 matched, 1 missed/);
        expect(out).toContain("Lines over linebudget (100 ms): 1 ");
        expect(out).toMatch(new RegExp(`\\|  \\[1, \\d+ ms\\] ${c.slowRegex}: `));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
