// Log lines are attacker-controlled: every shipped filter must reject long lines built from
// its own trigger words in linear-ish time (a quadratic or exponential regex takes seconds on
// 20 KB; these take a few ms).
import { expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { Filter } from "../../src/filter/filter.ts";
import { NOW } from "./own-samples.ts";
import { tableResolver } from "../../src/system/resolver.ts";

const names = readdirSync(join(import.meta.dir, "..", "..", "filters"))
  .filter((f) => f.endsWith(".conf") && f !== "common.conf")
  .map((f) => f.slice(0, -".conf".length));

// Fragments the filters look for, repeated without ever forming a complete failure line.
const PIECES = [
  " from 1.2.3.4",
  '"remoteAddr":"1.2.3.4",',
  " ip=1.2.3.4",
  " (1.2.3.4)",
  "[client 1.2.3.4] ",
  " user=<a>, rip=1.2.3.4,",
  " IP: 1.2.3.4.",
  ' has been denied (IP: "1.2.3.4")',
  " remote_addr=1.2.3.4 x",
];
const LEADS = [
  "",
  "{",
  "Nov 21 10:00:00 host sshd[1]: Failed password for",
  "2026/11/21 10:00:00 a.go:1:F() [I] Failed authentication attempt for",
  "IMAP Error: Login failed for",
];
const BUDGET_MS = 250;

for (const name of names) {
  test(`${name}: 20 KB hostile lines stay fast and do not match`, () => {
    const f = new Filter(loadFilter(embeddedFS(), name), { now: () => NOW, dns: tableResolver({}), log: memoryLog() }, { checkFindTime: false });
    let worst = 0;
    let worstLine = "";
    for (const lead of LEADS) {
      for (const p of PIECES) {
        const line = lead + p.repeat(Math.ceil(20000 / p.length)) + "\u0000";
        const t = performance.now();
        const found = f.processLine(line).filter((x) => x.fid !== null && !x.data["nofail"]);
        const ms = performance.now() - t;
        if (ms > worst) [worst, worstLine] = [ms, `${lead.slice(0, 20)}…${p}`];
        expect({ line: `${lead.slice(0, 20)}…${p}`, hosts: found.map((x) => x.fid) }).toEqual({ line: `${lead.slice(0, 20)}…${p}`, hosts: [] });
      }
    }
    if (worst > BUDGET_MS / 5) console.log(`${name}: slowest hostile line ${worst.toFixed(1)} ms (${worstLine})`);
    expect(worst).toBeLessThan(BUDGET_MS);
  });
}
