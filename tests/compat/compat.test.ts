// Compatibility suite: every stock fail2ban filter against its own sample log, with fail2ban's
// sample-test semantics (see samples.ts). Fails on any failing case not listed in
// known-failures.json, and on any listed case that now passes (so the list stays true).
// Runs for each fail2ban oracle (tests/helpers/fail2ban-server.ts): 1.0.2 and 1.1.1 ship different filters
// and sample logs.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import knownList from "./known-failures.json";
import { runSamples, type CaseResult } from "./samples.ts";
import { oracles, type Oracle } from "../helpers/fail2ban-server.ts";

interface Known {
  filter: string;
  line: string;
  reason: string;
}
const known = knownList as Known[];
const key = (c: { filter: string; line: string }): string => `${c.filter}\u0000${c.line}`;

function filterNames(configDir: string): string[] {
  return readdirSync(join(configDir, "filter.d"))
    .filter((f) => f.endsWith(".conf") && !f.endsWith("common.conf") && !f.startsWith("."))
    .map((f) => f.slice(0, -".conf".length))
    .sort();
}

function check(all: CaseResult[]): void {
  const failed = all.filter((r) => !r.ok);
  const failedKeys = new Set(failed.map(key));
  const knownKeys = new Set(known.map(key));
  const filters = new Set(all.map((r) => r.filter.replace(/[{[].*$/, "")));
  const regressions = failed.filter((r) => !knownKeys.has(key(r)));
  const nowPassing = known.filter((k) => filters.has(k.filter.replace(/[{[].*$/, "")) && !failedKeys.has(key(k)));
  for (const r of regressions) console.log(`REGRESSION ${r.filter} ${r.line}: ${r.reason}`);
  for (const k of nowPassing) console.log(`NOW PASSING (remove from known-failures.json) ${k.filter} ${k.line}`);
  expect(regressions.map((r) => `${r.filter} ${r.line}: ${r.reason}`)).toEqual([]);
  expect(nowPassing.map((k) => `${k.filter} ${k.line}`)).toEqual([]);
}

const tmp = mkdtempSync(join(tmpdir(), "f2b-compat-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * fail2ban's test-only filters (zzz-*: multi-line buffers, <SKIPLINES>, custom F- tags) include
 * common.conf by a relative path valid in the tree their test suite runs in: upstream's source tree
 * (1.1.1: `../../../../config/filter.d/common.conf`, fail2ban/tests/config four levels below
 * config/) or Debian's build tree (1.0.2: seven levels, from .pybuild/cpython3_3.11/build/). This
 * rebuilds that tree with symlinks: ROOT/<levels>/filter.d/zzz-* and ROOT/config -> the stock
 * config, so the include resolves exactly as written.
 */
function sourceTreeLayout(o: Oracle, names: string[]): string {
  const root = join(tmp, o.version);
  const include = /^before\s*=\s*((?:\.\.\/)+)([^/\s]+)\/filter\.d\/common\.conf\s*$/m.exec(readFileSync(join(o.testConfig, "filter.d", names[0]!), "utf8"));
  if (!include) throw new Error(`${o.testConfig}/filter.d/${names[0]}: no relative before = .../filter.d/common.conf`);
  const levels = include[1]!.length / 3;
  const fillers = Array.from({ length: levels - 4 }, (_, i) => `build-${i}`); // Debian's build-dir depth
  const testConfig = join(root, ...fillers, "fail2ban", "tests", "config");
  mkdirSync(join(testConfig, "filter.d"), { recursive: true });
  for (const f of names) symlinkSync(join(o.testConfig, "filter.d", f), join(testConfig, "filter.d", f));
  symlinkSync(o.etc, join(root, include[2]!));
  return testConfig;
}

for (const o of oracles("compat")) {
  describe(`fail2ban ${o.version}`, () => {
    const available = existsSync(join(o.etc, "filter.d")) && existsSync(o.logs);
    if (!available) console.warn(`compat ${o.version}: skipped, no filters in ${o.etc} or sample logs in ${o.logs}`);

    test.skipIf(!available)("stock filters pass their fail2ban sample logs", () => {
      const all: CaseResult[] = [];
      const lines: string[] = [];
      for (const name of filterNames(o.etc)) {
        let res: CaseResult[];
        if (!existsSync(join(o.logs, name))) res = [{ filter: name, line: "sample", ok: false, reason: `No sample log file available for '${name}' filter` }];
        else res = runSamples(name, o.etc, o.logs);
        const bad = res.filter((r) => !r.ok).length;
        lines.push(`  ${name}: ${res.length - bad} passed, ${bad} failed`);
        all.push(...res);
      }
      const failed = all.filter((r) => !r.ok).length;
      console.log(`${lines.join("\n")}\ncompat ${o.version}: ${all.length - failed} passed, ${failed} failed`);
      expect(all.length).toBeGreaterThan(1000);
      check(all);
    });

    const zzzAvailable = available && existsSync(join(o.testConfig, "filter.d"));
    test.skipIf(!zzzAvailable)("fail2ban's test-config filters (zzz-*) pass their sample logs", () => {
      const names = readdirSync(join(o.testConfig, "filter.d")).filter((f) => f.startsWith("zzz-") && f.endsWith(".conf"));
      const dir = sourceTreeLayout(o, names);
      const all: CaseResult[] = [];
      for (const f of names) all.push(...runSamples(f.slice(0, -".conf".length), dir, o.logs));
      const failed = all.filter((r) => !r.ok).length;
      console.log(`compat ${o.version} (fail2ban test-config filters ${names.join(", ")}): ${all.length - failed} passed, ${failed} failed`);
      expect(all.length).toBeGreaterThan(100);
      check(all);
    });
  });
}
