// Journal history, f2b against the real fail2ban-server (python-systemd reader) on the same journal
// files: at start both read back over findtime (older entries ignored, younger ones counted with
// their own time), entries of another boot than the newest are seen, old-dated entries appended
// while running count as now, and a restart resumes where the last run stopped. Generated ages,
// maxretry and findtime (F2B_SEED to replay).
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { captureSink, setupLogging } from "../../src/server/log.ts";
import { Fail2banServer, fail2banConf, fail2banJournalMissing, fail2banMissing } from "../helpers/fail2ban-server.ts";
import { until } from "../helpers/wait.ts";
import { ServerPool, type Running } from "../server/in-process.ts";
import { appendJournal, journalToolsMissing, type ExportEntry } from "./journal-files.ts";
import { jfail, journalRoot, type JournalRoot } from "./server-root.ts";
import { rng } from "../helpers/rng.ts";

const missing = journalToolsMissing() ?? fail2banMissing() ?? fail2banJournalMissing();
if (missing) console.warn(`journal history parity tests skipped: ${missing}`);

const SEED = Number(process.env["F2B_SEED"] ?? 20261208);
const SCENARIOS = Number(process.env["F2B_HISTORY_SCENARIOS"] ?? 3);
const OTHER_BOOT = "0b0e5c2d9f1a4b7c8d6e5f4a3b2c1d0e";

const sink = captureSink();
setupLogging({ target: "STDOUT", level: "INFO", sink, reopenOnSignal: false });
const pool = new ServerPool();
const roots: JournalRoot[] = [];
afterAll(async () => {
  await pool.stopAll();
  for (const r of roots) r.cleanup();
});

interface Failure {
  age: number;
  ip: string;
  otherBoot: boolean;
}

/** Ages young, near findtime on either side (with a margin for start-up), or far past it. */
/** One scenario's random findtime and maxretry, its journal jail and file, and fail2ban's copy of the config. */
function scenario(seed: number) {
  const rand = rng(seed);
  const findtime = 120 + rand(600);
  const maxretry = 2 + rand(4);
  const root = journalRoot(
    (r) =>
      `[jtest]\nenabled = true\nfilter = jtest\nfindtime = ${findtime}\nmaxretry = ${maxretry}\nbantime = 2h\nbackend = systemd[journalfiles=${r.jdir}/a.journal]\n`,
  );
  roots.push(root);
  const file = join(root.jdir, "a.journal");
  const oracleConf = fail2banConf(join(root.dir, "fail2ban"), { from: root.conf });
  return { rand, findtime, maxretry, root, file, oracleConf };
}

function genFailures(rand: (n: number) => number, findtime: number, maxretry: number, net: string, maxAge = Infinity): Failure[] {
  const out: Failure[] = [];
  const n = 3 + rand(4);
  for (let i = 0; i < n; i++) {
    const k = 1 + rand(maxretry + 1);
    for (let j = 0; j < k; j++) {
      const kind = rand(10);
      const age = kind < 3 ? rand(findtime - 30) + 15 : kind < 5 ? findtime - 12 - rand(30) : kind < 8 ? findtime + 3 + rand(40) : findtime * (2 + rand(3));
      out.push({ age: Math.min(age, maxAge), ip: `${net}.${i + 1}`, otherBoot: rand(3) === 0 });
    }
  }
  return out.sort((a, b) => b.age - a.age);
}

/** Appends the failures and then a sentinel failure (dated `sentinelAge` seconds ago) to wait for. */
function write(file: string, fails: Failure[], sentinel: string, sentinelAge = 0): void {
  const now = Date.now() / 1000;
  const entries: ExportEntry[] = fails.map((f) => ({ ...jfail(f.ip, now - f.age), ...(f.otherBoot ? { _BOOT_ID: OTHER_BOOT } : {}) }));
  appendJournal(file, [...entries, jfail(sentinel, now - sentinelAge)]);
}

function expectedBans(fails: Failure[], findtime: number, maxretry: number, live: boolean): string[] {
  const n = new Map<string, number>();
  for (const f of fails) if (live || f.age < findtime) n.set(f.ip, (n.get(f.ip) ?? 0) + 1);
  return [...n]
    .filter(([, c]) => c >= maxretry)
    .map(([ip]) => ip)
    .sort();
}

interface Observed {
  banned: string[];
  currentlyFailed: number;
  totalFailed: number;
  totalBanned: number;
}

function fromF2b(r: Running): Observed {
  const st = r.ctl.jailStatus("jtest");
  return {
    banned: [...st.actions.bannedIPs].sort(),
    currentlyFailed: st.filter.currentlyFailed,
    totalFailed: st.filter.totalFailed,
    totalBanned: st.actions.totalBanned,
  };
}

async function fromFail2ban(s: Fail2banServer): Promise<Observed> {
  const st = await s.status("jtest");
  return { banned: st.bannedIPs, currentlyFailed: st.currentlyFailed, totalFailed: st.totalFailed, totalBanned: st.totalBanned };
}

