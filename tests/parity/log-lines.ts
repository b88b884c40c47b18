// sshd log lines as a real host writes them, dated in the suite's time zone (the TZ both daemons
// run with): classic syslog dates (no year: the reader assumes the current one) or RFC 3339
// dates with the zone's offset, or in UTC whatever the zone.
export type DateStyle = "syslog" | "iso" | "iso-utc";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of `epoch` (seconds) in zone `tz`. */
function localParts(epoch: number, tz: string): Parts {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  const get = (parts: Intl.DateTimeFormatPart[], type: string): number => Number(parts.find((p) => p.type === type)!.value);
  const parts = f.formatToParts(new Date(Math.floor(epoch) * 1000));
  return {
    year: get(parts, "year"),
    month: get(parts, "month"),
    day: get(parts, "day"),
    hour: get(parts, "hour"),
    minute: get(parts, "minute"),
    second: get(parts, "second"),
  };
}

const p2 = (n: number): string => String(n).padStart(2, "0");

export function formatDate(epoch: number, zone: string, style: DateStyle): string {
  const tz = style === "iso-utc" ? "UTC" : zone;
  const t = localParts(epoch, tz);
  const clock = `${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`;
  if (style === "syslog") return `${MONTHS[t.month - 1]} ${String(t.day).padStart(2, " ")} ${clock}`;
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;
  const off = Math.round((asUtc - Math.floor(epoch)) / 60);
  const sign = off < 0 ? "-" : "+";
  const offText = `${sign}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
  return `${t.year}-${p2(t.month)}-${p2(t.day)}T${clock}.${String(Math.floor((epoch % 1) * 1e6)).padStart(6, "0")}${offText}`;
}

/** Message variants the stock sshd filter (mode normal) counts once each. */
const FAILURES = [
  (ip: string, port: number) => `Failed password for root from ${ip} port ${port} ssh2`,
  (ip: string, port: number) => `Failed password for invalid user admin from ${ip} port ${port} ssh2`,
  (ip: string, port: number) => `Invalid user oracle from ${ip} port ${port}`,
];

let pid = 1000;

/** fail2ban's own log line date: local time, no zone, milliseconds after a comma. */
function fail2banLogDate(epoch: number, tz: string): string {
  const t = localParts(epoch, tz);
  const ms = String(Math.floor((epoch % 1) * 1000)).padStart(3, "0");
  return `${t.year}-${p2(t.month)}-${p2(t.day)} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)},${ms}`;
}

/** A ban line of another jail in fail2ban's log, as the recidive filter reads it. */
export function fail2banBanLine(epoch: number, tz: string, ip: string, variant: number): string {
  const jail = variant % 2 === 0 ? "sshd" : "nginx-http-auth";
  return `${fail2banLogDate(epoch, tz)} fail2ban.actions        [811]: NOTICE  [${jail}] Ban ${ip}`;
}

/** fail2ban log lines recidive must not count: findings, unbans, and the recidive jail's own bans. */
export function fail2banLogNoise(epoch: number, tz: string, k: number): string {
  const msg = [
    "fail2ban.filter         [811]: INFO    [sshd] Found 198.51.100.7 - 2026-01-01 00:00:00",
    "fail2ban.actions        [811]: NOTICE  [sshd] Unban 198.51.100.8",
    "fail2ban.actions        [811]: NOTICE  [recidive] Ban 198.51.100.9",
  ][k % 3];
  return `${fail2banLogDate(epoch, tz)} ${msg}`;
}

/** One failure line; every line has its own sshd pid so no two are merged into one session. */
export function sshdFailure(epoch: number, tz: string, style: DateStyle, ip: string, variant: number): string {
  pid = pid >= 60000 ? 1000 : pid + 1;
  const msg = FAILURES[variant % FAILURES.length]!(ip, 20000 + (pid % 40000));
  return `${formatDate(epoch, tz, style)} host sshd[${pid}]: ${msg}`;
}

/** A line the filter must not count. */
export function sshdNoise(epoch: number, tz: string, style: DateStyle): string {
  pid = pid >= 60000 ? 1000 : pid + 1;
  return `${formatDate(epoch, tz, style)} host sshd[${pid}]: Server listening on 0.0.0.0 port 22.`;
}
