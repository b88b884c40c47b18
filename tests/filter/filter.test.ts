// Filter engine behaviour (fail2ban 1.0.2 Filter.processLine/findFailure), with real regex and
// date layers and a fake clock. Journal-style calls (known time) keep date detection out of the
// way where a test is about something else.
import { describe, expect, test } from "bun:test";
import { logFrom, memoryLog } from "../../src/system/log.ts";
import type { FilterDefinition } from "../../src/config/filter-reader.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { Filter, type FilterOptions } from "../../src/filter/filter.ts";

const NOW = 1_700_000_000; // 2023-11-14T22:13:20Z
const tz = TimeZone.fromEnv("UTC");

function def(failregex: string[], extra: Partial<FilterDefinition> = {}): FilterDefinition {
  return { name: "t", file: "test.conf", failregex, ignoreregex: [], options: {}, ...extra };
}
function make(d: FilterDefinition, opts: FilterOptions = {}, dns?: Record<string, string[]>): Filter {
  return new Filter(d, { now: () => NOW, tz, dns: tableResolver(dns ?? {}), log: memoryLog() }, { checkFindTime: false, ...opts });
}
const at = { time: NOW };

describe("single line", () => {
  test("date is found, cut from the searched text, and becomes the failure time", () => {
    const f = make(def(["^\\s*host sshd\\[\\d+\\]: Failed password for <F-USER>\\S+</F-USER> from <HOST> port \\d+"]));
    const [r, ...rest] = f.processLine("2023-11-14 10:00:00 host sshd[12]: Failed password for root from 192.0.2.7 port 22 ssh2");
    expect(rest).toEqual([]);
    expect(r!.fid).toBe("192.0.2.7");
    expect(r!.time).toBe(Date.UTC(2023, 10, 14, 10, 0, 0) / 1000);
    expect(r!.data["user"]).toBe("root");
    expect(r!.data["ip4"]).toBe("192.0.2.7");
    expect(r!.data["matches"]).toEqual(["2023-11-14 10:00:00 host sshd[12]: Failed password for root from 192.0.2.7 port 22 ssh2"]);
  });

  test("non-matching line gives nothing", () => {
    const f = make(def(["Failed .* from <HOST>$"]));
    expect(f.processLine("nothing here", at)).toEqual([]);
  });

  test("IPv6 and IPv4-mapped addresses are canonicalised like IPAddr", () => {
    const f = make(def(["from <HOST>$"]));
    expect(f.processLine("from 2001:DB8:0:0::1", at)[0]!.fid).toBe("2001:db8::1");
    expect(f.processLine("from ::ffff:192.0.2.1", at)[0]!.fid).toBe("192.0.2.1");
  });

  test("<ADDR>/<CIDR> reports a subnet", () => {
    const f = make(def(["net <ADDR>/<CIDR>$"]));
    expect(f.processLine("net 192.0.2.77/24", at)[0]!.fid).toBe("192.0.2.0/24");
  });

  test("F-ID next to an address: id is the F-ID, address kept as ip", () => {
    const f = make(def(["session <F-ID>\\w+</F-ID> from <HOST>$"]));
    const [r] = f.processLine("session abc123 from 192.0.2.9", at);
    expect(r!.fid).toBe("abc123");
    expect(r!.data["ip"]).toBe("192.0.2.9");
  });

  test("first matching failregex only, unless checkAllRegex", () => {
    const d = def(["from <HOST>", "Failed .* from <HOST>"]);
    expect(
      make(d)
        .processLine("Failed x from 192.0.2.1", at)
        .map((r) => r.regexIndex),
    ).toEqual([0]);
    expect(
      make(d, { checkAllRegex: true })
        .processLine("Failed x from 192.0.2.1", at)
        .map((r) => r.regexIndex),
    ).toEqual([0, 1]);
  });

  test("ignoreregex drops a matching line and reports which one matched", () => {
    const seen: number[] = [];
    const f = make(def(["from <HOST>"], { ignoreregex: ["nomatch", "trusted"] }), { onIgnoreRegex: (i) => seen.push(i) });
    expect(f.processLine("trusted login from 192.0.2.1", at)).toEqual([]);
    expect(seen).toEqual([1]);
    expect(f.processLine("login from 192.0.2.1", at)).toHaveLength(1);
  });
});

