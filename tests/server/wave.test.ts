// An attack wave through the real daemon path (file tailer → filter → jail → ban manager →
// nftables backend), only the `nft` process replaced by a recorder that can hold the firewall
// back: bans reach it in a few large transactions, a firewall that does not answer pauses the
// reading of the log (the file position waits), and once it answers no line has been lost.
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, existsSync, appendFileSync, statSync } from "node:fs";
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
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { settled } from "../helpers/wait.ts";

const ACTIONS = "/etc/fail2ban/action.d";
const haveActions = existsSync(join(ACTIONS, "nftables-multiport.conf"));
if (!haveActions) console.warn(`skipped: needs fail2ban's ${ACTIONS}/nftables-multiport.conf`);

/** Stands in for `nft`: records the elements each `nft -j -f -` adds; `hold` keeps it from answering. */
class NftRecorder implements CommandRunner {
  readonly added = new Set<string>();
  banTransactions = 0;
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
    if (adds.length) {
      this.banTransactions++;
      if (this.gate) await this.gate;
      for (const c of adds) {
        for (const e of c["add"]!.element!.elem) this.added.add(typeof e === "string" ? e : String((e as { elem: { val: string } }).elem.val));
      }
    }
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
  jail = null;
  db = null;
  root = null;
});

test.skipIf(!haveActions)(
  "an attack wave: few firewall transactions; a stalled firewall pauses the reader (file position waits); nothing lost",
  async () => {
    root = makeRoot("[testd]\nbanaction = nftables-multiport\nmaxretry = 2\n");
    for (const f of ["nftables-multiport.conf", "nftables.conf"]) copyFileSync(join(ACTIONS, f), join(root.conf, "action.d", f));
    const settings = F2bServer.loadSettings(diskFS(root.conf))[0]!;
    const nft = new NftRecorder();
    const system = createSystemDeps({ logger: getLog, runner: nft });
    const effector = new JailEffector("testd", new ActionFactory({ system, table: "f2bwave" }).build(settings), getLog("actions"));
    await effector.start();
    db = F2bDatabase.open(root.db);
    const clock = systemClock;
    const tz = TimeZone.fromEnv();
    const logs = { jail: getLog("jail"), filter: getLog("filter"), actions: getLog("actions") };
    const limits = { queuedFailures: 1000, banBacklog: 1000, linesInFilter: 1000 };
    const fdb = db;
    jail = new JailRuntime(settings, {
      clock,
      system,
      store: new SqliteBanStore(fdb),
      events: noEvents,
      effector,
      logs,
      tz,
      limits,
      lineBudgetMs: 100,
      makeSource: (onLines) => makeSource(settings, { db: fdb, tz, clock, onLines }),
    });
    await jail.start();
    const j = jail;

    // Long lines (a 600-byte user name): a 1 MiB read chunk holds ~1,700 of them, so the file is
    // several chunks long and a paused reader visibly stops inside it.
    const addresses = 4000;
    const total = addresses * 2;
    const ips = Array.from({ length: addresses }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const now = new Date();
    const p = (x: number): string => String(x).padStart(2, "0");
    const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
    const user = "u".repeat(600);
    nft.hold();
    try {
      appendFileSync(root.log, [...ips, ...ips].map((ip, i) => `${stamp} testd[${i}]: login failed for ${user} from ${ip}\n`).join(""));
      const size = statSync(root.log).size;
      // The firewall does not answer: bans pile up to the backlog limit, the queue fills, the reader waits.
      // (The reader pauses when the queue reaches its limit; below it, it still reads on.)
      await until(() => j.bans.backlog >= limits.banBacklog && j.queuedFailures >= limits.queuedFailures, "ban backlog and queue at their limits", 30_000);
      const readWhilePaused = await settled(() => j.counters.linesRead, "lines read");
      await Bun.sleep(500);
      expect(j.counters.linesRead).toBe(readWhilePaused);
      expect(readWhilePaused).toBeLessThan(total);
      const pos = (): number => {
        const st = j.sourceState();
        return st?.kind === "files" ? (st.positions[0]?.pos ?? -1) : -1;
      };
      expect(pos()).toBeLessThan(size);
      expect(pos()).toBeGreaterThan(0);
      nft.release();
      await until(() => j.failManager.getFailTotal() === total, `${total} failures counted`, 60_000);
      await j.idle();
      expect(pos()).toBe(size);
      expect(j.counters.linesRead).toBe(total);
      // the second half of the file (each address again) gives every address its 2nd failure
      expect(j.bans.size()).toBe(addresses);
      expect(nft.added.size).toBe(addresses);
      // one transaction per batch: far fewer than one per ban
      expect(nft.banTransactions).toBeLessThan(addresses / 20);
    } finally {
      nft.release();
    }
  },
  120_000,
);
