// Compatibility suite: every stock fail2ban filter against its own sample log, with fail2ban's
// sample-test semantics (see samples.ts). Fails on any failing case not listed in
// known-failures.json, and on any listed case that now passes (so the list stays true).
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import knownList from "./known-failures.json";
import { runSamples, type CaseResult } from "./samples.ts";

const CONFIG_DIR = "/etc/fail2ban";
const LOGS_DIR = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const available = existsSync(join(CONFIG_DIR, "filter.d")) && existsSync(LOGS_DIR);
if (!available) console.warn(`compat: skipped, fail2ban's filters (${CONFIG_DIR}) or sample logs (${LOGS_DIR}) are not installed`);

interface Known {
  filter: string;
  line: string;
  reason: string;
}
const known = knownList as Known[];
const key = (c: { filter: string; line: string }): string => `${c.filter}\u0000${c.line}`;

function filterNames(): string[] {
  return readdirSync(join(CONFIG_DIR, "filter.d"))
    .filter((f) => f.endsWith(".conf") && !f.endsWith("common.conf") && !f.startsWith("."))
    .map((f) => f.slice(0, -".conf".length))
    .sort();
}

test.skipIf(!available)("stock filters pass their fail2ban sample logs", () => {
  const all: CaseResult[] = [];
  const lines: string[] = [];
  for (const name of filterNames()) {
    let res: CaseResult[];
    if (!existsSync(join(LOGS_DIR, name))) res = [{ filter: name, line: "sample", ok: false, reason: `No sample log file available for '${name}' filter` }];
    else res = runSamples(name, CONFIG_DIR, LOGS_DIR);
    const bad = res.filter((r) => !r.ok).length;
    lines.push(`  ${name}: ${res.length - bad} passed, ${bad} failed`);
    all.push(...res);
  }
  const failed = all.filter((r) => !r.ok);
  console.log(`${lines.join("\n")}\ncompat: ${all.length - failed.length} passed, ${failed.length} failed`);

  const knownKeys = new Set(known.map(key));
  const regressions = failed.filter((r) => !knownKeys.has(key(r)));
  const failedKeys = new Set(failed.map(key));
  const nowPassing = known.filter((k) => !failedKeys.has(key(k)));
  for (const r of regressions) console.log(`REGRESSION ${r.filter} ${r.line}: ${r.reason}`);
  for (const k of nowPassing) console.log(`NOW PASSING (remove from known-failures.json) ${k.filter} ${k.line}`);
  expect(all.length).toBeGreaterThan(1000);
  expect(regressions.map((r) => `${r.filter} ${r.line}: ${r.reason}`)).toEqual([]);
  expect(nowPassing.map((k) => `${k.filter} ${k.line}`)).toEqual([]);
});
