// Issue 11 in the running server: two jails, hostile lines streaming into one (the stock
// pam-generic filter: common.conf's prefix backtracks quadratically, ~20 s a line here; the
// exponential stock regexes such as grafana's run on the linear-time engine and cannot stall,
// see tests/filter-worker). The other jail bans and the control API answers while a hostile
// line is still being matched — shown by order of events, not by timing thresholds: the hostile
// jail's line budget (1 s) is far longer than a ban or a ping takes, and every observation is
// made before that jail has given up its first hostile line. Then: each hostile
// line is abandoned with a WARNING, decided on the linear-time engine, counted (status,
// /metrics), and the jail goes on.
import { afterEach, expect, test } from "bun:test";
import { discardLog } from "../../src/system/log.ts";
import { appendFileSync, copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serveApi, type ApiServer } from "../../src/api/serve.ts";
import { unixClient } from "../../src/cli/client.ts";
import { captureSink, setupLogging } from "../../src/server/log.ts";
import { HOSTILE, STOCK_ROOT } from "../filters/hostile-lines.ts";
import { makeRoot, until, type TestRoot } from "./helpers.ts";
import { ServerPool } from "./in-process.ts";

const pool = new ServerPool();
let root: TestRoot | null = null;
let served: ApiServer | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
  await pool.stopAll();
  root?.cleanup();
  root = null;
});
const sink = captureSink();
setupLogging({ target: "STDOUT", level: "INFO", sink, reopenOnSignal: false });

const haveStock = existsSync(join(STOCK_ROOT, "filter.d", "pam-generic.conf"));
if (!haveStock) console.warn("hostile server test skipped: fail2ban's pam-generic filter is not installed");
const pam = HOSTILE.find((c) => c.filter === "pam-generic")!;
const HOSTILE_LINES = 3;

test.skipIf(!haveStock)(
  "a jail stuck on hostile lines stalls neither the other jail nor the API; each line is abandoned loudly",
  async () => {
    root = makeRoot("");
    const glog = join(root.dir, "auth.log");
    writeFileSync(glog, "");
    for (const f of ["pam-generic.conf", "common.conf"]) copyFileSync(join(STOCK_ROOT, "filter.d", f), join(root.conf, "filter.d", f));
    root.writeJailLocal(`[pam]\nenabled = true\nfilter = pam-generic\nlogpath = ${glog}\nmaxretry = 1\nlinebudget = 1s\n`);
    const { server, ctl } = await pool.start(root.conf);
    // the control API on its socket, as `f2b server` serves it (src/server/main.ts)
    served = await serveApi({ controller: ctl, socketPath: root.socket, log: discardLog });
    const api = unixClient(root.socket);
    const g = () => ctl.jailStatus("pam").filter;
    const abandoned = () => ctl.metrics().find((m) => m.jail === "pam")!.linesAbandoned;

    // 60,000 "(": JavaScriptCore needs ~20 s for each of these lines
    const now = new Date();
    const stamp = `${now.toLocaleString("en-US", { month: "short" })} ${String(now.getDate()).padStart(2, " ")} ${now.toTimeString().slice(0, 8)}`;
    const dated = (line: string): string => line.replace(/^\w{3} +\d+ [\d:]{8}/u, stamp);
    appendFileSync(glog, Array.from({ length: HOSTILE_LINES }, () => dated(pam.line(60000))).join("\n") + `\n${dated(pam.failure.line)}\n`);
    const gjail = () => server.jails.get("pam")!.runtime;
    await until(() => gjail().counters.linesRead >= 1, "the pam jail read its hostile lines");

    // while the pam jail's worker chews on its first hostile line:
    const pingStart = performance.now();
    const reply = await api.call("GET", "/api/v1/ping");
    const pingMs = performance.now() - pingStart;
    expect(abandoned()).toBe(0);
    root.fail("10.11.0.1", 3);
    await until(() => ctl.jailStatus("testd").actions.currentlyBanned === 1, "the other jail's ban");
    const banAbandoned = abandoned();
    const lat = ctl.banLatency().find((l) => l.jail === "testd")!;
    console.log(
      `while pam was stuck: ping ${pingMs.toFixed(1)} ms (${JSON.stringify(reply)}); testd ban latency ${((lat.sum / lat.count) * 1000).toFixed(1)} ms (read to firewall) with ${banAbandoned} of ${HOSTILE_LINES} hostile lines abandoned`,
    );
    expect(reply).toEqual({ reply: "pong" });
    expect(banAbandoned).toBe(0);

    // the pam jail gives up each hostile line and still finds the real failure after them
    await until(() => ctl.jailStatus("pam").actions.currentlyBanned === 1, "pam's real failure banned", 60_000);
    expect(ctl.jailStatus("pam").actions.bannedIPs).toEqual([pam.failure.ip]);
    expect(abandoned()).toBe(HOSTILE_LINES);
    expect(g().linesAbandoned).toBe(HOSTILE_LINES);
    const warnings = sink.lines.filter((l) => l.includes("WARNING") && l.includes("[pam] Line abandoned"));
    expect(warnings.length).toBe(HOSTILE_LINES);
    expect(warnings[0]).toContain("Line abandoned after 1000 ms (linebudget) in prefregex: ^(?:\\[\\])?\\s*(?:<[^.]+");
    // and then decided anyway on the linear-time engine (these lines are not failures)
    expect(warnings.every((w) => w.includes("— decided on the linear-time engine: no failure;"))).toBe(true);
    expect(warnings[0]).toContain(`source ${glog}, line ending at byte `);
    const metrics = await api.text("/metrics");
    expect(metrics).toContain(`f2b_filter_lines_abandoned_total{jail="pam"} ${HOSTILE_LINES}`);
    expect(metrics).toContain('f2b_filter_lines_abandoned_total{jail="testd"} 0');
    // the order in the log: the other jail's ban came before the first abandoned line
    const banAt = sink.lines.findIndex((l) => l.includes("[testd] Ban 10.11.0.1"));
    const firstAbandonAt = sink.lines.findIndex((l) => l.includes("[pam] Line abandoned"));
    expect(banAt).toBeGreaterThanOrEqual(0);
    expect(banAt).toBeLessThan(firstAbandonAt);
  },
  120_000,
);
