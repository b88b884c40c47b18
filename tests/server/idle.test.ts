// An idle daemon does no periodic work it does not need (issue 10): the periodic position save
// writes only what changed. A real server (real files, SQLite, tailer) on a fake clock for its
// periodic tasks; the database's savePositions is counted.
import { afterEach, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { diskFS } from "../../src/config/fs.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { getLog } from "../../src/server/log.ts";
import { F2bServer } from "../../src/server/server.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { createSystemDeps } from "../../src/system/deps.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";

let root: TestRoot | null = null;
let server: F2bServer | null = null;
afterEach(async () => {
  await server?.stop();
  root?.cleanup();
  server = root = null;
});

test("positions are written when the file was read further, not every save period", async () => {
  root = makeRoot("");
  const fs = diskFS(root.conf);
  // On a whole minute, so the aligned periodic save is due exactly one period later.
  const clock = new FakeClock(Math.floor(Date.now() / 60_000) * 60);
  const system = createSystemDeps({ logger: getLog, clock });
  server = new F2bServer({ fs, conf: loadFail2banConf(fs), system, actions: new ActionFactory({ system }) });
  await server.start();
  const db = server.db;
  const writes: number[] = [];
  const save = db.savePositions.bind(db);
  db.savePositions = (jail, positions) => {
    writes.push(positions[0]?.pos ?? -1);
    save(jail, positions);
  };
  const jail = server.jails.get("testd")!.runtime;
  const period = 5; // SAVE_POSITIONS_SEC
  // The periodic task runs in a promise job after its timer fires.
  const advance = async (sec: number): Promise<void> => {
    clock.advance(sec);
    await new Promise((r) => setImmediate(r));
  };

  await advance(period);
  expect(writes).toEqual([0]); // the first save records the start position
  for (let i = 0; i < 5; i++) await advance(period);
  expect(writes).toEqual([0]); // nothing read since: nothing written

  root.fail("192.0.2.7", 2);
  const size = statSync(root.log).size;
  await until(() => jail.counters.linesRead >= 2, "the two lines read");
  await advance(period);
  expect(writes).toEqual([0, size]);
  expect(db.getPositions("testd").map((p) => p.pos)).toEqual([size]);
  await advance(period);
  expect(writes).toEqual([0, size]);
});
