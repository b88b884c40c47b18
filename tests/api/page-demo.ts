// A status page's worth of plausible data (and hostile log text) for the browser tests and the
// README's screenshots: three jails, one of them blind, addresses failing, bans with matches.
import type { ClusterStatus } from "../../src/cluster/cluster.ts";
import type { BanInfo, BanRecord, EventKind, FailingEntry, JailSettingsView, ServerEvent, SourceFileHealth, SourceHealth } from "../../src/api/controller.ts";
import type { BanModel } from "../../src/api/page-ban.ts";
import { assignColors, bucketize, HOUR, type JailView, type PageModel } from "../../src/api/page-data.ts";

export const DEMO_NOW = 1_765_100_000;
const T = DEMO_NOW;

/** Log text that must arrive as text: markup, quotes, a bidi override, an escape sequence, NUL. */
export const HOSTILE_LINE = `Dec  7 14:02:11 host sshd[811]: Invalid user <script>alert("pwned")</script> from 203.0.113.66 port 4711 '"><img src=x onerror=alert(1)> \u202egnp.exe \u001b[31mred\u0000`;
export const HOSTILE_USER = `<b onmouseover="alert(1)">root</b>`;
export const LONG_LINE = `Dec  7 14:02:12 host sshd[811]: Failed password for ${"A".repeat(6000)} from 203.0.113.66 port 4712 ssh2`;

const sshdLines = (ip: string, n: number, start: number): string[] =>
  Array.from(
    { length: n },
    (_, i) =>
      `Dec  7 ${new Date((start + i * 7) * 1000).toISOString().slice(11, 19)} host sshd[${900 + i}]: Failed password for invalid user ${["admin", "oracle", "test"][i % 3]} from ${ip} port ${40000 + i} ssh2`,
  );

const fileOk = (path: string, size: number, at: number): SourceFileHealth => ({ path, state: "ok", size, position: size, lastLineAt: at, modifiedAt: at });

function jail(name: string, banned: number, failing: FailingEntry[], source: SourceHealth, bantime: number, extra: Partial<JailSettingsView> = {}): JailView {
  const action = { ok: true, problems: [] };
  return {
    status: {
      name,
      filter: {
        currentlyFailed: failing.length,
        totalFailed: 40 + banned * 5,
        ...(source.journalMatch !== undefined ? { journalMatches: source.journalMatch } : { fileList: source.files.map((f) => f.path) }),
        problems: source.problems,
      },
      actions: { currentlyBanned: banned, totalBanned: banned + 3, bannedIPs: [] },
    },
    failing: failing.map((f) => ({ ...f, jail: name })),
    health: { ok: source.ok, problems: source.problems, source, action },
    settings: {
      maxretry: 5,
      findtime: 600,
      bantime,
      maxmatches: 10,
      increment: { enabled: false, factor: "1", formula: "", multipliers: "", maxtime: null, rndtime: null, overalljails: false },
      ignoreip: ["127.0.0.1/8", "::1"],
      ignoreself: true,
      ignorecommand: "",
      actions: ["nftables-multiport"],
      backend: source.kind === "journal" ? "systemd" : "auto",
      filter: name,
      logpath: source.files.map((f) => f.path),
      journalmatch: [],
      ...extra,
    },
  };
}

const fail = (ip: string, failures: number, maxretry: number, firstSeen: number, lastSeen: number, users: string[] = []): FailingEntry => ({
  jail: "",
  ip,
  failures,
  maxretry,
  firstSeen,
  lastSeen,
  matches: sshdLines(ip, failures, firstSeen),
  users,
});

const files = (ok: boolean, problems: string[], list: SourceFileHealth[]): SourceHealth => {
  const lastLineAt = Math.max(...list.map((f) => f.lastLineAt ?? 0)) || null;
  return {
    kind: "files",
    ok,
    problems,
    files: list,
    lastLineAt,
    lastLineAgeSec: lastLineAt === null ? null : T - lastLineAt,
    silentSec: lastLineAt === null ? 3 * 86_400 : T - lastLineAt,
  };
};

