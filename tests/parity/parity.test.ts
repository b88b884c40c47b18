// Daemon parity: the real fail2ban-server 1.0.2 and 1.1.1 and f2b run the same generated scenarios,
// one after the other (f2b once, compared with both), and every jail's `status`, ban durations and
// command answers must equal the newest oracle's (f2b follows 1.1.1 where the versions decide
// differently; those scenarios are printed) or, for a kind marked deliberate, f2b must do what the
// README's "Deliberate differences" says. PARITY_SEED=N replays a run (PARITY_KINDS=a,b only
// those kinds, PARITY_KEEP=1 keeps the batch directories and daemon logs); PARITY_PER_KIND=N
// scales it (default 3 per kind). Every oracle present runs ($F2B_REQUIRE_ORACLES: a missing one
// fails, see oracles()).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracles, serverLayout, type OracleVersion } from "../helpers/fail2ban-server.ts";
import { F2B_BIN, f2bDaemon, fail2banDaemon, type Daemon } from "./daemons.ts";
import { KINDS, generate } from "./kinds.ts";
import { PENDING } from "./pending.ts";
import { BatchRun, prepareBatch, type Snapshot } from "./runner.ts";
import { Rng, TEMPLATES, type Scenario } from "./scenario.ts";

const SEED = process.env.PARITY_SEED ? Number(process.env.PARITY_SEED) : Math.floor(Math.random() * 2 ** 31);
const PER_KIND = Number(process.env.PARITY_PER_KIND ?? 3);
const JAILS_PER_SERVER = 18;
/** Zones with and without DST, with a half-hour offset; both daemons and the log writer use it. */
const TZ = new Rng(SEED ^ 0x5bd1e995).pick(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]);

/** Oldest first; the last one is what f2b is held to. */
const ORACLES = oracles("daemon parity");
const NEWEST = ORACLES.at(-1)?.version;
const missing =
  NEWEST === undefined ? "no fail2ban oracle" : existsSync(F2B_BIN) ? undefined : `${F2B_BIN} is not built (node_modules/.bin/bun scripts/build.ts)`;
/** PARITY_KINDS=a,b runs only those kinds (same scenarios as the full run of that seed). */
const ONLY = process.env.PARITY_KINDS?.split(",");
const scenarios = generate(SEED, PER_KIND).filter((s) => !ONLY || ONLY.includes(s.kind));

interface Batch {
  template: keyof typeof TEMPLATES;
  scenarios: Scenario[];
  result?: Promise<{ fail2ban: Map<OracleVersion, Map<string, Snapshot[]>>; f2b: Map<string, Snapshot[]> }>;
}

const batches: Batch[] = [];
for (const template of Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]) {
  const mine = scenarios.filter((s) => KINDS[s.kind]!.template === template);
  for (let i = 0; i < mine.length; i += JAILS_PER_SERVER) batches.push({ template, scenarios: mine.slice(i, i + JAILS_PER_SERVER) });
}

/** Wall time of each daemon's runs, summed over the batches (what each oracle adds to the suite). */
const runSeconds = new Map<string, number>();

const root = mkdtempSync(join(tmpdir(), "f2b-parity-"));

/** Runs a batch on each fail2ban version, then on f2b (once; every scenario of the batch awaits
 * the same runs). The versions share the batch's config and layout: each one's database and log
 * are moved aside (named by version) before the next starts. */
function results(b: Batch): NonNullable<Batch["result"]> {
  b.result ??= (async () => {
    const dir = join(root, `batch${batches.indexOf(b)}`);
    prepareBatch(dir, b.scenarios);
    const fail2ban = new Map<OracleVersion, Map<string, Snapshot[]>>();
    const layout = serverLayout(dir, "fail2ban");
    const timed = async (d: Daemon): Promise<Map<string, Snapshot[]>> => {
      const t0 = Date.now();
      const snaps = await new BatchRun(d, dir, TZ, TEMPLATES[b.template], b.scenarios).run();
      runSeconds.set(d.label, (runSeconds.get(d.label) ?? 0) + (Date.now() - t0) / 1000);
      return snaps;
    };
    for (const o of ORACLES) {
      fail2ban.set(o.version, await timed(fail2banDaemon(o)));
      for (const f of [layout.db, layout.logtarget]) if (existsSync(f)) renameSync(f, f.replace(/(\.\w+)$/, `-${o.version}$1`));
    }
    return { fail2ban, f2b: await timed(f2bDaemon) };
  })();
  return b.result;
}

/** A prolonged ban lasts bantime + the time between the two offences, which spans a phase
 * boundary: the two runs' phases differ in length by their settle windows (a few seconds). */
const PROLONG_SLACK_S = 5;

