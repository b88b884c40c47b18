// fail2ban 1.1's rules for a jail none of whose log files exists, every combination of backend,
// log file present or not, journalmatch in the jail / in its filter, skip_if_nologs and
// systemd_if_nologs, decided by f2b (loadJails → jailSettings → skippedForMissingLogs/planSource)
// and by fail2ban 1.1.1's own JailReader.convert. Outcomes: the jail reads its files, reads the
// journal, or is skipped; where fail2ban refuses to start ("Have not found any log file"), f2b
// runs the jail waiting for its file (README, "Deliberate differences").
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadJails } from "../../src/config/jail-reader.ts";
import { jailSettings } from "../../src/server/settings.ts";
import { planSource, skippedForMissingLogs } from "../../src/server/source-check.ts";
import { oracles, PYTHON } from "../helpers/fail2ban-server.ts";

const tmp = mkdtempSync(join(tmpdir(), "f2b-nologs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ORACLE = String.raw`
import json, sys, logging
logging.disable(logging.CRITICAL)
from fail2ban.client.jailsreader import JailsReader
r = JailsReader(basedir=sys.argv[1]); r.read(); r.getOptions()
out = {}
for jail in r.jails:
    try:
        s = jail.convert()
        out[jail.getName()] = "skip" if s and s[0][0] == "config-error" else ("journal" if s[0][2].startswith("systemd") else "files")
    except ValueError:
        out[jail.getName()] = "refused"
print(json.dumps(out))
`;

interface Combo {
  name: string;
  backend: string;
  logExists: boolean;
  jailMatch: boolean;
  filterMatch: boolean;
  skip?: string;
  systemd?: string;
}

function combos(): Combo[] {
  const out: Combo[] = [];
  for (const backend of ["auto", "polling", "systemd"])
    for (const logExists of [true, false])
      for (const jailMatch of [true, false])
        for (const filterMatch of [true, false])
          for (const skip of [undefined, "true", "false"])
            for (const systemd of [undefined, "true", "false"]) {
              const name = `j${out.length}`;
              out.push({ name, backend, logExists, jailMatch, filterMatch, ...(skip ? { skip } : {}), ...(systemd ? { systemd } : {}) });
            }
  return out;
}

function writeTree(dir: string, cs: Combo[]): void {
  mkdirSync(join(dir, "filter.d"), { recursive: true });
  mkdirSync(join(dir, "action.d"), { recursive: true });
  writeFileSync(join(dir, "filter.d", "plain.conf"), "[Definition]\nfailregex = ^fail from <HOST>$\n");
  writeFileSync(join(dir, "filter.d", "journaled.conf"), "[Definition]\nfailregex = ^fail from <HOST>$\njournalmatch = _SYSTEMD_UNIT=demo.service\n");
  writeFileSync(join(dir, "present.log"), "");
  const sections = cs.map((c) =>
    [
      `[${c.name}]`,
      "enabled = true",
      `filter = ${c.filterMatch ? "journaled" : "plain"}`,
      `backend = ${c.backend}`,
      `logpath = ${join(dir, c.logExists ? "present.log" : "absent.log")}`,
      c.jailMatch ? "journalmatch = _COMM=demo" : "",
      c.skip ? `skip_if_nologs = ${c.skip}` : "",
      c.systemd ? `systemd_if_nologs = ${c.systemd}` : "",
      "",
    ]
      .filter((l, i, a) => l !== "" || i === a.length - 1)
      .join("\n"),
  );
  writeFileSync(join(dir, "jail.conf"), sections.join("\n"));
}

function ours(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  // a journal without entries: f2b's own extension (auto + the filter's journalmatch + entries) stays out
  const deps = { probeJournal: () => ({ ok: true, entries: false }) };
  for (const j of loadJails(diskFS(dir))) {
    const s = jailSettings(j);
    if (skippedForMissingLogs(s)) out[j.name] = "skip";
    else {
      const plan = planSource(s, deps);
      out[j.name] = plan.kind === "files" && plan.warnings.length > 0 ? "waits" : plan.kind;
    }
  }
  return out;
}

for (const o of oracles("nologs", ["1.1.1"])) {
  test(`skip_if_nologs, systemd_if_nologs and backend = auto decide as fail2ban ${o.version} does`, () => {
    const cs = combos();
    const dir = join(tmp, o.version);
    writeTree(dir, cs);
    const py = Bun.spawnSync([PYTHON, "-c", ORACLE, dir], { env: { ...process.env, ...o.env } });
    if (py.exitCode !== 0) throw new Error(py.stderr.toString());
    const theirs = JSON.parse(py.stdout.toString()) as Record<string, string>;
    const mine = ours(dir);
    const diffs: string[] = [];
    const tally: Record<string, number> = {};
    for (const c of cs) {
      const t = theirs[c.name]!;
      const expected = t === "refused" ? "waits" : t; // the deliberate difference
      tally[t] = (tally[t] ?? 0) + 1;
      if (mine[c.name] !== expected) diffs.push(`${JSON.stringify(c)}: f2b ${mine[c.name]}, fail2ban ${t}`);
    }
    console.log(`nologs: ${cs.length} combinations, fail2ban ${o.version}: ${JSON.stringify(tally)}`);
    expect(diffs).toEqual([]);
    // every outcome occurs, so each rule is exercised
    expect(Object.keys(tally).sort()).toEqual(["files", "journal", "refused", "skip"]);
  });
}
