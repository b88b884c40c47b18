// How a prefregex's groups and a failregex's groups combine (fail2ban 1.1.1, gh-4196): generated
// prefregex/failregex pairs with optional <ADDR>/<F-USER> on either side, and lines that fill any
// subset of them, through f2b's Filter and through fail2ban 1.1.1's own Filter; every failure's
// regex, id and user must agree. 1.0.2 differs on purpose (README, "Deliberate differences"): a
// failregex group that did not participate hid the prefregex's value there.
import { describe, expect, test } from "bun:test";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Filter } from "../../src/filter/filter.ts";
import type { FilterDefinition } from "../../src/config/filter-reader.ts";
import { memoryLog } from "../../src/system/log.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { oracles, PYTHON } from "../helpers/fail2ban-server.ts";

const NOW = 1763942400;
const SEED = Number(process.env["SEED"] ?? Date.now() % 1e9);

const ORACLE = String.raw`
import sys, json
from fail2ban.server.filter import Filter
from fail2ban.server.mytime import MyTime
MyTime.setTime(float(sys.argv[1]))
out = []
for case in json.load(sys.stdin):
    flt = Filter(None)
    flt.returnRawHost = True; flt.checkAllRegex = True; flt.ignorePending = False; flt.checkFindTime = False
    flt.prefRegex = case["pref"]
    for r in case["fail"]: flt.addFailRegex(r)
    flt.setDatePattern("{^LN-BEG}Epoch")
    out.append([[[i, None if fid is None else str(fid), f.get("user")] for i, fid, t, f in flt.processLine(line)] for line in case["lines"]])
print(json.dumps(out))
`;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Case {
  pref: string;
  fail: string[];
  lines: string[];
}

function generate(seed: number, n: number): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const addr = (): string => `192.0.2.${1 + Math.floor(r() * 250)}`;
  const prefs = [
    String.raw`^\s*svc(?:\(<ADDR>\))?: <F-CONTENT>.+</F-CONTENT>$`,
    String.raw`^\s*svc\(<ADDR>\): <F-CONTENT>.+</F-CONTENT>$`,
    String.raw`^\s*svc(?:\(<F-USER>\w+</F-USER>(?:,<ADDR>)?\))?: <F-CONTENT>.+</F-CONTENT>$`,
    String.raw`^\s*svc(?:\([^)]*\))?: <F-CONTENT>.+</F-CONTENT>$`,
  ];
  const fails = [
    String.raw`^bad(?: from <ADDR>)?(?: user <F-USER>\w+</F-USER>)?$`,
    String.raw`^bad from <ADDR>(?: user <F-USER>\w+</F-USER>)?$`,
    String.raw`^worse(?: user <F-USER>\w+</F-USER>)?(?: from <ADDR>)?$`,
  ];
  const cases: Case[] = [];
  for (let c = 0; c < n; c++) {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const head = pick(["", `(${addr()})`, `(bob,${addr()})`, "(eve)", "(x y)"]);
      const body = `${pick(["bad", "worse"])}${r() < 0.5 ? ` from ${addr()}` : ""}${r() < 0.5 ? ` user ${pick(["al", "mo"])}` : ""}`;
      lines.push(`${NOW - i} svc${head}: ${body}`);
    }
    cases.push({ pref: pick(prefs), fail: fails.filter(() => r() < 0.7), lines });
  }
  return cases.filter((c) => c.fail.length > 0);
}

function ours(c: Case): unknown[] {
  const def: FilterDefinition = {
    name: "generated",
    file: "generated",
    failregex: c.fail,
    ignoreregex: [],
    prefregex: c.pref,
    datepattern: "{^LN-BEG}Epoch",
    options: {},
  };
  const opts = { checkAllRegex: true, ignorePending: false, checkFindTime: false, returnRawHost: true };
  const f = new Filter(def, { now: () => NOW, tz: TimeZone.fromEnv("UTC"), dns: tableResolver({}), log: memoryLog() }, opts);
  return c.lines.map((l) => f.processLine(l).map((x) => [x.regexIndex, x.fid, x.data["user"] ?? null]));
}

describe("prefregex + failregex groups merge as in fail2ban 1.1.1", () => {
  test("the prefix's address stands when the failregex's own <ADDR> did not participate (gh-4196)", () => {
    const c: Case = {
      pref: String.raw`^\s*svc(?:\(<ADDR>\))?: <F-CONTENT>.+</F-CONTENT>$`,
      fail: [String.raw`^bad(?: from <ADDR>)?$`],
      lines: [`${NOW} svc(192.0.2.7): bad`, `${NOW} svc(192.0.2.7): bad from 192.0.2.9`],
    };
    expect(ours(c)).toEqual([[[0, "192.0.2.7", null]], [[0, "192.0.2.9", null]]]);
  });

  for (const o of oracles("pref-merge", ["1.1.1"])) {
    test(`generated cases agree with fail2ban ${o.version}'s Filter (seed ${SEED})`, () => {
      const cases = generate(SEED, 40);
      const py = Bun.spawnSync([PYTHON, "-c", ORACLE, String(NOW)], {
        stdin: Buffer.from(JSON.stringify(cases)),
        env: { ...process.env, ...o.env, TZ: "UTC" },
      });
      if (py.exitCode !== 0) throw new Error(py.stderr.toString());
      const theirs = JSON.parse(py.stdout.toString()) as unknown[][];
      let failures = 0;
      cases.forEach((c, i) => {
        failures += theirs[i]!.flat().length;
        if (!Bun.deepEquals(ours(c), theirs[i])) expect({ seed: SEED, case: c, ours: ours(c) }).toEqual({ seed: SEED, case: c, ours: theirs[i]! });
      });
      expect(failures).toBeGreaterThan(50);
    });
  }
});