async function settle(f2b: Running, f2ban: Fail2banServer, sentinel: string, bans: number, mark: number): Promise<void> {
  const found = new RegExp(`\\[jtest\\] Found ${sentinel.replace(/\./g, "\\.")} - `, "u");
  await until(() => sink.lines.slice(mark).some((l) => found.test(l)), `f2b reads up to ${sentinel}`, 30_000);
  await f2b.server.jails.get("jtest")?.runtime.idle();
  await f2ban.waitForLog(found, `reads up to ${sentinel}`);
  await until(async () => (await fromFail2ban(f2ban)).totalBanned >= bans, `fail2ban bans ${bans}`, 10_000, 200).catch(() => {});
  await Bun.sleep(1200);
}

for (let k = 0; k < SCENARIOS; k++) {
  const seed = SEED + k;
  test.skipIf(!!missing)(
    `journal history around findtime, two boots, same decisions as fail2ban-server (seed ${seed})`,
    async () => {
      const { rand, findtime, maxretry, root, file, oracleConf } = scenario(seed);
      const what = `seed ${seed} (F2B_SEED=${seed} F2B_HISTORY_SCENARIOS=1 to replay): findtime ${findtime}, maxretry ${maxretry}`;
      const compare = (phase: string, a: Observed, b: Observed, model: string[]): void => {
        expect({ phase, ...a }, `${what}, ${phase}: f2b vs fail2ban`).toEqual({ phase, ...b });
        expect(a.banned, `${what}, ${phase}: f2b vs the model`).toEqual(model);
      };

      // 1. entries in the journal before the start
      const first = genFailures(rand, findtime, maxretry, `10.${k}.1`);
      write(file, first, "192.0.2.201");
      let mark = sink.lines.length;
      const [f2b, f2ban] = await Promise.all([pool.start(root.conf), Fail2banServer.start(oracleConf)]);
      let model = expectedBans(first, findtime, maxretry, false);
      await settle(f2b, f2ban, "192.0.2.201", model.length, mark);
      compare("start", fromF2b(f2b), await fromFail2ban(f2ban), model);

      // 2. old-dated entries (and another boot's) appended while running: counted as now
      const live = genFailures(rand, findtime, maxretry, `10.${k}.2`);
      mark = sink.lines.length;
      write(file, live, "192.0.2.202");
      model = [...model, ...expectedBans(live, findtime, maxretry, true)].sort();
      await settle(f2b, f2ban, "192.0.2.202", model.length, mark);
      compare("live", fromF2b(f2b), await fromFail2ban(f2ban), model);
      await Promise.all([pool.stop(f2b.server), f2ban.stop()]);
    },
    180_000,
  );
}

/**
 * A restart after a stop longer than findtime. The journal stays in time order (fail2ban resumes
 * by time, f2b by cursor: the same entries only when later entries are newer): the last entry
 * read before the stop is old, those written during the stop straddle findtime.
 */
for (let k = 0; k < SCENARIOS; k++) {
  const seed = SEED + 100 + k;
  test.skipIf(!!missing)(
    `journal entries written during a long stop, same decisions as fail2ban-server (seed ${seed})`,
    async () => {
      const { rand, findtime, maxretry, root, file, oracleConf } = scenario(seed);
      const what = `seed ${seed} (F2B_SEED=${seed - 100} F2B_HISTORY_SCENARIOS=1 to replay): findtime ${findtime}, maxretry ${maxretry}`;
      const stopAge = findtime + 300;
      // an entry of the jail's journal match that is no failure: fail2ban's reader starts on it
      appendJournal(file, [{ ...jfail("192.0.2.200"), MESSAGE: "session opened for admin" }]);
      let mark = sink.lines.length;
      let [f2b, f2ban] = await Promise.all([pool.start(root.conf), Fail2banServer.start(oracleConf)]);
      const operating = /\[jtest\] Jail is in operation now/u;
      await until(() => sink.lines.slice(mark).some((l) => operating.test(l)), "f2b in operation", 30_000);
      await f2ban.waitForLog(operating, "in operation");
      // read live (as now); both keep its position (fail2ban: its time)
      mark = sink.lines.length;
      write(file, [], "192.0.2.201", stopAge);
      await settle(f2b, f2ban, "192.0.2.201", 0, mark);
      await Promise.all([pool.stop(f2b.server), f2ban.stop()]);

      const stopped = genFailures(rand, findtime, maxretry, `10.${k}.3`, stopAge - 60);
      write(file, stopped, "192.0.2.203");
      mark = sink.lines.length;
      [f2b, f2ban] = await Promise.all([pool.start(root.conf), Fail2banServer.start(oracleConf)]);
      const model = expectedBans(stopped, findtime, maxretry, false);
      await settle(f2b, f2ban, "192.0.2.203", model.length, mark);
      const a = fromF2b(f2b);
      expect(a, `${what}: f2b vs fail2ban`).toEqual(await fromFail2ban(f2ban));
      expect(a.banned, `${what}: f2b vs the model`).toEqual(model);
      await Promise.all([pool.stop(f2b.server), f2ban.stop()]);
    },
    180_000,
  );
}
