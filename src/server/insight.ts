// The running server's answers to "why?" and "is it working?" (src/api/insight.ts): a ban's
// detail from the ban manager and the database, failing-now from the fail managers, and each
// jail's settings in force.
import type { BanDetail, BanRecord, FailingEntry, JailSettingsView } from "../api/insight.ts";
import type { BanInfo } from "../ban/types.ts";
import { usersOf, type SqliteBanStore } from "../db/ban-store.ts";
import { normalizeIP } from "../net/address.ts";
import { parseTime } from "../jail/time.ts";
import type { JailRuntime } from "./jail-runtime.ts";

function currentRecord(jail: string, b: BanInfo): BanRecord {
  const t = b.ticket;
  return {
    jail,
    ip: b.ip,
    timeOfBan: b.time,
    bantime: b.bantime,
    end: Number.isFinite(b.end) ? b.end : null,
    banCount: b.banCount,
    failures: t.failures,
    matches: [...t.matches],
    users: t.users ?? usersOf(t.data),
    active: true,
    ...(typeof t.data?.["origin"] === "string" ? { origin: t.data["origin"] } : {}),
  };
}

/** Failures counted now (one jail's fail manager), closest to a ban first. */
export function failingOf(j: JailRuntime): FailingEntry[] {
  const maxretry = j.failManager.maxretry;
  return j.failManager.pending().map((p) => ({
    jail: j.name,
    ip: p.id,
    failures: p.retry,
    maxretry,
    firstSeen: p.firstTime,
    lastSeen: p.time,
    matches: p.matches,
    users: p.users.length ? p.users : usersOf(p.data),
  }));
}

export function byClosestToBan(a: FailingEntry, b: FailingEntry): number {
  return b.failures / b.maxretry - a.failures / a.maxretry || b.lastSeen - a.lastSeen || a.ip.localeCompare(b.ip);
}

export function banDetail(ipText: string, jails: readonly JailRuntime[], store: SqliteBanStore, now: number): BanDetail {
  const ip = normalizeIP(ipText);
  const current: BanRecord[] = [];
  for (const j of jails) {
    const b = j.bans.list().find((x) => x.ip === ip);
    if (b) current.push(currentRecord(j.name, b));
  }
  // A ban lifted by hand and banned again from the same log lines' time shares its start with the
  // new one: only a row that has not ended can be the current ban.
  const isCurrent = (r: BanRecord): boolean => !r.ended && current.some((c) => c.jail === r.jail && c.timeOfBan === r.timeOfBan);
  // A ban in force in the database but not in a running jail (the jail is stopped) is not active.
  const history = store
    .banRecords(ip, now)
    .filter((r) => !isCurrent(r))
    .map((r) => ({ ...r, active: false }));
  const failing = jails
    .flatMap((j) => failingOf(j))
    .filter((f) => f.ip === ip)
    .sort(byClosestToBan);
  current.sort((a, b) => b.timeOfBan - a.timeOfBan);
  return { ip, current, history, failing };
}

const seconds = (v: string | number | undefined): number | null => (v === undefined || v === "" ? null : typeof v === "number" ? v : parseTime(v));

export function settingsView(j: JailRuntime, actions: readonly string[]): JailSettingsView {
  const s = j.settings;
  const inc = s.increment;
  return {
    maxretry: s.maxretry,
    findtime: s.findtime,
    bantime: s.bantime,
    maxmatches: s.maxmatches,
    increment: {
      enabled: inc.increment ?? false,
      factor: String(inc.factor ?? "1"),
      formula: inc.formula ?? "",
      multipliers: inc.multipliers ?? "",
      maxtime: seconds(inc.maxtime),
      rndtime: seconds(inc.rndtime),
      overalljails: inc.overalljails ?? false,
    },
    ignoreip: j.ignore.entries(),
    ignoreself: j.ignore.ignoreself,
    ignorecommand: j.ignore.ignorecommand ?? "",
    actions: [...actions],
    backend: s.backend,
    filter: s.filter.name,
    logpath: s.logpaths.map((p) => p.path),
    journalmatch: s.journalmatch.map((g) => g.join(" ")),
  };
}
