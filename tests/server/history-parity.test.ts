// Stale history, f2b against the real fail2ban-server on the same log file: failures already in
// the log at start (or written while stopped, read from the saved position) count only when
// younger than findtime; old-dated lines appended while running count as now (fail2ban's
// "treating such entries as if they just happened"). Generated scenarios: ages around findtime,
// maxretry, findtime, address counts and log padding come from a seed (F2B_SEED to replay).
import { afterAll, expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { captureSink, setupLogging } from "../../src/server/log.ts";
import { Fail2banServer, fail2banConf, oracles } from "../helpers/fail2ban-server.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { ServerPool, type Running } from "./in-process.ts";
import { rng } from "../helpers/rng.ts";

/** oracles(): a missing 1.0.2 is a skip with its reason, or a failure where CI requires it. */
const missing = oracles("history parity tests", ["1.0.2"]).length === 0 ? "fail2ban 1.0.2 is missing" : null;

const SEED = Number(process.env["F2B_SEED"] ?? 20261207);
const SCENARIOS = Number(process.env["F2B_HISTORY_SCENARIOS"] ?? 4);

const sink = captureSink();
setupLogging({ target: "STDOUT", level: "INFO", sink, reopenOnSignal: false });
const pool = new ServerPool();
const roots: TestRoot[] = [];
afterAll(async () => {
  await pool.stopAll();
  for (const r of roots) r.cleanup();
});

const p2 = (x: number): string => String(x).padStart(2, "0");
function stamp(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}
const failLine = (sec: number, ip: string): string => `${stamp(sec)} testd[${1000 + (Math.round(sec) % 9000)}]: login failed for root from ${ip}\n`;

interface Failure {
  age: number;
  ip: string;
}

/**
 * Ages: young (well inside findtime), near the edge on either side (the edge itself is avoided by
 * a margin larger than the servers' start-up time), far past it, and a few in the future.
 */
function genFailures(rand: (n: number) => number, findtime: number, maxretry: number, net: string, live: boolean): Failure[] {
  const out: Failure[] = [];
  const n = 3 + rand(4);
  for (let i = 0; i < n; i++) {
    const ip = `${net}.${i + 1}`;
    const k = 1 + rand(maxretry + 1);
    for (let j = 0; j < k; j++) {
      const kind = rand(10);
      const age =
        kind < 3
          ? rand(findtime - 30) + 15
          : kind < 5
            ? findtime - 12 - rand(30)
            : kind < 8
              ? findtime + 3 + rand(40)
              : kind < 9
                ? findtime * (2 + rand(3))
                : live
                  ? findtime * 3
                  : -(5 + rand(200));
      out.push({ age, ip });
    }
  }
  // a log is written in time order
  return out.sort((a, b) => b.age - a.age);
}

function writeFailures(log: string, fails: Failure[], padding: number, sentinel: string): void {
  const now = Date.now() / 1000;
  let text = "";
  // noise far in the past first, so that large logs make both servers seek (bisect) at start
  for (let i = 0; i < padding; i++) text += `${stamp(now - 86400 + i)} testd[7]: session opened for user root by (uid=0) padding padding\n`;
  for (const f of fails) text += failLine(now - f.age, f.ip);
  text += failLine(now, sentinel);
  appendFileSync(log, text);
}

interface Observed {
  banned: string[];
  currentlyFailed: number;
  totalFailed: number;
  totalBanned: number;
}

function fromF2b(r: Running): Observed {
  const st = r.ctl.jailStatus("testd");
  return {
    banned: [...st.actions.bannedIPs].sort(),
    currentlyFailed: st.filter.currentlyFailed,
    totalFailed: st.filter.totalFailed,
    totalBanned: st.actions.totalBanned,
  };
}

async function fromFail2ban(s: Fail2banServer): Promise<Observed> {
  const st = await s.status("testd");
  return { banned: st.bannedIPs, currentlyFailed: st.currentlyFailed, totalFailed: st.totalFailed, totalBanned: st.totalBanned };
}

/** Addresses with at least maxretry failures that count (young history lines; every live line). */
function expectedBans(fails: Failure[], findtime: number, maxretry: number, live: boolean): string[] {
  const n = new Map<string, number>();
  for (const f of fails) if (live || f.age < findtime) n.set(f.ip, (n.get(f.ip) ?? 0) + 1);
  return [...n]
    .filter(([, c]) => c >= maxretry)
    .map(([ip]) => ip)
    .sort();
}

const escapeDots = (s: string): string => s.replace(/\./g, "\\.");

async function settle(f2b: Running, f2ban: Fail2banServer, sentinel: string, bans: number, mark: number): Promise<void> {
  const found = new RegExp(`\\[testd\\] Found ${escapeDots(sentinel)} - `, "u");
  await until(() => sink.lines.slice(mark).some((l) => found.test(l)), `f2b reads up to ${sentinel}`, 30_000);
  await f2b.server.jails.get("testd")?.runtime.idle();
  await f2ban.waitForLog(found, `reads up to ${sentinel}`);
  // fail2ban bans in its actions thread: wait for the expected number, then a moment for any extra
  await until(async () => (await fromFail2ban(f2ban)).totalBanned >= bans, `fail2ban bans ${bans}`, 10_000, 200).catch(() => {});
  await Bun.sleep(1200);
}

for (let k = 0; k < SCENARIOS; k++) {
  const seed = SEED + k;
  test.skipIf(!!missing)(
    `history around findtime, same decisions as fail2ban-server (seed ${seed})`,
    async () => {
      const rand = rng(seed);
      const findtime = 120 + rand(600);
      const maxretry = 2 + rand(4);
      const padding = rand(2) === 0 ? 0 : 1500 + rand(1500);
      const root = makeRoot(`[testd]\nfindtime = ${findtime}\nmaxretry = ${maxretry}\nbantime = 2h\n`);
      roots.push(root);
      const oracleConf = fail2banConf(join(root.dir, "fail2ban"), { from: root.conf });
      const what = `seed ${seed} (F2B_SEED=${seed} F2B_HISTORY_SCENARIOS=1 to replay): findtime ${findtime}, maxretry ${maxretry}, padding ${padding}`;
      const compare = (phase: string, a: Observed, b: Observed, model: string[]): void => {
        expect({ phase, ...a }, `${what}, ${phase}: f2b vs fail2ban`).toEqual({ phase, ...b });
        expect(b.banned, `${what}, ${phase}: fail2ban vs the model`).toEqual(expect.arrayContaining(model));
      };

      // 1. history at the first start (read from the start of the file)
      const first = genFailures(rand, findtime, maxretry, `10.${k}.1`, false);
      writeFailures(root.log, first, padding, "192.0.2.201");
      let mark = sink.lines.length;
      let [f2b, f2ban] = await Promise.all([pool.start(root.conf), Fail2banServer.start(oracleConf)]);
      let model = expectedBans(first, findtime, maxretry, false);
      await settle(f2b, f2ban, "192.0.2.201", model.length, mark);
      compare("start", fromF2b(f2b), await fromFail2ban(f2ban), model);
      expect(fromF2b(f2b).banned, `${what}: start, f2b vs the model`).toEqual(model);

      // 2. old-dated lines appended while running: counted as now by both
      const live = genFailures(rand, findtime, maxretry, `10.${k}.2`, true);
      mark = sink.lines.length;
      writeFailures(root.log, live, 0, "192.0.2.202");
      const liveModel = expectedBans(live, findtime, maxretry, true);
      model = [...model, ...liveModel].sort();
      await settle(f2b, f2ban, "192.0.2.202", model.length, mark);
      compare("live", fromF2b(f2b), await fromFail2ban(f2ban), model);

      // 3. written while both are stopped: read from the saved position as history
      await Promise.all([pool.stop(f2b.server), f2ban.stop()]);
      const stopped = genFailures(rand, findtime, maxretry, `10.${k}.3`, false);
      writeFailures(root.log, stopped, 0, "192.0.2.203");
      mark = sink.lines.length;
      [f2b, f2ban] = await Promise.all([pool.start(root.conf), Fail2banServer.start(oracleConf)]);
      model = [...model, ...expectedBans(stopped, findtime, maxretry, false)].sort();
      await settle(f2b, f2ban, "192.0.2.203", model.length, mark);
      compare("restart", fromF2b(f2b), await fromFail2ban(f2ban), model);
      await Promise.all([pool.stop(f2b.server), f2ban.stop()]);
    },
    180_000,
  );
}
