// The recidive filter against lines written by f2b's own log formatter (src/server/log-format.ts),
// so a change to either side of that contract shows up here.
import { expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { TimeZone } from "../../src/filter/date/tz.ts";
import { Filter } from "../../src/filter/filter.ts";
import { formatLine, LEVELS } from "../../src/server/log-format.ts";
import { NOW, TEST_TZ } from "./own-samples.ts";
import { tableResolver } from "../../src/system/resolver.ts";

const T0 = 1795251600_000; // 2026-11-21T09:00:00Z

function hostOf(filter: Filter, line: string): string | null {
  const hit = filter.processLine(line).find((f) => f.fid !== null && !f.data["nofail"]);
  return hit ? hit.fid : null;
}

test("recidive counts f2b's Ban lines, not its own bans, unbans or quoted attacker text", () => {
  const tz = TimeZone.fromEnv(TEST_TZ);
  const filter = new Filter(loadFilter(embeddedFS(), "recidive"), { now: () => NOW, tz, dns: tableResolver({}), log: memoryLog() }, { checkFindTime: false });
  const line = (name: string, level: number, message: string, padding = true): string =>
    formatLine({ timeMs: T0, name, pid: 812, level, message }, { addtime: true, padding });
  const cases: [string, string | null][] = [
    [line("fail2ban.actions", LEVELS.NOTICE, "[sshd] Ban 203.0.113.5"), "203.0.113.5"],
    [line("fail2ban.actions", LEVELS.NOTICE, "[nginx-http-auth] Ban 2001:db8::5", false), "2001:db8::5"],
    // a network ban (banprefix6, escalate4) counts as a ban of the network
    [line("fail2ban.actions", LEVELS.NOTICE, "[sshd] Ban 2001:db8:1::/64"), "2001:db8:1::/64"],
    [line("fail2ban.actions", LEVELS.NOTICE, "[nginx-http-auth] Ban 198.51.100.0/24"), "198.51.100.0/24"],
    [line("fail2ban.actions", LEVELS.NOTICE, "[recidive] Ban 203.0.113.5"), null],
    [line("fail2ban.actions", LEVELS.NOTICE, "[sshd] Unban 203.0.113.5"), null],
    [line("fail2ban.filter", LEVELS.INFO, "[sshd] Found 198.51.100.1 - NOTICE [sshd] Ban 10.0.0.1"), null],
    // A user name with a newline cannot start a forged line: the formatter escapes it.
    [line("fail2ban.filter", LEVELS.INFO, "[sshd] Found 198.51.100.1 user x\n2026-11-21 10:00:00,000 fail2ban.actions [1]: NOTICE [sshd] Ban 10.0.0.1"), null],
  ];
  const got = cases.map(([l]) => hostOf(filter, l));
  expect(got).toEqual(cases.map(([, h]) => h));
  // the time is f2b's own stamp (local time of the formatter's TZ is not ours to assume: just a date was found)
  const hit = filter.processLine(cases[0]![0]).find((f) => f.fid !== null);
  expect(Number.isFinite(hit?.time)).toBe(true);
});
