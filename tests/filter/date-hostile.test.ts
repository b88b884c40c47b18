// Hostile input: huge lines, NUL bytes, broken UTF-8, near-miss dates repeated many times.
// Nothing may throw, and time must stay linear in the line length (no catastrophic backtracking).
import { describe, expect, test } from "bun:test";
import { DateDetector, TimeZone } from "../../src/filter/date/detector.ts";

const TZ = TimeZone.fromEnv("CET-01CEST-02,M3.5.0,M10.5.0");
const NOW = 1124013600;
const KB100 = 100 * 1024;

function fill(unit: string, size = KB100): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

const HOSTILE: Record<string, string> = {
  digits: fill("1234567890"),
  spaces: fill(" "),
  colons: fill("12:"),
  nearSyslog: fill("Aug 14 12:00 "),
  nearIso: fill("2005-08-14 12:00 "),
  nearIsoZone: "2005-08-14 12:00:00" + fill(" ") + "+",
  nearApache: fill("[14/Aug/2005:12:00 "),
  nearTai: fill("@4000000042ff1620"),
  nearEpoch: fill("[112401360 "),
  nearBasicIso: fill("20050814T12000 "),
  brackets: fill("[["),
  letters: fill("abcdefghijklmnopqrstuvwxyz"),
  unicodeWords: fill("ÄÖÜßéèΩжЖ中文"),
  nul: fill("\0"),
  nulAroundDate: "\0\0Aug 14 12:00:00\0" + fill("\0x"),
  replacementChars: fill("\uFFFD"),
  loneSurrogates: fill("\uD800x\uDC00"),
  dateAtEnd: fill("x ") + "Aug 14 12:00:00",
};

const PATTERNS: (string | undefined)[] = [undefined, "{^LN-BEG}", "^[^\\[]*\\[({DATE})", "%d/%b[^/]*/%Y:%H:%M:%S %z", "LEPOCH", "{NONE}"];

describe("hostile lines", () => {
  for (const dp of PATTERNS) {
    test(`no crash, linear time: datepattern ${dp ?? "(default)"}`, () => {
      const dd = new DateDetector({ now: () => NOW, tz: TZ, ...(dp ? { datepattern: dp } : {}) });
      const slow: string[] = [];
      let total = 0;
      for (const [name, line] of Object.entries(HOSTILE)) {
        const t0 = performance.now();
        const m = dd.matchTime(line);
        const ms = performance.now() - t0;
        total += ms;
        if (ms > 400) slow.push(`${name}: ${ms.toFixed(0)} ms`);
        if (m) {
          expect(m.start).toBeGreaterThanOrEqual(0);
          expect(m.end).toBeLessThanOrEqual(line.length);
          expect(m.end).toBeGreaterThanOrEqual(m.start);
        }
      }
      console.log(`hostile [${dp ?? "default"}]: ${Object.keys(HOSTILE).length} lines of ~100 KB in ${total.toFixed(0)} ms`);
      expect(slow).toEqual([]);
    });
  }

  test("dates next to NUL bytes and at the end of a huge line are still found", () => {
    const dd = new DateDetector({ now: () => NOW, tz: TZ });
    expect(dd.matchTime(HOSTILE.nulAroundDate!)).toMatchObject({ start: 2, end: 17, time: NOW });
    const atEnd = dd.matchTime(HOSTILE.dateAtEnd!);
    expect(atEnd).toMatchObject({ start: KB100 + 0, end: KB100 + 15, time: NOW });
  });

  test("time grows linearly: 4x the line, well under 16x the time", () => {
    const dd = new DateDetector({ now: () => NOW, tz: TZ });
    const measure = (line: string): number => {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) dd.matchTime(line);
      return performance.now() - t0;
    };
    measure(fill("2005-08-14 12:00 ", 25 * 1024)); // warm up the JIT
    const small = Math.max(measure(fill("2005-08-14 12:00 ", 25 * 1024)), 1);
    const big = measure(fill("2005-08-14 12:00 ", KB100));
    console.log(`hostile scaling: 25 KB ${small.toFixed(1)} ms, 100 KB ${big.toFixed(1)} ms`);
    expect(big).toBeLessThan(small * 16);
  });
});
