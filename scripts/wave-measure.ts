// Rough attack-wave measurement of the daemon path in one process (not the side-by-side bench):
// an N-line realistic auth.log (scripts/gen-authlog.ts) appended at once to a jail with the stock
// sshd filter, maxretry 5. Prints lines/s until every line is read and every failure handled,
// the bans, and peak RSS. With BANACTION=nftables-multiport run it inside a network namespace:
//   ip netns add w && ip netns exec w bun scripts/wave-measure.ts 100000 nftables-multiport
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFail2banConf } from "../src/config/fail2ban-conf.ts";
import { diskFS } from "../src/config/fs.ts";
import { createSystemDeps } from "../src/system/deps.ts";
import { getLog } from "../src/server/log.ts";
import { ActionFactory } from "../src/server/build-actions.ts";
import { F2bServer } from "../src/server/server.ts";

const lines = Number(process.argv[2] ?? 100_000);
const banaction = process.argv[3] ?? "dummy";
const dir = mkdtempSync(join(tmpdir(), "f2b-wave-"));
const conf = join(dir, "conf");
mkdirSync(join(conf, "filter.d"), { recursive: true });
mkdirSync(join(conf, "action.d"), { recursive: true });
for (const f of ["sshd.conf", "common.conf"]) copyFileSync(`/etc/fail2ban/filter.d/${f}`, join(conf, "filter.d", f));
writeFileSync(join(conf, "action.d", "dummy.conf"), "[Definition]\n");
for (const f of ["nftables-multiport.conf", "nftables.conf"]) copyFileSync(`/etc/fail2ban/action.d/${f}`, join(conf, "action.d", f));
const log = join(dir, "auth.log");
writeFileSync(log, "");
writeFileSync(
  join(conf, "fail2ban.conf"),
  `[Definition]\nloglevel = ${process.env["LOGLEVEL"] ?? "WARNING"}\nlogtarget = ${join(dir, "f2b.log")}\nsocket = ${join(dir, "f2b.sock")}\npidfile = ${join(dir, "f2b.pid")}\ndbfile = ${join(dir, "f2b.sqlite3")}\ndbpurgeage = 1d\n`,
);
writeFileSync(
  join(conf, "jail.conf"),
  `[DEFAULT]\nbantime = 1h\nfindtime = 1d\nmaxretry = 5\nbackend = polling\nusedns = no\nignoreself = false\nbanaction = ${banaction}\naction = %(banaction)s\n\n[sshd]\nenabled = true\nfilter = sshd\nport = ssh\nlogpath = ${log}\n`,
);
const gen = join(dir, "gen.log");
const start = Math.floor(Date.now() / 1000) - 3600;
Bun.spawnSync([process.execPath, join(import.meta.dir, "gen-authlog.ts"), gen, String(lines), String(start)]);
// syslog stamps carry no year; keep them within findtime of now
const text = readFileSync(gen, "utf8");

const fs = diskFS(conf);
const system = createSystemDeps({ logger: getLog });
const server = new F2bServer({ fs, conf: loadFail2banConf(fs), system, actions: new ActionFactory({ system }) });
await server.start();
const jail = server.jails.get("sshd")!.runtime;
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 250);
const rss0 = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
appendFileSync(log, text);
let readAt = 0;
for (;;) {
  await Bun.sleep(20);
  if (!readAt && jail.counters.linesRead >= lines) readAt = performance.now();
  if (readAt) {
    await jail.idle();
    break;
  }
}
const t1 = performance.now();
if (process.env["HEAP"]) {
  const { heapStats } = await import("bun:jsc");
  Bun.gc(true);
  const h = heapStats();
  const top = Object.entries(h.objectTypeCounts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12);
  console.log(
    JSON.stringify({
      heapMiB: Math.round(h.heapSize / 2 ** 20),
      extraMiB: Math.round(h.extraMemorySize / 2 ** 20),
      rssAfterGcMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      top,
    }),
  );
}
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const secs = (t1 - t0) / 1000;
console.log(
  JSON.stringify({
    lines,
    banaction,
    seconds: +secs.toFixed(2),
    linesPerSec: Math.round(lines / secs),
    readSeconds: +((readAt - t0) / 1000).toFixed(2),
    cpuSec: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    failures: jail.failManager.getFailTotal(),
    bans: jail.bans.totalBanned(),
    rssStartMiB: Math.round(rss0 / 2 ** 20),
    rssPeakMiB: Math.round(peak / 2 ** 20),
  }),
);
await server.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
