// Compatibility suite: every stock fail2ban filter against its own sample log, with fail2ban's
// sample-test semantics (see samples.ts). Fails on any failing case not listed in
// known-failures.json, and on any listed case that now passes (so the list stays true).
import { expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import knownList from "./known-failures.json";
import { runSamples, type CaseResult } from "./samples.ts";

const CONFIG_DIR = "/etc/fail2ban";
const LOGS_DIR = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const TEST_CONFIG_DIR = "/usr/lib/python3/dist-packages/fail2ban/tests/config";
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
  const failed = all.filter((r) => !r.ok).length;
  console.log(`${lines.join("\n")}\ncompat: ${all.length - failed} passed, ${failed} failed`);
  expect(all.length).toBeGreaterThan(1000);
  check(all);
});

// fail2ban's own test-only filters (multi-line buffers, <SKIPLINES>, custom F- tags); their include
// of common.conf assumes fail2ban's source tree, so they are read from a temp dir with it fixed.
const zzzAvailable = available && existsSync(join(TEST_CONFIG_DIR, "filter.d"));
test.skipIf(!zzzAvailable)("fail2ban's test-config filters (zzz-*) pass their sample logs", () => {
  const dir = mkdtempSync(join(tmpdir(), "f2b-compat-"));
  mkdirSync(join(dir, "filter.d"));
  copyFileSync(join(CONFIG_DIR, "filter.d", "common.conf"), join(dir, "filter.d", "common.conf"));
  const names = readdirSync(join(TEST_CONFIG_DIR, "filter.d")).filter((f) => f.startsWith("zzz-") && f.endsWith(".conf"));
  const all: CaseResult[] = [];
  for (const f of names) {
    const text = readFileSync(join(TEST_CONFIG_DIR, "filter.d", f), "utf8");
    writeFileSync(join(dir, "filter.d", f), text.replace(/^(before\s*=\s*)\S*common\.conf\s*$/m, "$1common.conf"));
    all.push(...runSamples(f.slice(0, -".conf".length), dir, LOGS_DIR));
  }
  const failed = all.filter((r) => !r.ok).length;
  console.log(`compat (fail2ban test-config filters ${names.join(", ")}): ${all.length - failed} passed, ${failed} failed`);
  expect(all.length).toBeGreaterThan(100);
  check(all);
});
