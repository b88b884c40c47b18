// A status page's worth of plausible data (and hostile log text) for the browser tests and the
// README's screenshots: three jails, one of them blind, addresses failing, bans with matches.
import type { BanInfo } from "../../src/api/controller.ts";
import type { BanModel } from "../../src/api/page-ban.ts";
import { assignColors, bucketize, HOUR, type EventView, type JailView, type PageModel } from "../../src/api/page-data.ts";

export const DEMO_NOW = 1_765_100_000;
const T = DEMO_NOW;

/** Log text that must arrive as text: markup, quotes, a bidi override, an escape sequence, NUL. */
export const HOSTILE_LINE = `Dec  7 14:02:11 host sshd[811]: Invalid user <script>alert("pwned")</script> from 203.0.113.66 port 4711 '"><img src=x onerror=alert(1)> \u202egnp.exe \u001b[31mred\u0000`;
export const HOSTILE_USER = `<b onmouseover="alert(1)">root</b>`;
export const LONG_LINE = `Dec  7 14:02:12 host sshd[811]: Failed password for ${"A".repeat(6000)} from 203.0.113.66 port 4712 ssh2`;

const sshdLines = (ip: string, n: number, start: number): string[] =>
  Array.from({ length: n }, (_, i) => `Dec  7 ${new Date((start + i * 7) * 1000).toISOString().slice(11, 19)} host sshd[${900 + i}]: Failed password for invalid user ${["admin", "oracle", "test"][i % 3]} from ${ip} port ${40000 + i} ssh2`);

function jail(name: string, banned: number, failing: JailView["failing"], source: JailView["source"], bantime: number, extra: Partial<JailView["settings"] & object> = {}): JailView {
  return {
    status: {
      name,
      filter: { currentlyFailed: failing?.length ?? 0, totalFailed: 40 + banned * 5, ...(source.journalMatch !== undefined ? { journalMatches: source.journalMatch } : { fileList: source.files.map((f) => f.path) }), problems: source.problems },
      actions: { currentlyBanned: banned, totalBanned: banned + 3, bannedIPs: [] },
    },
    failing,
    settings: { maxretry: 5, findtime: 600, bantime, increment: "off", ignoreip: ["127.0.0.1/8", "::1"], actions: ["nftables-multiport"], ...extra },
    source,
  };
}

