// Differential test: every stock filter of each fail2ban oracle (1.0.2, 1.1.1), with every option
// set its sample log uses, loaded by that version's own FilterReader and by loadFilter.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadFilter, readFilter } from "../../src/config/filter-reader.ts";
import { oracles, PYTHON, type Oracle } from "../helpers/fail2ban-server.ts";
import { journalMatchWords } from "./stream-view.ts";

interface OracleRecord {
  filter: string;
  opts: Record<string, string>;
  result?: Record<string, unknown>;
  combinedAll?: string[];
  error?: string;
}

function oracle(o: Oracle): OracleRecord[] {
  const proc = Bun.spawnSync([PYTHON, join(import.meta.dir, "oracle", "filters.py"), o.etc, o.logs], { env: { ...process.env, ...o.env } });
  if (proc.exitCode !== 0) throw new Error(`oracle failed: ${proc.stderr.toString()}`);
  return JSON.parse(proc.stdout.toString()) as OracleRecord[];
}

for (const o of oracles("filter-compat"))
  describe(`loadFilter vs fail2ban ${o.version} FilterReader`, () => {
    test("same prefregex/failregex/ignoreregex/maxlines/datepattern/journalmatch (and known/ keys) for every filter and option set", () => {
      const records = oracle(o);
      const fs = diskFS(o.etc);
      const mismatches: string[] = [];
      let same = 0;
      for (const rec of records) {
        const label = `${rec.filter}${JSON.stringify(rec.opts)}`;
        let ours: Record<string, unknown>;
        try {
          const def = loadFilter(fs, rec.filter, rec.opts);
          ours = { failregex: def.failregex, ignoreregex: def.ignoreregex, journalmatch: journalMatchWords(def.journalmatch) };
          for (const k of ["prefregex", "maxlines", "datepattern", "usedns"] as const) if (def[k] !== undefined) ours[k] = def[k];
        } catch (e) {
          if (rec.error) {
            same++;
            continue;
          }
          mismatches.push(`${label}: we threw ${(e as Error).message}`);
          continue;
        }
        if (rec.error) mismatches.push(`${label}: fail2ban threw ${rec.error}, we did not`);
        else if (JSON.stringify(ours) !== JSON.stringify(sortKeys(rec.result!, ours))) {
          mismatches.push(`${label}:\n  ours:     ${JSON.stringify(ours)}\n  fail2ban: ${JSON.stringify(rec.result)}`);
        } else same++;
        if (rec.combinedAll) {
          const src = readFilter(fs, rec.filter, rec.opts);
          src.reader.getOptions({ enabled: "True" }, true);
          const keys = [...src.reader.getCombined().keys()].sort();
          if (JSON.stringify(keys) !== JSON.stringify(rec.combinedAll)) mismatches.push(`${label}: known/ keys differ: ${keys} vs ${rec.combinedAll}`);
        }
      }
      console.log(`filter-compat ${o.version}: ${same}/${records.length} filter+option combinations identical to fail2ban`);
      expect(mismatches).toEqual([]);
      expect(records.length).toBeGreaterThan(100);
    }, 60_000);
  });

/** The oracle's keys in our key order, so JSON strings compare content only. */
function sortKeys(theirs: Record<string, unknown>, ours: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(ours)) if (k in theirs) out[k] = theirs[k];
  for (const k of Object.keys(theirs)) if (!(k in out)) out[k] = theirs[k];
  return out;
}
