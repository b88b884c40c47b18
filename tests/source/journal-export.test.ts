// The journal is read as `journalctl -o export` (journal-export.ts). Differential: on a real journal
// file with awkward values (newlines, control characters, invalid and non-character UTF-8,
// repeated fields, blank lines inside binary data), the parsed entries give the same lines, times
// and cursors as journalctl's own `-o json` of the same file, under utf-8 and latin-1, however the
// output is cut into chunks.
import { logFrom } from "../../src/system/log.ts";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEncoding } from "../../src/source/encoding.ts";
import { formatEntry, JOURNAL_FIELDS, type JournalEntry } from "../../src/source/journal-entry.ts";
import { ExportParser } from "../../src/source/journal-export.ts";
import { appendJournal, entry, journalToolsMissing, type ExportEntry } from "../journal/journal-files.ts";
import { rng } from "../helpers/rng.ts";

const missing = journalToolsMissing();
if (missing) console.warn(`journal export differential skipped: ${missing}`);
const SEED = Number(process.env["F2B_SEED"] ?? 20261207);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Pieces of values: plain text, the characters json and export treat differently, broken UTF-8.
const PIECES: Buffer[] = [
  "Failed password for root from 10.0.0.1 port 22 ssh2",
  "word",
  " ",
  "=",
  "a=b",
  "\n",
  "\n\n",
  "\t",
  "\r",
  "\x1b[0m",
  "\0",
  "\x7f",
  "\u0085",
  "é",
  "日本",
  "😀",
  "\ufdd0",
  "\ufffe",
  "\u{1fffe}",
  "\u{10ffff}",
]
  .map((s) => Buffer.from(s))
  .concat([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe9]), Buffer.from([0xf4, 0x90, 0x80, 0x80])]);

function value(rand: (n: number) => number): Buffer {
  const parts: Buffer[] = [];
  for (let k = rand(5); k >= 0; k--) parts.push(PIECES[rand(PIECES.length)]!);
  // a length whose low byte is "\n": the binary field's length prefix looks like a blank line
  if (rand(10) === 0) {
    parts.push(Buffer.from("\n"));
    parts.push(Buffer.alloc(Math.max(0, 266 - Buffer.concat(parts).length), "x"));
  }
  return Buffer.concat(parts);
}

function entries(rand: (n: number) => number, n: number): ExportEntry[] {
  const out: ExportEntry[] = [];
  for (let i = 0; i < n; i++) {
    const msg = rand(6) === 0 ? [value(rand), value(rand)] : value(rand);
    const extra: ExportEntry = {};
    if (rand(4) === 0) extra["SYSLOG_PID"] = rand(2) ? value(rand) : ["7", "0x1f", "010", " 42 ", "1_000"][rand(5)]!;
    if (rand(5) === 0) extra["_HOSTNAME"] = value(rand);
    if (rand(5) === 0) extra["SYSLOG_IDENTIFIER"] = rand(3) ? "kernel" : [value(rand), "x"];
    if (rand(4) === 0) extra["_SOURCE_MONOTONIC_TIMESTAMP"] = String(rand(1e9));
    if (rand(4) === 0) extra["_SOURCE_REALTIME_TIMESTAMP"] = rand(4) ? String(1_700_000_000_000_000 + rand(1e9)) : "bogus";
    out.push(entry(1_700_000_000 + i, msg, extra));
  }
  return out;
}

function journalctl(file: string, output: string): Buffer {
  const r = Bun.spawnSync(
    ["journalctl", `--file=${file}`, "--merge", `--output=${output}`, "--all", "--no-pager", "--quiet", `--output-fields=${JOURNAL_FIELDS.join(",")}`],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`journalctl -o ${output}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Export output parsed in chunks of random sizes (1 byte up to 8 KiB). */
function parseChunked(out: Buffer, rand: (n: number) => number): JournalEntry[] {
  const p = new ExportParser(
    logFrom((_level, m) => {
      throw new Error(m);
    }),
  );
  const got: JournalEntry[] = [];
  for (let at = 0; at < out.length; ) {
    const size = rand(3) === 0 ? 1 + rand(16) : 1 + rand(8192);
    got.push(...p.push(out.subarray(at, at + size)));
    at += size;
  }
  expect(p.incomplete()).toBe(false);
  return got;
}

for (let k = 0; k < 3; k++) {
  const seed = SEED + k;
  test.skipIf(!!missing)(`export entries format as journalctl's json ones do (seed ${seed}, F2B_SEED=${seed} to replay)`, () => {
    const rand = rng(seed);
    const dir = mkdtempSync(join(tmpdir(), "f2b-jexport-"));
    dirs.push(dir);
    const file = join(dir, "t.journal");
    appendJournal(file, entries(rand, 300));
    const json = journalctl(file, "json")
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as JournalEntry);
    const exported = parseChunked(journalctl(file, "export"), rand);
    expect(exported.length).toBe(300);
    for (const name of ["utf-8", "latin-1"]) {
      const enc = resolveEncoding(name);
      expect(exported.map((e) => formatEntry(e, enc))).toEqual(json.map((e) => formatEntry(e, enc)));
    }
  });
}

test("a binary field over 16 MiB is skipped with a warning; the entry and the next one still arrive", () => {
  const warnings: string[] = [];
  const p = new ExportParser(logFrom((_level, m) => warnings.push(m)));
  const big = Buffer.alloc((1 << 24) + 5, "y");
  const len = Buffer.alloc(8);
  len.writeUInt32LE(big.length);
  const out = Buffer.concat([Buffer.from("__CURSOR=a\nMESSAGE\n"), len, big, Buffer.from("\n_HOSTNAME=h\n\nMESSAGE=next\n\n")]);
  const got: JournalEntry[] = [];
  for (let at = 0; at < out.length; at += 1 << 20) got.push(...p.push(out.subarray(at, at + (1 << 20))));
  expect(got).toEqual([{ __CURSOR: "a", _HOSTNAME: "h" }, { MESSAGE: "next" }]);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("MESSAGE");
  expect(p.incomplete()).toBe(false);
});