function sameBantimes(a: string, b: string, exact: boolean): boolean {
  if (exact || a === b) return a === b;
  const pa = a.split(" ").map((x) => x.split("="));
  const pb = b.split(" ").map((x) => x.split("="));
  return pa.length === pb.length && pa.every(([ip, d], i) => pb[i]![0] === ip && Math.abs(Number(d) - Number(pb[i]![1])) <= PROLONG_SLACK_S);
}

/** Where run `b` differs from run `a` ("" if nowhere), the lines named by the two runs. */
function differences(s: Scenario, a: Snapshot[], b: Snapshot[], names: [string, string] = ["fail2ban", "f2b"]): string {
  const out: string[] = [];
  a.forEach((sa, i) => {
    const sb = b[i]!;
    for (const k of ["status", "bantimes", "commands", "settings", "stuck"] as const) {
      const va = JSON.stringify(sa[k] ?? null);
      const vb = JSON.stringify(sb[k] ?? null);
      const same = k === "bantimes" ? sameBantimes(sa.bantimes, sb.bantimes, s.exactBantimes) : va === vb;
      if (!same) out.push(`  at ${sa.label}, ${k}:\n    ${names[0].padEnd(14)}${va}\n    ${names[1].padEnd(14)}${vb}`);
    }
  });
  return out.join("\n");
}

const tally = { run: 0, equal: 0, deliberate: 0, pending: 0, failed: 0, equalTo: new Map<OracleVersion, number>(), versionsDiffer: new Map<string, number>() };

describe.skipIf(missing !== undefined)(`daemon parity with fail2ban-server ${ORACLES.map((o) => o.version).join(", ")} (PARITY_SEED=${SEED}, TZ=${TZ})`, () => {
  for (const b of batches) {
    for (const s of b.scenarios) {
      test(s.id, async () => {
        const r = await results(b);
        const mine = r.f2b.get(s.id)!;
        const oracleRun = (v: OracleVersion): Snapshot[] => r.fail2ban.get(v)!.get(s.id)!;
        tally.run++;
        for (const o of ORACLES) {
          if (differences(s, oracleRun(o.version), mine) === "") tally.equalTo.set(o.version, (tally.equalTo.get(o.version) ?? 0) + 1);
        }
        // the versions' own disagreements, shown: f2b is held to the newest
        for (const o of ORACLES.slice(0, -1)) {
          const between = differences(s, oracleRun(o.version), oracleRun(NEWEST!), [`fail2ban ${o.version}`, `fail2ban ${NEWEST}`]);
          if (between === "") continue;
          tally.versionsDiffer.set(s.kind, (tally.versionsDiffer.get(s.kind) ?? 0) + 1);
          console.log(`${s.id}: fail2ban ${o.version} and ${NEWEST} differ (f2b is compared with ${NEWEST})\n${between}`);
        }
        const diff = differences(s, oracleRun(NEWEST!), mine, [`fail2ban ${NEWEST}`, "f2b"]);
        const pending = PENDING[s.kind];
        if (pending) {
          if (diff === "") {
            tally.failed++;
            throw new Error(`${s.id}: kind '${s.kind}' now behaves like fail2ban ${NEWEST}: remove it from tests/parity/pending.ts (${pending})`);
          }
          tally.pending++;
          console.log(`pending ${s.id} (${pending}): still differs\n${diff}`);
          return;
        }
        if (diff !== "") {
          tally.failed++;
          const replay = `PARITY_SEED=${SEED} PARITY_PER_KIND=${PER_KIND} (TZ ${TZ})`;
          throw new Error(`${s.id} differs from fail2ban ${NEWEST}; replay with ${replay}\nscenario: ${JSON.stringify(s)}\n${diff}`);
        }
        if (KINDS[s.kind]!.deliberate) tally.deliberate++;
        else tally.equal++;
        expect(diff).toBe("");
      });
    }
  }
});

if (missing) console.log(`daemon parity skipped: ${missing}`);

afterAll(() => {
  if (process.env.PARITY_KEEP) console.log(`parity: batch directories kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
  if (tally.run > 0) {
    const equalTo = ORACLES.map((o) => `${tally.equalTo.get(o.version) ?? 0} equal to fail2ban ${o.version}`).join(", ");
    const differ = [...tally.versionsDiffer].map(([k, n]) => `${k} ${n}`).join(", ") || "none";
    console.log(
      `daemon parity (PARITY_SEED=${SEED}, TZ=${TZ}): ${tally.run} scenarios run, ${equalTo}; against fail2ban ${NEWEST}: ${tally.equal} equal, ` +
        `${tally.deliberate} deliberate differences (f2b's documented behaviour), ${tally.pending} known divergences pending, ${tally.failed} failed; ` +
        `scenarios where the fail2ban versions differ, by kind: ${differ}; run time: ` +
        [...runSeconds].map(([d, t]) => `${d} ${Math.round(t)} s`).join(", "),
    );
  }
});