export function demoPage(hostile = false): PageModel {
  const bans: BanInfo[] = [
    { jail: "sshd", ip: "203.0.113.66", timeOfBan: T - 300, bantime: 3600, remaining: 3300, banCount: 3 },
    { jail: "sshd", ip: "2001:db8:4b1d::17", timeOfBan: T - 1500, bantime: 3600, remaining: 2100, banCount: 1 },
    { jail: "recidive", ip: "198.51.100.23", timeOfBan: T - 7200, bantime: -1, remaining: null, banCount: 2 },
    { jail: "nginx-http-auth", ip: "192.0.2.200", timeOfBan: T - 60, bantime: 600, remaining: 540, banCount: 1 },
  ];
  const jails = [
    jail("nginx-http-auth", 1, [], { files: [{ path: "/var/log/nginx/error.log", size: 0, position: 0, lastLineTime: null }], lastEntryTime: null, problems: ["/var/log/nginx/error.log: empty since the jail started (is nginx logging elsewhere?)"] }, 600),
    jail("recidive", 1, [{ ip: "192.0.2.45", failures: 2, firstSeen: T - 40_000, lastSeen: T - 3000 }], { files: [{ path: "/var/log/f2b.log", size: 1_482_113, position: 1_482_113, lastLineTime: T - 60 }], lastEntryTime: T - 60, problems: [] }, -1, { maxretry: 3, findtime: 86400, actions: ["nftables-allports"] }),
    jail("sshd", 2, [
      { ip: "192.0.2.77", failures: 4, firstSeen: T - 420, lastSeen: T - 12 },
      { ip: "2001:db8::beef", failures: 2, firstSeen: T - 300, lastSeen: T - 200 },
      { ip: "198.51.100.4", failures: 1, firstSeen: T - 45, lastSeen: T - 45 },
    ], { journalMatch: "_SYSTEMD_UNIT=ssh.service + _COMM=sshd", files: [], lastEntryTime: T - 12, problems: [] }, 3600, { increment: "on: factor 2, at most 1w" }),
  ];
  if (hostile) jails.push(jail(`evil<script>alert("x")</script>&'jail`, 0, [{ ip: "192.0.2.9", failures: 9, firstSeen: T - 5, lastSeen: T - 1 }], { files: [{ path: `/var/log/"><b>x</b>.log`, size: 10, position: 5, lastLineTime: T - 1 }], lastEntryTime: null, problems: [`/var/log/"><b>x</b>.log: ${HOSTILE_LINE}`] }, 600));
  const events: EventView[] = [
    { time: T - 60, kind: "ban", jail: "nginx-http-auth", ip: "192.0.2.200", detail: "5 failures; bantime 10m" },
    { time: T - 240, kind: "unban", jail: "sshd", ip: "192.0.2.31", detail: "unbanned by hand (CLI)" },
    { time: T - 300, kind: "ban", jail: "sshd", ip: "203.0.113.66", detail: "5 failures; 3rd ban, bantime 1h" },
    { time: T - 900, kind: "prolong", jail: "recidive", ip: "198.51.100.23", detail: "banned again in sshd: now permanent" },
    { time: T - 1200, kind: "error", jail: "nginx-http-auth", detail: hostile ? HOSTILE_LINE : "/var/log/nginx/error.log: no line since the jail started" },
    { time: T - 1600, kind: "unban", jail: "sshd", ip: "192.0.2.8", detail: "expired" },
    { time: T - 3000, kind: "reload", detail: "configuration reloaded (3 jails)" },
    { time: T - 3100, kind: "reconcile", jail: "sshd", detail: "firewall matched the database (2 bans)" },
    { time: T - 3500, kind: "restore", jail: "recidive", detail: "1 ban restored from the database" },
  ];
  const history = [...Array.from({ length: 40 }, (_, i) => ({ jail: i % 4 === 0 ? "recidive" : i % 3 === 0 ? "nginx-http-auth" : "sshd", ip: `192.0.2.${i}`, time: T - ((i * 7919) % (23 * HOUR)) })), ...bans.map((b) => ({ jail: b.jail, ip: b.ip, time: b.timeOfBan }))];
  const hours = bucketize(history, T);
  return {
    version: "0.4.0", host: "gate.example.net", now: T, jails, events, bans, hours, historySource: "history",
    colors: assignColors(jails.map((j) => j.status.name)),
  };
}

export function demoBan(hostile = false): BanModel {
  const ip = "203.0.113.66";
  const matches = [...sshdLines(ip, 4, T - 340), ...(hostile ? [HOSTILE_LINE, LONG_LINE] : [`Dec  7 09:28:15 host sshd[941]: Connection closed by invalid user test ${ip} port 40100 [preauth]`])];
  return {
    version: "0.4.0", host: "gate.example.net", now: T, ip,
    current: [{ jail: "sshd", ip, timeOfBan: T - 300, bantime: 3600, remaining: 3300, banCount: 3 }],
    records: [
      { jail: "sshd", start: T - 300, bantime: 3600, banCount: 3, failures: 5, matches, users: hostile ? ["admin", HOSTILE_USER] : ["admin", "oracle", "test"], ended: null },
      { jail: "sshd", start: T - 9000, bantime: 1800, banCount: 2, failures: 5, matches: sshdLines(ip, 5, T - 9040), users: ["admin", "oracle", "test"], ended: { at: T - 8700, how: "unbanned by hand (API)" } },
      { jail: "sshd", start: T - 30_000, bantime: 900, banCount: 1, failures: 5, matches: sshdLines(ip, 5, T - 30_040), users: ["admin", "oracle"], ended: { at: T - 29_100, how: "expired" } },
    ],
    failing: [{ jail: "postfix", failures: 2, maxretry: 5, firstSeen: T - 200, lastSeen: T - 30 }],
  };
}
