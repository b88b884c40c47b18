// The time decision of processLine against fail2ban's own Filter: generated lines dated around
// now - findtime (both sides, the edge itself), far in the past, slightly and far in the future,
// without a date, and dateless lines right after a dated one, read partly as history (not in
// operation: too old → ignored) and partly in operation (odd dates → now). Failures (id, time)
// and the warnings (text, once a day) are compared line by line. Seeded (F2B_SEED to replay).
import { expect, test } from "bun:test";
import { logFrom } from "../../src/system/log.ts";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Filter } from "../../src/filter/filter.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import type { FilterDefinition } from "../../src/config/filter-reader.ts";

const PY = "/usr/bin/python3";
const have = existsSync(PY) && spawnSync(PY, ["-c", "import fail2ban.server.filter"]).status === 0;
if (!have) console.warn("history-oracle: skipped, fail2ban is not installed");

const SEED = Number(process.env["F2B_SEED"] ?? 424242);
const NOW = 1765108800; // 2025-12-07 12:00:00 UTC
const FAILREGEX = "^ ?testd\\[\\d+\\]: login failed from <HOST>$";

const ORACLE = String.raw`
import sys, json, logging
from fail2ban.server.filter import Filter
from fail2ban.server.mytime import MyTime
cases = json.load(sys.stdin)
warnings = []
class H(logging.Handler):
    def emit(self, rec):
        if rec.levelno >= logging.WARNING: warnings.append([len(out), rec.getMessage()])
logging.getLogger("fail2ban").addHandler(H())
logging.getLogger("fail2ban").setLevel(logging.WARNING)
MyTime.setTime(cases["now"])
flt = Filter(None)
flt.setFindTime(cases["findtime"])
flt.addFailRegex(cases["failregex"])
out = []
for line, history in cases["lines"]:
    flt.inOperation = not history
    out.append([[str(fid), t] for _, fid, t, _ in flt.processLine(line)])
print(json.dumps({"out": out, "warnings": warnings}))
`;
import { rng } from "../helpers/rng.ts";

const p2 = (x: number): string => String(x).padStart(2, "0");
function stamp(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

function genLines(rand: (n: number) => number, findtime: number): [string, boolean][] {
  const lines: [string, boolean][] = [];
  let history = true;
  for (let i = 0; i < 400; i++) {
    if (rand(60) === 0) history = !history;
    const ip = `10.0.${rand(4)}.${1 + rand(20)}`;
    const kind = rand(12);
    const age =
      kind < 3
        ? rand(findtime)
        : kind < 5
          ? findtime - 2 + rand(5) // the edge: findtime - 2 .. findtime + 2
          : kind < 7
            ? findtime + 1 + rand(3 * findtime)
            : kind < 8
              ? -rand(120) // slightly in the future
              : kind < 9
                ? -(3600 + rand(7200)) // a zone off
                : kind < 10
                  ? 50 + rand(30) // around the 60 s tolerance in operation mode
                  : 0;
    const msg = `testd[${100 + i}]: login failed from ${ip}`;
    if (kind === 10)
      lines.push([msg, history]); // no date at all
    else if (kind === 11) {
      lines.push([`${stamp(NOW - rand(2 * findtime))} testd[1]: session opened`, history]);
      lines.push([msg, history]); // dateless right after a dated line
    } else lines.push([`${stamp(NOW - age)} ${msg}`, history]);
  }
  return lines;
}

test.skipIf(!have)("history and operation mode: the same failures, times and warnings as fail2ban's Filter", () => {
  for (let k = 0; k < 4; k++) {
    const seed = SEED + k;
    const rand = rng(seed);
    const findtime = 60 + rand(1200);
    const lines = genLines(rand, findtime);
    const py = spawnSync(PY, ["-c", ORACLE], {
      input: JSON.stringify({ now: NOW, findtime, failregex: FAILREGEX, lines }),
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) throw new Error(py.stderr);
    const expected = JSON.parse(py.stdout) as { out: [string, number][][]; warnings: [number, string][] };

    const def: FilterDefinition = { name: "testd", file: "testd.conf", failregex: [FAILREGEX], ignoreregex: [] } as unknown as FilterDefinition;
    const warnings: [number, string][] = [];
    const got: [string, number][][] = [];
    const f = new Filter(
      def,
      { now: () => NOW, tz: TimeZone.fromEnv("UTC"), dns: tableResolver({}), log: logFrom((_level, m) => warnings.push([got.length, `[~jailless~] ${m}`])) },
      { findTime: findtime },
    );
    for (const [line, history] of lines) {
      f.inOperation = !history;
      got.push(f.processLine(line).map((x) => [x.fid!, x.time]));
    }
    const what = `seed ${seed} (F2B_SEED=${seed}), findtime ${findtime}`;
    for (let i = 0; i < lines.length; i++) {
      expect({ line: lines[i], failures: got[i] }, `${what}, line ${i}`).toEqual({ line: lines[i], failures: expected.out[i] });
    }
    expect(warnings, what).toEqual(expected.warnings);
  }
});
