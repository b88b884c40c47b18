// fail2ban 1.0.2's log line format (helpers.getVerbosityFormat, non-verbose):
//   "%(asctime)s %(name)-24s[%(process)d]: %(levelname)-7s %(message)s"
// SYSLOG drops the time and the padding, like fail2ban does for that target.

/** fail2ban's level names with Python logging's numbers (NOTICE=25 is fail2ban's own). */
export const LEVELS = {
  CRITICAL: 50,
  ERROR: 40,
  WARNING: 30,
  NOTICE: 25,
  INFO: 20,
  MSG: 18,
  DEBUG: 10,
  TRACEDEBUG: 7,
  HEAVYDEBUG: 5,
} as const;
export type LevelName = keyof typeof LEVELS;

/** The names fail2ban registers with Python logging (fail2ban/__init__.py). */
const PRINTED: Record<number, string> = {
  50: "CRITICAL",
  40: "ERROR",
  30: "WARNING",
  25: "NOTICE",
  20: "INFO",
  18: "MSG",
  10: "DEBUG",
  7: "TRACE",
  5: "HEAVY",
  0: "NOTSET",
};

/** Python's getLevelName as fail2ban sets it up: other numbers below 50 print as "#NN-Lev.". */
export function levelName(n: number): string {
  const known = PRINTED[n];
  if (known !== undefined) return known;
  return n < 50 && n >= 0 ? `#${String(n).padStart(2, "0")}-Lev.` : `Level ${n}`;
}

/**
 * fail2ban's str2LogLevel: a level name (any case) or a number. Also accepts
 * "WARN" and "FATAL", which Python's logging module aliases.
 */
export function parseLogLevel(value: string | number): number {
  if (typeof value === "number") return value;
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v)) return Number(v);
  if (v === "WARN") return LEVELS.WARNING;
  if (v === "FATAL") return LEVELS.CRITICAL;
  if (v in LEVELS) return LEVELS[v as LevelName];
  throw new Error(`Invalid log level '${value}' (expected CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG or a number)`);
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** Python logging's default asctime: "YYYY-MM-DD HH:MM:SS,mmm" in local time. */
export function formatAsctime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())},` +
    String(d.getMilliseconds()).padStart(3, "0")
  );
}

export interface LineParts {
  timeMs: number;
  name: string; // "fail2ban.actions"
  pid: number;
  level: number;
  message: string;
}

/**
 * Control characters in a message are escaped: messages quote log lines from
 * attackers, and a raw newline would let one forge a "Ban" line that
 * recidive (which reads this very log) then acts on.
 */
export function escapeMessage(msg: string): string {
  // eslint-disable-next-line no-control-regex
  return msg.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

export function formatLine(p: LineParts, opts: { addtime: boolean; padding: boolean } = { addtime: true, padding: true }): string {
  const name = opts.padding ? p.name.padEnd(24) : p.name;
  const lvl = opts.padding ? levelName(p.level).padEnd(7) : levelName(p.level);
  const head = `${name}[${p.pid}]: ${lvl} ${escapeMessage(p.message)}`;
  return opts.addtime ? `${formatAsctime(p.timeMs)} ${head}` : head;
}