describe("prefregex", () => {
  const d = def(["^Failed for <HOST>$", "^Invalid user \\S+ from <HOST>$"], { prefregex: "^\\S+ sshd\\[\\d+\\]: <F-CONTENT>.+</F-CONTENT>$" });

  test("failregexes see only <F-CONTENT>; the match keeps the whole line", () => {
    const f = make(d);
    const [r] = f.processLine("host sshd[1]: Invalid user bob from 192.0.2.3", at);
    expect(r!.regexIndex).toBe(1);
    expect(r!.data["matches"]).toEqual(["host sshd[1]: Invalid user bob from 192.0.2.3"]);
    expect(f.prefMatched).toBe(true);
  });

  test("lines the prefregex rejects never reach the failregexes", () => {
    const f = make(d);
    expect(f.processLine("host cron[1]: Failed for 192.0.2.3", at)).toEqual([]);
    expect(f.prefMatched).toBe(false);
  });

  test("a failregex without id is accepted when the prefregex has one", () => {
    const f = make(def(["^denied$"], { prefregex: "^<F-ID>\\w+</F-ID>: <F-CONTENT>.+</F-CONTENT>$" }));
    expect(f.processLine("client7: denied", at)[0]!.fid).toBe("client7");
  });
});

describe("multi-line", () => {
  test("maxlines buffer: a match spanning lines consumes them", () => {
    const f = make(def(["^conn (?P<c>\\d+) from <HOST>\\n(?:.*\\n)*?conn (?P=c) failed$"], { maxlines: 5 }));
    expect(f.processLine("conn 1 from 192.0.2.5", at)).toEqual([]);
    expect(f.processLine("noise", at)).toEqual([]);
    const [r] = f.processLine("conn 1 failed", at);
    expect(r!.fid).toBe("192.0.2.5");
    expect(r!.data["matches"]).toEqual(["conn 1 from 192.0.2.5", "noise", "conn 1 failed"]);
    expect(f.lineBuffer).toEqual([]);
  });

  test("<SKIPLINES> lines stay buffered and are not part of the match", () => {
    const f = make(def(["^start <HOST><SKIPLINES>^end$"], { maxlines: 4 }));
    f.processLine("start 192.0.2.6", at);
    f.processLine("unrelated", at);
    const [r] = f.processLine("end", at);
    expect(r!.data["matches"]).toEqual(["start 192.0.2.6", "end"]);
    expect(f.lineBuffer.map((l) => l[2])).toEqual(["unrelated"]);
  });

  test("prefregex is not MULTILINE even with maxlines > 1 (fail2ban: Regex(value, useDns=...))", () => {
    // fail2ban 1.0.2 gives [] for "hello" then "x fail 192.0.2.1" (its ^ only matches at the buffer
    // start), and a failure for "x fail 192.0.2.1" alone; a MULTILINE prefregex would match both
    const d = def(["^fail <HOST>$"], { maxlines: 2, prefregex: "^x <F-CONTENT>.+</F-CONTENT>$" });
    const f = make(d);
    expect(f.processLine("hello", at)).toEqual([]);
    expect(f.processLine("x fail 192.0.2.1", at)).toEqual([]);
    expect(
      make(d)
        .processLine("x fail 192.0.2.1", at)
        .map((r) => r.fid),
    ).toEqual(["192.0.2.1"]);
  });

  test("the buffer holds at most maxlines lines", () => {
    const f = make(def(["^a <HOST>\\nb$"], { maxlines: 2 }));
    f.processLine("a 192.0.2.1", at);
    f.processLine("x", at);
    expect(f.processLine("b", at)).toEqual([]);
    expect(f.lineBuffer).toHaveLength(2);
  });
});

describe("F-MLFID sessions", () => {
  const d = def([
    "^\\[(?P<mlfid>\\d+)\\] connect from <HOST>$",
    "^\\[<F-MLFID>\\d+</F-MLFID>\\] auth failed for <F-USER>\\S+</F-USER>$",
    "^\\[<F-MLFID>\\d+</F-MLFID>\\] <F-NOFAIL>accepted</F-NOFAIL>",
    "^\\[<F-MLFID>\\d+</F-MLFID>\\] <F-MLFFORGET>closed</F-MLFFORGET>",
  ]);

  test("id-less failure is pending until the session's host is known, then merged", () => {
    const f = make(def(["^\\[<F-MLFID>\\d+</F-MLFID>\\] auth failed for <F-USER>\\S+</F-USER>$", "^\\[<F-MLFID>\\d+</F-MLFID>\\] from <HOST>$"]));
    expect(f.processLine("[7] auth failed for bob", at)).toEqual([]); // pending, ignored
    const [r] = f.processLine("[7] from 192.0.2.8", at);
    expect(r!.fid).toBe("192.0.2.8");
    expect(r!.data["user"]).toBe("bob");
    expect(r!.data["matches"]).toEqual(["[7] auth failed for bob", "[7] from 192.0.2.8"]);
  });

  test("the session host carries over to later failures; nofail suppresses, forget ends", () => {
    const f = make(d);
    expect(f.processLine("[9] connect from 192.0.2.9", at)[0]!.fid).toBe("192.0.2.9");
    const [r] = f.processLine("[9] auth failed for alice", at);
    expect(r!.fid).toBe("192.0.2.9");
    expect([...(r!.data["users"] as Set<string>)]).toEqual(["alice"]);
    expect(f.processLine("[9] accepted", at)).toEqual([]);
    expect(f.processLine("[9] closed", at)).toHaveLength(1);
    // forgotten: a new failure in session 9 has no host any more
    expect(f.processLine("[9] auth failed for eve", at)).toEqual([]);
  });

  test("with checkAllRegex (tools) pending failures are returned with a null id", () => {
    const f = make(d, { checkAllRegex: true, ignorePending: false });
    const r = f.processLine("[5] auth failed for bob", at);
    expect(r.map((x) => x.fid)).toEqual([null]);
  });
});

