// Runs one of OUR filters against fail2ban's sample log for the same service (read at run time
// from the installed fail2ban package; never copied), with fail2ban's failJSON semantics via
// tests/compat/samples.ts. Only line cases are counted: fail2ban's "every failregex has a sample"
// check is about its own regex list, not ours.
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSamples, type CaseResult } from "../compat/samples.ts";

export const F2B_LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const FILTERS = join(import.meta.dir, "..", "..", "filters");

export interface SampleScore {
  passed: number;
  total: number;
  misses: CaseResult[];
}

/** Scores filters/<ours>.conf on fail2ban's sample log <sample> (the filter is installed under that name). */
export function scoreOnFail2banSample(ours: string, sample: string): SampleScore {
  const root = mkdtempSync(join(tmpdir(), "f2b-ours-"));
  try {
    cpSync(FILTERS, join(root, "filter.d"), { recursive: true });
    if (ours !== sample) cpSync(join(FILTERS, `${ours}.conf`), join(root, "filter.d", `${sample}.conf`));
    const cases = runSamples(sample, root, F2B_LOGS).filter((c) => !c.line.startsWith("regex "));
    const misses = cases.filter((c) => !c.ok);
    return { passed: cases.length - misses.length, total: cases.length, misses };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function haveFail2banSample(sample: string): boolean {
  return existsSync(join(F2B_LOGS, sample));
}
