// The regex pre-checks must be sound: whenever they reject a text, the regex itself does not
// match it. Checked on crafted patterns and on every stock filter regex × its sample log lines.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { DateDetector } from "../../src/filter/date/detector.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Regex } from "../../src/filter/failregex.ts";
import { anchoredPrefix, firstChars } from "../../src/filter/filter-prefilter.ts";

const chars = (s: ReadonlySet<number> | null): string | null =>
  s
    ? [...s]
        .map((c) => String.fromCharCode(c))
        .sort()
        .join("")
    : null;

test("prefixes and first characters of crafted patterns", () => {
  expect(anchoredPrefix("^Failed (?:a|b) x")).toBe("Failed ");
  expect(anchoredPrefix("^abc?d")).toBe("ab");
  expect(anchoredPrefix("^\\[id\\]x+")).toBe("[id]");
  expect(anchoredPrefix("^a|b")).toBe("");
  expect(anchoredPrefix("^(?i)abc")).toBe("");
  expect(anchoredPrefix("abc")).toBe("");
  expect(anchoredPrefix("^(?P<nofail>Connection from) (?P<x>y)")).toBe("Connection from y");
  expect(anchoredPrefix("^(?P<a>(?P<b>Accepted) \\w+) for")).toBe("Accepted ");
  expect(anchoredPrefix("^(?:ab?)c")).toBe("a");
  expect(anchoredPrefix("^(?:ab)?c")).toBe("");
  expect(anchoredPrefix("^x(?:ab)+c")).toBe("x");
  expect(anchoredPrefix("^x(?:a|b)c")).toBe("x");
  expect(anchoredPrefix("^x(?=a)b")).toBe("x");
  expect(chars(firstChars("^[aA]uth"))).toBe("Aa");
  expect(chars(firstChars("^(?P<x>(?P<y>Conn (?:a|b)|Disc))"))).toBe("CD");
  expect(chars(firstChars("^[a-c\\]]x"))).toBe("]abc");
  for (const p of ["^(?:a|)x", "^a?b", "^[^x]", "^(?i:abc)", "^x{0,2}y", "^(?:ab)*c", "^(?=a)a", "^\\d", "^.x", "^(?P=n)"]) {
    expect(firstChars(p)).toBeNull();
  }
});

const CONFIG = "/etc/fail2ban";
const LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
const have = existsSync(join(CONFIG, "filter.d")) && existsSync(LOGS);
if (!have) console.warn("prefilter: stock-filter soundness check skipped, fail2ban is not installed");

test.skipIf(!have)("sound on every stock filter regex and sample line", () => {
  let checks = 0;
  let matches = 0;
  let rejected = 0;
  const unsound: string[] = [];
  for (const f of readdirSync(join(CONFIG, "filter.d"))) {
    const name = f.replace(/\.conf$/, "");
    if (!f.endsWith(".conf") || f.endsWith("common.conf") || !existsSync(join(LOGS, name))) continue;
    const def = loadFilter(diskFS(CONFIG), name);
    const pref = def.prefregex ? new Regex(def.prefregex) : null;
    const regexes = def.failregex.map((p) => new Regex(p));
    const dates = new DateDetector({ datepattern: def.datepattern, now: () => 1124013600, tz: TimeZone.utc() });
    const texts: string[] = [];
    for (const line of readFileSync(join(LOGS, name), "utf8").split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const d = dates.matchTime(line);
      // as the filter searches it: without the date text
      const text = d ? `${line.slice(0, d.start)}${line.slice(d.end)}\n` : `${line}\n`;
      texts.push(`${line}\n`, text);
      const m = pref?.search(text);
      if (m?.groups["content"] !== undefined) texts.push(`${m.groups["content"]}\n`);
    }
    for (const r of regexes) {
      const prefix = anchoredPrefix(r.resolved);
      const first = firstChars(r.resolved);
      for (const t of texts) {
        checks++;
        const rejects = (prefix !== "" && !t.startsWith(prefix)) || (first !== null && !first.has(t.charCodeAt(0)));
        const hit = r.search(t) !== null;
        if (hit) matches++;
        if (rejects) rejected++;
        if (rejects && hit) unsound.push(`${name}: ${r.pattern} on ${JSON.stringify(t)}`);
      }
    }
  }
  expect(unsound).toEqual([]);
  expect(checks).toBeGreaterThan(15_000);
  expect(matches).toBeGreaterThan(500);
  expect(rejected).toBeGreaterThan(checks / 2);
});
