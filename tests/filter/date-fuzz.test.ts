// Randomized differential test: lines assembled from date-like fragments (mixed case, unicode
// neighbours, zones, near-misses, several dates per line) through fail2ban's DateDetector and
// ours, sequentially (template reordering and last-position caching in play) and one by one.
// The oracle is fail2ban 1.1.1, whose default templates f2b follows (1.0.2 lacks 20050123-21:59:59).
import { describe, expect, test } from "bun:test";
import { DateDetector, TimeZone } from "../../src/filter/date/detector.ts";
import { oracles, PYTHON as PY } from "../helpers/fail2ban-server.ts";

const FRAGMENTS = [
  "Aug 14 12:00:00",
  "aug 14 12:00:00",
  "AUG 14 12:0:5",
  "Sun Aug 14 12:00:00",
  "Aug  4 09:05:01",
  "Dec 31 23:59:59",
  "Jan  1 00:00:01",
  "Feb 29 12:00:00",
  "Aug 14 12:00:00.123",
  "Aug 14 12:00:00 2005",
  "Aug 14 2005 12:00:00",
  "Aug 14, 2005 1:02:03 PM",
  "2005-08-14 12:00:00",
  "2005-08-14T12:00:00Z",
  "2005-08-14T12:00:00+02:00",
  "2005/08/14 12:00:00,5",
  "2005.08.14  9:00:00",
  "2005-03-27 02:30:00",
  "2005-10-30 01:30:00",
  "20050814T120000",
  "20050814 120000+0100",
  "050814 12:00:00",
  "20050814-12:00:00",
  "20050814T12:00:00",
  "[14/Aug/2005:12:00:00 +0200]",
  "14-Aug-2005 12:00:00.252",
  "14/08/05 12:00:00",
  "08/14/2005:12:00:00",
  "08-14-2005 12:00:00",
  "<08/14/05@12:00:00>",
  "Aug-14-05 12:00:00",
  "PDT Aug 14 03:00:00",
  "cest Aug 14 12:00:00",
  "+01:00 Aug 14 12:00:00",
  "1124013600",
  "1124013600.123",
  "[1124013600]",
  "audit(1124013600.123:45)",
  "@4000000042ff16202ef02e94",
  "12:00:00",
  "23:59:59",
  "host",
  "sshd[123]:",
  "Failed password for root from 1.2.3.4",
  "é",
  "ß",
  "中",
  "_",
  "-",
  "[",
  "]",
  "(",
  ")",
  ":",
  "\t",
  "  ",
  "x",
  "0",
  "99",
  "2005-08-14",
  "12:00",
  "Aug 14",
  "@40000000",
  "\0",
  "\uFFFD",
  "Ω12:00:00",
  "error",
  "ERROR",
  "UTC",
  "Z",
  "+0200",
  "2005",
  "\x1c",
  "\x85",
  "\uFEFF",
  "\u00A0",
  "2005-08-14 12:00:00\x85+0200",
  "2005-08-14 12:00:00\uFEFF+0200",
  "\u0663",
  "٢٠٠٥",
  "ſep 14 12:00:00",
  "\u212Aul",
  "İ",
  "ı",
  "Aug 14 12:00:00\u2028",
  "\u00e9Aug 14 12:00:00",
  "\ud835\udfce\ud835\udfcf",
  "１２:００:００",
  "Aug １4 12:00:00",
];

function lines(seed: number, count: number): string[] {
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const k = 1 + rnd(6);
    for (let j = 0; j < k; j++) parts.push(FRAGMENTS[rnd(FRAGMENTS.length)]!);
    const sep = [" ", "", " ", ": ", "  "][rnd(5)]!;
    out.push(parts.join(sep));
  }
  return out;
}

type Result = null | [number, number, number | null, string];

for (const o of oracles("date-fuzz", ["1.1.1"]))
  describe(`fuzzed lines agree with fail2ban ${o.version}`, () => {
    const jobs = [
      { name: "sequential, default templates", lines: lines(1, 1500), fresh: false },
      { name: "one by one, default templates", lines: lines(2, 1500), fresh: true },
      { name: "sequential, {^LN-BEG}", lines: lines(3, 500), fresh: false, datepattern: "{^LN-BEG}" },
      { name: "sequential, {DATE} wrap", lines: lines(4, 500), fresh: false, datepattern: "^[^\\[]*\\[({DATE})\n{^LN-BEG}" },
      {
        name: "sequential, explicit patterns",
        lines: lines(5, 400),
        fresh: false,
        datepattern: "^%Y-%m-%d %H:%M:%S\n^%b %d %H:%M:%S\n%d/%b[^/]*/%Y:%H:%M:%S %z",
      },
      {
        name: "sequential, TAI64N/LEPOCH/Ex codes/%Z",
        lines: lines(6, 400),
        fresh: false,
        datepattern: "TAI64N\nLEPOCH\n%ExY%Exm%Exd %ExH%ExM%ExS\n(?:%Z )?%H:%M:%S",
      },
      {
        name: "sequential, {EPOCH} with and without a group of its own",
        lines: lines(8, 400),
        fresh: false,
        datepattern: "^[^\\[]*\\[({EPOCH})\\]\nx={EPOCH}\n^{EPOCH}",
      },
      { name: "sequential, ** markers", lines: lines(7, 400), fresh: false, datepattern: "^%b %d, %ExY %I:%M:%S %p\n^WARNING:()**\n{^LN-BEG}" },
    ];
    const proc = Bun.spawnSync([PY, `${import.meta.dir}/date-oracle.py`], { stdin: Buffer.from(JSON.stringify(jobs)), env: { ...process.env, ...o.env } });
    if (proc.exitCode !== 0) throw new Error(proc.stderr.toString());
    const oracle = JSON.parse(proc.stdout.toString()) as { results: Result[] }[];
    jobs.forEach((job, i) => {
      test(job.name, () => {
        const tz = TimeZone.fromEnv("CET-01CEST-02,M3.5.0,M10.5.0");
        tz.toEpoch(2005, 1, 1, 12, 0, 0); // same mktime starting state as the oracle
        const make = (): DateDetector => new DateDetector({ now: () => 1124013600, tz, ...(job.datepattern ? { datepattern: job.datepattern } : {}) });
        let dd = make();
        const bad: unknown[] = [];
        let dated = 0,
          timed = 0;
        job.lines.forEach((line, j) => {
          if (job.fresh) dd = make();
          const m = dd.matchTime(line);
          const ours: Result = m && [m.start, m.end, Number.isNaN(m.time) ? null : m.time, m.template];
          const theirs = oracle[i]!.results[j];
          if (m) {
            dated++;
            if (!Number.isNaN(m.time)) timed++;
          }
          if (JSON.stringify(ours) !== JSON.stringify(theirs)) bad.push({ line, ours, f2b: theirs });
        });
        console.log(`date-fuzz ${job.name}: ${job.lines.length} lines (${dated} dated, ${timed} with a valid time), ${bad.length} mismatches`);
        expect(bad.slice(0, 5)).toEqual([]);
      });
    });
  });
