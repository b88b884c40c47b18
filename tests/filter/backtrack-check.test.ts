// The static check for exponential backtracking (src/filter/backtrack-check.ts): textbook cases
// both ways, the shapes of the stock filters it flags (each one read and confirmed ambiguous by
// hand), and how many of fail2ban's stock and f2b's own filter regexes it flags.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { diskFS, embeddedFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { exponentialRegexes, exponentialSpan } from "../../src/filter/backtrack-check.ts";
import { Filter } from "../../src/filter/filter.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { discardLog } from "../../src/system/log.ts";
import { oracles, type OracleVersion } from "../helpers/fail2ban-server.ts";

const EXPONENTIAL: [string, string][] = [
  ["^(a+)+$", "(a+)+"],
  ["(?:a|a)*x", "(?:a|a)*"],
  ["(a*)*b", "(a*)*"],
  ["(\\w+\\s?)*$", "(\\w+\\s?)*"],
  ["(?i)(?:A|a)+$", "(?:A|a)+"],
  // the stock shapes: grafana, dovecot (GHSA-33wh-ccjc-p397), slapd, courier-auth, domino-smtp, exim
  ['(?: uname=(?:"[^"]+"|\\S+)| \\S+=(?:\\S*|"[^"]+"))* remote_addr=', '(?: uname=(?:"[^"]+"|\\S+)| \\S+=(?:\\S*|"[^"]+"))*'],
  ["^Disconnected(?:: (?:\\w+\\([^\\):]*\\) \\w+|[^\\(]+))* \\(", "(?:: (?:\\w+\\([^\\):]*\\) \\w+|[^\\(]+))*"],
  ["(?:\\s(?!err)\\S+=\\S*)*$", "(?:\\s(?!err)\\S+=\\S*)*"],
  ["(?:(?:user=([^,]*)|\\w+=[^,]*), )*ip=", "(?:(?:user=([^,]*)|\\w+=[^,]*), )*"],
  ["(?:[^\\[]+ )*\\[", "(?:[^\\[]+ )*"],
  ['(?:"+[^"]*(?="))*?x', '(?:"+[^"]*(?="))*?'],
];
const LINEAR = [
  "^\\s+\\S+$",
  "^(?:\\s+\\S+)*$",
  "(?:foo|fax)*",
  "(?:ab|a)*c",
  ".*foo.*bar",
  "(\\d+\\.)+\\d+",
  "(?:\\w+\\.)*\\w+",
  "(?:[\\w\\-]+\\s+)*x",
  "(?:a|b)*c",
  "(a+)++$",
  "^[^:]+(?::[^: ][^:]*)*$",
  // f2b's dovecot reason: a ":" inside the text is never followed by a space
  "(?:: (?:\\w+\\([^\\):]*\\) \\w+|[^\\(:]+(?::[^\\(: ][^\\(:]*)*))* \\(",
];

describe("textbook cases", () => {
  for (const [p, loop] of EXPONENTIAL) {
    test(`flags ${p}`, () => {
      const span = exponentialSpan(p);
      expect(span && p.slice(span[0], span[1])).toBe(loop);
    });
  }
  for (const p of LINEAR) test(`does not flag ${p}`, () => expect(exponentialSpan(p)).toBeNull());
});

function flagged(fs: ReturnType<typeof diskFS>, dir: string): { total: number; hits: string[] } {
  let total = 0;
  const hits: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".conf") && x !== "common.conf")) {
    const name = f.slice(0, -".conf".length);
    let filter: Filter;
    try {
      filter = new Filter(loadFilter(fs, name), { now: () => 1.7e9, dns: tableResolver({}), log: discardLog });
    } catch {
      continue; // filters that need options (or other backends) to load
    }
    total += (filter.prefRegex ? 1 : 0) + filter.failRegexes.length + filter.ignoreRegexes.length;
    hits.push(...exponentialRegexes(filter).map((x) => `${name} ${x.kind} ${x.number}`));
  }
  return { total, hits };
}

/** Each oracle's stock regexes flagged; every one confirmed exponential in Python's re. */
const STOCK_FLAGGED: Record<OracleVersion, string[]> = {
  "1.0.2": [
    "apache-modsecurity failregex 1",
    "assp failregex 4",
    "courier-auth failregex 1",
    "domino-smtp failregex 2",
    "dovecot failregex 2",
    "exim failregex 6",
    "grafana failregex 1",
    "slapd failregex 1",
  ],
  // 1.1.1 fixed domino-smtp and exim; selinux-ssh's `(?:%(_anygrp)s )*` is new (a quoted value may
  // hold spaces: `a="b= c=" ` × n takes 2^n), slapd's regex moved to second place
  "1.1.1": [
    "apache-modsecurity failregex 1",
    "assp failregex 4",
    "courier-auth failregex 1",
    "dovecot failregex 2",
    "grafana failregex 1",
    "selinux-ssh failregex 1",
    "slapd failregex 2",
  ],
};

for (const o of oracles("backtrack-check stock filters")) {
  test(`fail2ban ${o.version}'s stock filters: the few real ones, no more`, () => {
    const { total, hits } = flagged(diskFS(o.etc), join(o.etc, "filter.d"));
    console.log(`fail2ban ${o.version}'s stock filters: ${hits.length} of ${total} regexes flagged: ${hits.join(", ")}`);
    expect(total).toBeGreaterThan(150);
    expect(hits.sort()).toEqual(STOCK_FLAGGED[o.version]);
  });
}

test("f2b's own filters: none flagged", () => {
  const { total, hits } = flagged(embeddedFS(), `${import.meta.dir}/../../filters`);
  expect(total).toBeGreaterThan(40);
  expect(hits).toEqual([]);
});