describe("usedns", () => {
  const d = def(["from <HOST>$"]);
  test("yes/warn resolve names through the injected resolver", () => {
    const warnings: string[] = [];
    const f = new Filter(
      d,
      { now: () => NOW, tz, dns: tableResolver({ "bad.example": ["192.0.2.50", "2001:db8::50"] }), log: logFrom((_level, m) => warnings.push(m)) },
      { checkFindTime: false, useDns: "warn" },
    );
    expect(f.processLine("from bad.example", at).map((r) => r.fid)).toEqual(["192.0.2.50", "2001:db8::50"]);
    expect(warnings.some((w) => w.includes("DNS Lookup"))).toBe(true);
    expect(make(d, { useDns: "yes" }, {}).processLine("from unknown.example", at)).toEqual([]);
  });
  test("no: <HOST> matches addresses only", () => {
    const f = make(d, { useDns: "no" }, { "bad.example": ["192.0.2.50"] });
    expect(f.processLine("from bad.example", at)).toEqual([]);
    expect(f.processLine("from 192.0.2.1", at)[0]!.fid).toBe("192.0.2.1");
  });
  test("raw and returnRawHost keep the name", () => {
    expect(make(d, { useDns: "raw" }).processLine("from bad.example", at)[0]!.fid).toBe("bad.example");
    expect(make(d, { returnRawHost: true }).processLine("from bad.example", at)[0]!.fid).toBe("bad.example");
  });
});

describe("time handling", () => {
  test("operation mode treats a date far from now as now", () => {
    const f = new Filter(def(["from <HOST>"]), { now: () => NOW, tz, dns: tableResolver({}), log: memoryLog() }, {});
    const [r] = f.processLine("2001-01-01 00:00:00 from 192.0.2.1");
    expect(r!.time).toBe(NOW);
  });
  test("a dateless line continues the previous line's time (within a minute)", () => {
    const f = make(def(["from <HOST>"]));
    const t = f.processLine("2023-11-14 22:13:00 first from 192.0.2.1")[0]!.time;
    expect(f.processLine("no date from 192.0.2.2")[0]!.time).toBe(t);
  });
  test("journal mode uses the given time and searches the whole message", () => {
    const f = make(def(["^2020-01-01 from <HOST>"]));
    expect(f.processLine("2020-01-01 from 192.0.2.1", { time: 123.5 })[0]!.time).toBe(123.5);
  });
});

describe("hostile input", () => {
  const f = make(def(["from <HOST>$"], { prefregex: "^<F-CONTENT>.+</F-CONTENT>$" }));
  test("a 5 MB line, NUL bytes and replacement characters do not crash", () => {
    expect(f.processLine("x".repeat(5_000_000) + " from 192.0.2.1", at)[0]!.fid).toBe("192.0.2.1");
    expect(f.processLine("\u0000\u0000 from 192.0.2.2", at)[0]!.fid).toBe("192.0.2.2");
    expect(f.processLine("\ufffd\ufffd\ud800 from 192.0.2.3", at)[0]!.fid).toBe("192.0.2.3");
    expect(f.processLine("", at)).toEqual([]);
  });
  test("a broken regex is reported with the filter file and the pattern", () => {
    expect(() => make(def(["from <HOST> ("]))).toThrow(/test\.conf.*failregex/);
    expect(() => make(def(["no id group here"]))).toThrow(/No failure-id group/);
  });
});

describe("options passed through", () => {
  test("logTimeZone applies to dates without a zone", () => {
    const f = make(def(["from <HOST>"]), { logTimeZone: "UTC+0200" });
    expect(f.processLine("2023-11-14 12:00:00 from 192.0.2.1")[0]!.time).toBe(Date.UTC(2023, 10, 14, 10, 0, 0) / 1000);
  });
  test("maxlines must be a positive integer", () => {
    expect(() => make(def(["from <HOST>"]), { maxLines: 0 })).toThrow(/maxlines/);
  });
});
