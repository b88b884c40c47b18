// The WARNING for an abandoned line names the jail's regex (numbered from 1, as f2b regex and
// f2b -t do), what the linear-time engine decided, and where the line is.
import { expect, test } from "bun:test";
import type { FilterDefinition } from "../../src/config/filter-reader.ts";
import { Filter } from "../../src/filter/filter.ts";
import { PROBE_DATE, PROBE_FAILREGEX, PROBE_PREFREGEX } from "../../src/filter/filter-probe.ts";
import { describeAbandoned } from "../../src/filter-worker/abandoned.ts";
import type { AbandonedLine } from "../../src/filter-worker/filter-stage.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { discardLog } from "../../src/system/log.ts";

const def: FilterDefinition = {
  name: "t",
  file: "t.conf",
  prefregex: "^<F-CONTENT>.+</F-CONTENT>$",
  failregex: ["^a from <HOST>$", "^b from <HOST>$"],
  ignoreregex: ["^c"],
  options: {},
};
const f = new Filter(def, { now: () => 1.7e9, dns: tableResolver({}), log: discardLog });
const failure = { regexIndex: 1, fid: "192.0.2.1", time: 1.7e9, data: {} };
const line = (over: Partial<AbandonedLine["line"]> = {}): AbandonedLine["line"] => ({ source: "/var/log/x.log", text: "b from 192.0.2.1", pos: 4242, ...over });

test("regex, outcome and place in the message", () => {
  const cases: [AbandonedLine, string][] = [
    [
      { line: line(), slot: PROBE_FAILREGEX + 1, budgetMs: 100, outcome: { decided: true, failures: [failure] } },
      "Line abandoned after 100 ms (linebudget) in failregex 2: ^b from <HOST>$ — decided on the linear-time engine: failure of 192.0.2.1 (counted); source /var/log/x.log, line ending at byte 4242: b from 192.0.2.1",
    ],
    [
      { line: line({ cursor: "s=abc;i=1", pos: 0, source: "journal" }), slot: PROBE_PREFREGEX, budgetMs: 250, outcome: { decided: true, failures: [] } },
      "Line abandoned after 250 ms (linebudget) in prefregex: ^<F-CONTENT>.+</F-CONTENT>$ — decided on the linear-time engine: no failure; source journal, journal cursor s=abc;i=1: b from 192.0.2.1",
    ],
    [
      { line: line({ text: "x".repeat(400) }), slot: PROBE_FAILREGEX + 2, budgetMs: 100, outcome: { decided: false, why: "no linear-time form" } },
      `Line abandoned after 100 ms (linebudget) in ignoreregex 1: ^c — not decided (no linear-time form): not matched, not counted; source /var/log/x.log, line ending at byte 4242: ${"x".repeat(300)}… (400 chars)`,
    ],
  ];
  for (const [a, want] of cases) expect(describeAbandoned(a, f)).toBe(want);
  expect(describeAbandoned({ line: line(), slot: PROBE_DATE, budgetMs: 100, outcome: { decided: true, failures: [] } }, f)).toContain("in the date detector: ");
});
