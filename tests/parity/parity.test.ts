// Daemon parity: the real fail2ban-server 1.0.2 and f2b run the same generated scenarios, one
// after the other, and every jail's `status`, ban durations and command answers must be equal
// (or, for a kind marked deliberate, f2b must do what the README's "Deliberate differences"
// says). PARITY_SEED=N replays a run (PARITY_KINDS=a,b only those kinds, PARITY_KEEP=1 keeps the
// batch directories and daemon logs); PARITY_PER_KIND=N scales it (default 3 per kind).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fail2banMissing } from "../helpers/fail2ban-server.ts";
import { F2B_BIN, f2bDaemon, fail2banDaemon } from "./daemons.ts";
import { KINDS, generate } from "./kinds.ts";
import { PENDING } from "./pending.ts";
import { BatchRun, prepareBatch, type Snapshot } from "./runner.ts";
import { Rng, TEMPLATES, type Scenario } from "./scenario.ts";

const SEED = process.env.PARITY_SEED ? Number(process.env.PARITY_SEED) : Math.floor(Math.random() * 2 ** 31);
const PER_KIND = Number(process.env.PARITY_PER_KIND ?? 3);
const JAILS_PER_SERVER = 18;
/** Zones with and without DST, with a half-hour offset; both daemons and the log writer use it. */
const TZ = new Rng(SEED ^ 0x5bd1e995).pick(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]);

const missing = fail2banMissing() ?? (existsSync(F2B_BIN) ? undefined : `${F2B_BIN} is not built (node_modules/.bin/bun scripts/build.ts)`);
/** PARITY_KINDS=a,b runs only those kinds (same scenarios as the full run of that seed). */
const ONLY = process.env.PARITY_KINDS?.split(",");
const scenarios = generate(SEED, PER_KIND).filter((s) => !ONLY || ONLY.includes(s.kind));

interface Batch {
  template: keyof typeof TEMPLATES;
  scenarios: Scenario[];
  result?: Promise<{ fail2ban: Map<string, Snapshot[]>; f2b: Map<string, Snapshot[]> }>;
}

const batches: Batch[] = [];
for (const template of Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]) {
  const mine = scenarios.filter((s) => KINDS[s.kind]!.template === template);
  for (let i = 0; i < mine.length; i += JAILS_PER_SERVER) batches.push({ template, scenarios: mine.slice(i, i + JAILS_PER_SERVER) });
}

const root = mkdtempSync(join(tmpdir(), "f2b-parity-"));

/** Runs a batch on fail2ban, then on f2b (once; every scenario of the batch awaits the same run). */
function results(b: Batch): NonNullable<Batch["result"]> {
  b.result ??= (async () => {
    const dir = join(root, `batch${batches.indexOf(b)}`);
    prepareBatch(dir, b.scenarios);
    const fail2ban = await new BatchRun(fail2banDaemon, dir, TZ, TEMPLATES[b.template], b.scenarios).run();
    const f2b = await new BatchRun(f2bDaemon, dir, TZ, TEMPLATES[b.template], b.scenarios).run();
    return { fail2ban, f2b };
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

function differences(s: Scenario, a: Snapshot[], b: Snapshot[]): string {
  const out: string[] = [];
  a.forEach((sa, i) => {
    const sb = b[i]!;
    for (const k of ["status", "bantimes", "commands", "settings", "stuck"] as const) {
      const va = JSON.stringify(sa[k] ?? null);
      const vb = JSON.stringify(sb[k] ?? null);
      const same = k === "bantimes" ? sameBantimes(sa.bantimes, sb.bantimes, s.exactBantimes) : va === vb;
      if (!same) out.push(`  at ${sa.label}, ${k}:\n    fail2ban: ${va}\n    f2b:      ${vb}`);
    }
  });
  return out.join("\n");
}

const tally = { run: 0, equal: 0, deliberate: 0, pending: 0, failed: 0 };

describe.skipIf(missing !== undefined)(`daemon parity with fail2ban-server (PARITY_SEED=${SEED}, TZ=${TZ})`, () => {
  for (const b of batches) {
    for (const s of b.scenarios) {
      test(s.id, async () => {
        const r = await results(b);
        const diff = differences(s, r.fail2ban.get(s.id)!, r.f2b.get(s.id)!);
        const pending = PENDING[s.kind];
        tally.run++;
        if (pending) {
          if (diff === "") {
            tally.failed++;
            throw new Error(`${s.id}: kind '${s.kind}' now behaves like fail2ban: remove it from tests/parity/pending.ts (${pending})`);
          }
          tally.pending++;
          console.log(`pending ${s.id} (${pending}): still differs\n${diff}`);
          return;
        }
        if (diff !== "") {
          tally.failed++;
          const replay = `PARITY_SEED=${SEED} PARITY_PER_KIND=${PER_KIND} (TZ ${TZ})`;
          throw new Error(`${s.id} differs from fail2ban; replay with ${replay}\nscenario: ${JSON.stringify(s)}\n${diff}`);
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
    console.log(
      `daemon parity (PARITY_SEED=${SEED}, TZ=${TZ}): ${tally.run} scenarios run, ${tally.equal} equal to fail2ban, ` +
        `${tally.deliberate} deliberate differences (f2b's documented behaviour), ${tally.pending} known divergences pending, ${tally.failed} failed`,
    );
  }
});