/** A peer id from the network: markup, a bidi override, an escape sequence and far too long. */
export const HOSTILE_HOST = `pve<img src=x onerror=alert(1)>"'\u202e\u001b[31m${"x".repeat(300)}`;

/** Three hosts sharing bans; when hostile, the link is down and a peer's id is an attack. */
export function demoCluster(hostile = false): ClusterStatus {
  const counters = {
    published: 41,
    received: 96,
    applied: 88,
    unbansApplied: 5,
    unsigned: 0,
    badSignature: hostile ? 2 : 0,
    malformed: 0,
    replayed: 1,
    notShared: 0,
    refused: 0,
    expired: 0,
    rateLimited: 0,
    noJail: 0,
    ignored: 0,
  };
  return {
    hostid: "gate",
    stream: "f2b:bans",
    link: hostile
      ? { up: false, since: T - 420, lastError: "connect ECONNREFUSED 10.0.0.5:6379", reconnects: 7 }
      : { up: true, since: T - 86_400 * 2, reconnects: 0 },
    outbox: hostile ? 3 : 0,
    lastId: "1765099000000-0",
    counters,
    peers: { pve2: T - 40, pve3: T - 1300, ...(hostile ? { [HOSTILE_HOST]: T - 90 } : {}) },
  };
}

export function demoPage(hostile = false): PageModel {
  const bans: BanInfo[] = [
    { jail: "sshd", ip: "203.0.113.66", timeOfBan: T - 300, bantime: 3600, remaining: 3300, banCount: 3 },
    { jail: "sshd", ip: "2001:db8:4b1d::17", timeOfBan: T - 1500, bantime: 3600, remaining: 2100, banCount: 1 },
    { jail: "recidive", ip: "198.51.100.23", timeOfBan: T - 7200, bantime: -1, remaining: null, banCount: 2 },
    { jail: "nginx-http-auth", ip: "192.0.2.200", timeOfBan: T - 60, bantime: 600, remaining: 540, banCount: 1 },
    { jail: "sshd", ip: "198.51.100.77", timeOfBan: T - 900, bantime: 3600, remaining: 2700, banCount: 1, origin: hostile ? HOSTILE_HOST : "pve2" },
  ];
  const nginxLog = "/var/log/nginx/error.log";
  const jails = [
    jail(
      "nginx-http-auth",
      1,
      [],
      files(
        false,
        [`${nginxLog}: the file is empty`],
        [{ path: nginxLog, state: "empty", reason: "the file is empty", size: 0, position: 0, lastLineAt: null, modifiedAt: T - 86_400 * 3 }],
      ),
      600,
    ),
    jail("recidive", 1, [fail("192.0.2.45", 2, 3, T - 40_000, T - 3000)], files(true, [], [fileOk("/var/log/f2b.log", 1_482_113, T - 60)]), -1, {
      maxretry: 3,
      findtime: 86400,
      actions: ["nftables-allports"],
    }),
    jail(
      "sshd",
      3,
      [
        fail("192.0.2.77", 4, 5, T - 420, T - 12, ["admin", "oracle"]),
        fail("2001:db8::beef", 2, 5, T - 300, T - 200, ["root"]),
        fail("198.51.100.4", 1, 5, T - 45, T - 45, ["ubuntu"]),
      ],
      {
        kind: "journal",
        ok: true,
        problems: [],
        files: [],
        journalMatch: "_SYSTEMD_UNIT=ssh.service + _COMM=sshd",
        lastLineAt: T - 12,
        lastLineAgeSec: 12,
        silentSec: 12,
      },
      3600,
      { increment: { enabled: true, factor: "2", formula: "", multipliers: "", maxtime: 604800, rndtime: null, overalljails: false } },
    ),
  ];
  if (hostile) {
    const path = `/var/log/"><b>x</b>.log`;
    jails.push(
      jail(
        `evil<script>alert("x")</script>&'jail`,
        0,
        [fail("192.0.2.9", 9, 5, T - 5, T - 1, [HOSTILE_USER])],
        files(
          false,
          [`${path}: ${HOSTILE_LINE}`],
          [{ path, state: "unreadable", reason: HOSTILE_LINE, size: 10, position: 5, lastLineAt: T - 1, modifiedAt: T }],
        ),
        600,
      ),
    );
  }
  let id = 0;
  const ev = (ago: number, kind: EventKind, jail: string | null, ip: string | null, message: string): ServerEvent => ({
    id: ++id,
    time: T - ago,
    kind,
    jail,
    ip,
    message,
  });
  const events: ServerEvent[] = [
    ev(60, "ban", "nginx-http-auth", "192.0.2.200", "banned for 10m (5 failures)"),
    ev(240, "unban", "sshd", "192.0.2.31", "unbanned by cli"),
    ev(300, "ban", "sshd", "203.0.113.66", "banned for 1h (5 failures, 3rd ban)"),
    ev(900, "prolong", "recidive", "198.51.100.23", "ban made permanent"),
    ev(1200, "error", "nginx-http-auth", null, hostile ? HOSTILE_LINE : `${nginxLog}: the file is empty`),
    ev(1600, "unban", "sshd", "192.0.2.8", "expired"),
    ev(3000, "reload", null, null, "configuration reloaded (3 jails)"),
    ev(3100, "reconcile", "sshd", null, "firewall matched the database (2 bans)"),
    ev(3500, "restore", "recidive", null, "1 ban restored from the database"),
  ];
  const history = [
    ...Array.from({ length: 40 }, (_, i) => ({
      jail: i % 4 === 0 ? "recidive" : i % 3 === 0 ? "nginx-http-auth" : "sshd",
      ip: `192.0.2.${i}`,
      time: T - ((i * 7919) % (23 * HOUR)),
    })),
    ...bans.map((b) => ({ jail: b.jail, ip: b.ip, time: b.timeOfBan })),
  ];
  const hours = bucketize(history, T);
  return {
    version: "0.4.0",
    host: "gate.example.net",
    now: T,
    jails,
    events,
    bans,
    hours,
    historySource: "history",
    colors: assignColors(jails.map((j) => j.status.name)),
    cluster: demoCluster(hostile),
  };
}

