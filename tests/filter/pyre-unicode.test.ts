// Code point by code point: our \w \d \s (Unicode and ASCII), "." and simple case-insensitive matching
// agree with Python's re on every code point Python's Unicode database assigns.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { translatePythonRegex } from "../../src/filter/pyre.ts";

const PY = "/usr/bin/python3";
const haveOracle = existsSync(PY);
if (!haveOracle) console.warn("skipping Unicode class comparison: /usr/bin/python3 missing");

const PATTERNS = ["\\w", "\\d", "\\s", "\\W", "\\D", "\\S", "(?a)\\w", "(?a)\\d", "(?a)\\s", ".", "[\\w\\s]", "[^\\d\\s]"];

/** Python lists, per pattern, the code points it matches as [start, end] ranges; plus unassigned code points. */
const SCRIPT = String.raw`
import json, re, sys, unicodedata
pats = json.load(sys.stdin)
def ranges(pred):
    out, start = [], None
    for c in range(0x110000):
        if pred(c):
            if start is None: start = c
        elif start is not None:
            out.append([start, c - 1]); start = None
    if start is not None: out.append([start, 0x10FFFF])
    return out
res = {}
for p in pats:
    r = re.compile(p)
    res[p] = ranges(lambda c: r.match(chr(c)) is not None)
res["unassigned"] = ranges(lambda c: unicodedata.category(chr(c)) == "Cn")
json.dump(res, sys.stdout)`;

function inRanges(ranges: [number, number][]): (c: number) => boolean {
  const set = new Uint8Array(0x110000);
  for (const [a, b] of ranges) set.fill(1, a, b + 1);
  return (c) => set[c] === 1;
}

test.skipIf(!haveOracle)(
  "character categories match Python on every assigned code point",
  () => {
    const proc = Bun.spawnSync([PY, "-c", SCRIPT], { stdin: Buffer.from(JSON.stringify(PATTERNS)) });
    expect(proc.exitCode).toBe(0);
    const py = JSON.parse(proc.stdout.toString()) as Record<string, [number, number][]>;
    const unassigned = inRanges(py["unassigned"]!);
    const diffs: string[] = [];
    let compared = 0;
    for (const p of PATTERNS) {
      const t = translatePythonRegex(p);
      const re = new RegExp(`^(?:${t.source})`, t.flags);
      const want = inRanges(py[p]!);
      for (let c = 0; c <= 0x10ffff; c++) {
        if (unassigned(c)) continue; // newer Unicode in the JS engine may assign these
        compared++;
        if (re.test(String.fromCodePoint(c)) !== want(c) && diffs.length < 20) diffs.push(`${p} U+${c.toString(16)}`);
      }
    }
    console.log(`Unicode categories: ${compared} pattern×code point pairs compared, ${diffs.length} differences`);
    expect(diffs).toEqual([]);
  },
  60_000,
);

test.skipIf(!haveOracle)(
  "(?i) literals and (?ai) literals fold exactly like Python's re (BMP)",
  () => {
    // Candidates for each cased BMP character: its upper/lower/title/casefold forms and those of the
    // characters Python considers equal; Python decides with re itself.
    const script = String.raw`
import json, re, sys, _sre
def forms(c):
    ch = chr(c)
    return {ord(x) for x in (ch.upper(), ch.lower(), ch.title(), ch.casefold()) if len(x) == 1}
out = []
for flags in ("(?i)", "(?ai)"):
    for c in range(0x10000):
        if 0xD800 <= c < 0xE000 or not _sre.unicode_iscased(c): continue
        cand = forms(c)
        for d in list(cand): cand |= forms(d)
        cand.discard(c)
        r = re.compile(flags + re.escape(chr(c)))
        out.append([flags, c, [[d, r.match(chr(d)) is not None] for d in sorted(cand)]])
json.dump(out, sys.stdout)`;
    const proc = Bun.spawnSync([PY, "-c", script]);
    expect(proc.exitCode).toBe(0);
    const rows = JSON.parse(proc.stdout.toString()) as [string, number, [number, boolean][]][];
    const diffs: string[] = [];
    let pairs = 0;
    for (const [flags, c, cands] of rows) {
      const t = translatePythonRegex(`${flags}${String.fromCodePoint(c)}`);
      const re = new RegExp(`^(?:${t.source})$`, t.flags);
      for (const [d, want] of cands) {
        pairs++;
        if (re.test(String.fromCodePoint(d)) !== want && diffs.length < 20) diffs.push(`${flags} U+${c.toString(16)} vs U+${d.toString(16)}: python ${want}`);
      }
    }
    console.log(`case folding: ${pairs} character pairs compared, ${diffs.length} differences`);
    expect(pairs).toBeGreaterThan(3000);
    expect(diffs).toEqual([]);
  },
  60_000,
);
