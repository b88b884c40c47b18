// A journal jail's health on real journal files (systemd-journal-remote writes them, the real
// journalctl follows them): the match and the last entry's own time; an unreadable journal is a
// problem with journalctl's reason, and `f2b_source_healthy` turns 0 for it.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { renderMetrics } from "../../src/api/metrics.ts";
import { captureSink, setupLogging } from "../../src/server/log.ts";
import { until } from "../server/helpers.ts";
import { ServerPool } from "../server/in-process.ts";
import { appendJournal, journalToolsMissing } from "./journal-files.ts";
import { jfail, journalRoot, type JournalRoot } from "./server-root.ts";

const missing = journalToolsMissing();
if (missing) console.warn(`journal health test skipped: ${missing}`);
setupLogging({ target: "STDOUT", level: "INFO", sink: captureSink(), reopenOnSignal: false });
const pool = new ServerPool();
const roots: JournalRoot[] = [];
afterAll(async () => {
  await pool.stopAll();
  for (const r of roots) r.cleanup();
});

test.skipIf(!!missing)("the journal match and the last entry's time; an unreadable journal names journalctl's reason", async () => {
  const root = journalRoot(
    (r) =>
      `[jtest]\nenabled = true\nfilter = jtest\nbackend = systemd[journalfiles=${r.jdir}/a.journal]\n\n` +
      `[gone]\nenabled = true\nfilter = jtest\nbackend = systemd[journalpath=${r.dir}/no-such-dir]\n`,
  );
  roots.push(root);
  const at = Math.floor(Date.now() / 1000) - 30;
  appendJournal(join(root.jdir, "a.journal"), [jfail("10.6.1.1", at - 10), jfail("10.6.1.1", at)]);
  const { ctl } = await pool.start(root.conf);
  await until(() => ctl.jailStatus("jtest").filter.totalFailed === 2, "both entries read");
  const h = ctl.jailHealth("jtest");
  expect(h).toMatchObject({ ok: true, problems: [], source: { kind: "journal", journalMatch: "SYSLOG_IDENTIFIER=jtest", files: [] } });
  // The entry's own time (journal timestamps are microseconds), not when it was read.
  expect(Math.abs(h.source.lastLineAt! - at)).toBeLessThan(1);
  expect(h.source.lastLineAgeSec).toBeGreaterThanOrEqual(29);

  await until(() => !ctl.jailHealth("gone").ok, "the missing journal directory reported");
  const gone = ctl.jailHealth("gone");
  expect(gone.source.kind).toBe("journal");
  expect(gone.problems.join("\n")).toMatch(/^journal: .*no-such-dir: No such file or directory/mu);
  const metrics = renderMetrics(
    ctl.metrics(),
    "t",
    undefined,
    ["gone", "jtest"].map((jail) => ({ jail, health: ctl.jailHealth(jail) })),
  );
  expect(metrics).toContain('f2b_source_healthy{jail="gone"} 0\n');
  expect(metrics).toContain('f2b_source_healthy{jail="jtest"} 1\n');
});