export function demoBan(hostile = false): BanModel {
  const ip = "203.0.113.66";
  const matches = [
    ...sshdLines(ip, 4, T - 340),
    ...(hostile ? [HOSTILE_LINE, LONG_LINE] : [`Dec  7 09:28:15 host sshd[941]: Connection closed by invalid user test ${ip} port 40100 [preauth]`]),
  ];
  const rec = (start: number, bantime: number, banCount: number, lines: string[], users: string[], ended?: BanRecord["ended"]): BanRecord => ({
    jail: "sshd",
    ip,
    timeOfBan: start,
    bantime,
    end: start + bantime,
    banCount,
    failures: 5,
    matches: lines,
    users,
    active: !ended,
    ...(ended ? { ended } : {}),
  });
  return {
    version: "0.4.0",
    host: "gate.example.net",
    now: T,
    detail: {
      ip,
      current: [
        rec(T - 300, 3600, 3, matches, hostile ? ["admin", HOSTILE_USER] : ["admin", "oracle", "test"]),
        // received from a cluster peer: no log lines here, the peer's id from the network
        ...(hostile ? [{ ...rec(T - 900, 3600, 1, [], []), jail: "recidive", origin: HOSTILE_HOST }] : []),
      ],
      history: [
        rec(T - 9000, 1800, 2, sshdLines(ip, 5, T - 9040), ["admin", "oracle", "test"], { at: T - 8700, how: "unbanned", by: "api" }),
        rec(T - 30_000, 900, 1, sshdLines(ip, 5, T - 30_040), ["admin", "oracle"], { at: T - 29_100, how: "expired" }),
      ],
      failing: [
        {
          jail: "postfix",
          ip,
          failures: 2,
          maxretry: 5,
          firstSeen: T - 200,
          lastSeen: T - 30,
          matches: [`Dec  7 09:32:50 host postfix/smtpd[77]: warning: unknown[${ip}]: SASL LOGIN authentication failed`],
          users: [],
        },
      ],
    },
  };
}
