// Backpressure through the real daemon path on the journal (journalctl → journal source → filter
// → jail → ban manager → nftables backend, only `nft` replaced by a recorder that can hold the
// firewall back): a firewall that does not answer pauses the journal reader (journalctl blocks on
// its pipe, the saved cursor waits), and once it answers every entry has been counted.
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CommandRunner } from "../../src/system/command.ts";
import { createSystemDeps } from "../../src/system/deps.ts";
import { diskFS } from "../../src/config/fs.ts";
import { SqliteBanStore } from "../../src/db/ban-store.ts";
import { noEvents } from "../../src/db/event-log.ts";
import { F2bDatabase } from "../../src/db/database.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { systemClock } from "../../src/system/clock.ts";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { JailEffector } from "../../src/server/jail-actions.ts";
import { JailRuntime } from "../../src/server/jail-runtime.ts";
import { getLog } from "../../src/server/log.ts";
import { F2bServer } from "../../src/server/server.ts";
import { makeSource } from "../../src/server/sources.ts";
import { makeRoot, until, type TestRoot } from "../server/helpers.ts";
import { settled } from "../helpers/wait.ts";
import { appendJournal, entry, journalToolsMissing } from "./journal-files.ts";

const ACTIONS = "/etc/fail2ban/action.d";
const missing = existsSync(join(ACTIONS, "nftables-multiport.conf")) ? journalToolsMissing() : `needs fail2ban's ${ACTIONS}/nftables-multiport.conf`;
if (missing) console.warn(`journal backpressure test skipped: ${missing}`);

/** Stands in for `nft`: counts the elements added; `hold` keeps it from answering. */
class NftRecorder implements CommandRunner {
  readonly added = new Set<string>();
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  hold(): void {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  release(): void {
    this.gate = null;
    this.open?.();
  }
  async run(argv: string[], opts?: { input?: string }) {
    if (argv.includes("list")) return { code: 1, stdout: "", stderr: "Error: No such file or directory" };
    const cmds = (JSON.parse(opts?.input ?? "{}") as { nftables?: Array<Record<string, { element?: { name: string; elem: unknown[] } }>> }).nftables ?? [];
    const adds = cmds.filter((c) => c["add"]?.element?.name.startsWith("addr-"));
    if (adds.length && this.gate) await this.gate;
    for (const c of adds) for (const e of c["add"]!.element!.elem) this.added.add(JSON.stringify(e));
    return { code: 0, stdout: "", stderr: "" };
  }
}

let root: TestRoot | null = null;
let jail: JailRuntime | null = null;
let db: F2bDatabase | null = null;
afterEach(async () => {
  await jail?.stop();
  db?.close();
  root?.cleanup();
  jail = db = root = null;
});

test.skipIf(!!missing)(
  "a stalled firewall pauses the journal reader (cursor waits); nothing lost after",
  async () => {
    root = makeRoot("");
    mkdirSync(join(root.dir, "j"));
    const file = join(root.dir, "j", "wave.journal");
    root.writeJailLocal(`[testd]\nbackend = systemd[journalfiles=${file}]\nbanaction = nftables-multiport\nmaxretry = 2\n`);
    for (const f of ["nftables-multiport.conf", "nftables.conf"]) copyFileSync(join(ACTIONS, f), join(root.conf, "action.d", f));
    // the file exists (one old entry) before the jail starts, the wave is appended after
    appendJournal(file, [entry(Date.now() / 1000 - 7200, "journal opened", { _HOSTNAME: [] })]);
    const settings = F2bServer.loadSettings(diskFS(root.conf))[0]!;
    const nft = new NftRecorder();
    const system = createSystemDeps({ logger: getLog, runner: nft });
    const effector = new JailEffector("testd", new ActionFactory({ system, table: "f2bjwave" }).build(settings), getLog("actions"));
    await effector.start();
    db = F2bDatabase.open(root.db);
    const tz = TimeZone.fromEnv();
    const limits = { queuedFailures: 500, banBacklog: 500, linesInFilter: 500 };
    const fdb = db;
    jail = new JailRuntime(settings, {
      clock: systemClock,
      system,
      store: new SqliteBanStore(fdb),
      events: noEvents,
      effector,
      tz,
      limits,
      lineBudgetMs: 100,
      logs: { jail: getLog("jail"), filter: getLog("filter"), actions: getLog("actions") },
      makeSource: (onLines) => makeSource(settings, { db: fdb, tz, clock: systemClock, onLines }),
    });
    await jail.start();
    const j = jail;
    const cursor = (): string | null => {
      const st = j.sourceState();
      return st?.kind === "journal" ? st.cursor : null;
    };

    // Long user names: journalctl's pipe holds few entries, so a paused reader stops well inside the wave.
    const addresses = 2000;
    const total = addresses * 2;
    const user = "u".repeat(600);
    const now = Date.now() / 1000;
    const wave = Array.from({ length: total }, (_, i) => {
      const n = i % addresses;
      return entry(now + i / 1e6, `login failed for ${user} from 10.9.${n >> 8}.${n & 255}`, {
        _HOSTNAME: [],
        SYSLOG_IDENTIFIER: "testd",
        _PID: String(i + 1),
      });
    });
    nft.hold();
    try {
      appendJournal(file, wave);
      // the worker stops at the ban backlog limit, the queue then fills to its limit: the reader pauses
      await until(() => j.bans.backlog >= limits.banBacklog && j.queuedFailures >= limits.queuedFailures, "ban backlog and queue at their limits", 30_000);
      const readWhilePaused = await settled(() => j.counters.linesRead, "lines read");
      const cursorWhilePaused = cursor();
      await Bun.sleep(500);
      expect(j.counters.linesRead).toBe(readWhilePaused);
      expect(readWhilePaused).toBeLessThan(total);
      expect(cursor()).toBe(cursorWhilePaused);
      nft.release();
      await until(() => j.failManager.getFailTotal() === total, `${total} failures counted`, 60_000);
      await j.idle();
      expect(j.counters.linesRead).toBe(total);
      expect(j.bans.size()).toBe(addresses);
      expect(nft.added.size).toBe(addresses);
      expect(cursor()).not.toBe(cursorWhilePaused);
    } finally {
      nft.release();
    }
  },
  120_000,
);
