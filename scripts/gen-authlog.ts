// Writes a realistic N-line auth.log for benchmarks: sshd failures of several kinds (bad password,
// invalid user, PAM, preauth disconnects, too many auth attempts), accepted logins, CRON sessions,
// systemd-logind and kernel lines; many IPv4 and some IPv6 sources; monotonic syslog timestamps.
// Deterministic (seeded PRNG), streamed to the file. With SPAN_SECONDS the timestamps are spread
// evenly over that many seconds from START_EPOCH instead (an attack wave: every line recent).
//   bun scripts/gen-authlog.ts OUT [LINES=1000000] [START_EPOCH=1763769600] [SPAN_SECONDS]
import { closeSync, openSync, writeSync } from "node:fs";

const [out, linesArg, startArg, spanArg] = process.argv.slice(2);
if (!out) {
  console.error("usage: bun scripts/gen-authlog.ts OUT [LINES] [START_EPOCH] [SPAN_SECONDS]");
  process.exit(2);
}
const total = Number(linesArg ?? 1_000_000);
const start = Number(startArg ?? 1_763_769_600); // 2025-11-22 00:00:00 UTC
const span = spanArg === undefined ? null : Number(spanArg);
let t = start;

let seed = 0x2f6b1d3;
function rnd(): number {
  // xorshift32: fast, reproducible
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function stamp(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

// A pool of attackers: mostly IPv4 (documentation and private-looking ranges), some IPv6.
const attackers: string[] = [];
for (let i = 0; i < 5000; i++) attackers.push(`${pick([198, 203, 192, 45, 103, 185])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`);
for (let i = 0; i < 500; i++) attackers.push(`2001:db8:${int(0, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}`);
const users = ["root", "admin", "test", "oracle", "ubuntu", "pi", "git", "postgres", "user", "guest", "ftpuser", "deploy"];
const legit = ["alice", "bob", "carol"];
const HOST = "web01";

let pid = 10000;
const nextPid = (): number => (pid = pid >= 4_000_000 ? 10000 : pid + int(1, 37));

function entry(): string[] {
  const ip = pick(attackers);
  const port = int(1024, 65535);
  const p = nextPid();
  const user = pick(users);
  const h = `${HOST} sshd[${p}]:`;
  const r = rnd();
  if (r < 0.3) return [`${h} Failed password for ${user} from ${ip} port ${port} ssh2`];
  if (r < 0.45)
    return [
      `${h} Invalid user ${user}x from ${ip} port ${port}`,
      `${h} Failed password for invalid user ${user}x from ${ip} port ${port} ssh2`,
      `${h} Connection closed by invalid user ${user}x ${ip} port ${port} [preauth]`,
    ];
  if (r < 0.53)
    return [
      `${h} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`,
      `${h} Failed password for ${user} from ${ip} port ${port} ssh2`,
    ];
  if (r < 0.6) return [`${h} Disconnected from authenticating user ${user} ${ip} port ${port} [preauth]`];
  if (r < 0.65)
    return [
      `${h} error: maximum authentication attempts exceeded for ${user} from ${ip} port ${port} ssh2 [preauth]`,
      `${h} Disconnecting authenticating user ${user} ${ip} port ${port}: Too many authentication failures [preauth]`,
    ];
  if (r < 0.7) return [`${h} Received disconnect from ${ip} port ${port}:11: Bye Bye [preauth]`, `${h} Disconnected from ${ip} port ${port} [preauth]`];
  if (r < 0.74) return [`${h} Connection closed by ${ip} port ${port} [preauth]`];
  if (r < 0.8) {
    const u = pick(legit);
    const src = `10.0.${int(0, 3)}.${int(2, 250)}`;
    return [
      `${h} Accepted publickey for ${u} from ${src} port ${port} ssh2: ED25519 SHA256:${"x".repeat(43)}`,
      `${h} pam_unix(sshd:session): session opened for user ${u}(uid=1000) by (uid=0)`,
      `${HOST} systemd-logind[612]: New session ${int(1, 9999)} of user ${u}.`,
    ];
  }
  if (r < 0.9) {
    const c = nextPid();
    return [
      `${HOST} CRON[${c}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
      `${HOST} CRON[${c}]: pam_unix(cron:session): session closed for user root`,
    ];
  }
  if (r < 0.95) return [`${HOST} systemd[1]: Started session-${int(1, 9999)}.scope - Session ${int(1, 9999)} of User ${pick(legit)}.`];
  if (r < 0.98) return [`${HOST} kernel: [${int(1, 999999)}.${int(100000, 999999)}] [UFW BLOCK] IN=eth0 OUT= SRC=${ip} DST=10.0.0.5 PROTO=TCP DPT=22`];
  return [`${HOST} sudo: ${pick(legit)} : TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/usr/bin/apt update`];
}

const fd = openSync(out, "w");
let buf = "";
let written = 0;
while (written < total) {
  const step = rnd() < 0.6 ? 0 : int(1, 2); // drawn either way: the same lines with or without a span
  t = span === null ? t + step : start + Math.floor((written * span) / total);
  const ts = stamp(t);
  for (const l of entry()) {
    if (written >= total) break;
    buf += `${ts} ${l}\n`;
    written++;
  }
  if (buf.length > 1 << 20) {
    writeSync(fd, buf);
    buf = "";
  }
}
writeSync(fd, buf);
closeSync(fd);
console.error(`wrote ${written} lines to ${out}`);
