// The one logger type every stage writes to. The server's implementation (src/server/log.ts)
// prints fail2ban's line format under fail2ban's logger names ("fail2ban.filter", ...).

export interface Log {
  critical(msg: string): void;
  error(msg: string): void;
  warning(msg: string): void;
  notice(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Any Python logging number (e.g. 5 = HEAVYDEBUG). */
  log(level: number, msg: string): void;
  isEnabled(level: number): boolean;
}

/** Named loggers: `logger("filter")` is fail2ban's "fail2ban.filter". */
export type Logger = (name: string) => Log;

/** Python logging's numbers for the named methods (NOTICE = 25 is fail2ban's own). */
const NUM = { critical: 50, error: 40, warning: 30, notice: 25, info: 20, debug: 10 } as const;

/** A Log from one function of (level number, message); `enabled` is the threshold test. */
export function logFrom(write: (level: number, msg: string) => void, enabled: (level: number) => boolean = () => true): Log {
  const at =
    (n: number) =>
    (msg: string): void => {
      if (enabled(n)) write(n, msg);
    };
  return {
    critical: at(NUM.critical),
    error: at(NUM.error),
    warning: at(NUM.warning),
    notice: at(NUM.notice),
    info: at(NUM.info),
    debug: at(NUM.debug),
    log: (n, msg) => at(n)(msg),
    isEnabled: enabled,
  };
}

/** The same log with `prefix` before every message: a jail's "[sshd] " for a stage that
 *  does not know its jail (filter, source). */
export function prefixedLog(log: Log, prefix: string): Log {
  return logFrom(
    (level, msg) => log.log(level, prefix + msg),
    (level) => log.isEnabled(level),
  );
}

/** Keeps every record (tests and tools that show messages later). */
export function memoryLog(): Log & { records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  return Object.assign(
    logFrom((level, msg) => records.push({ level, msg })),
    { records },
  );
}

/** Drops everything: for offline tools that have nowhere to log (say so at the call site). */
export const discardLog: Log = logFrom(
  () => {},
  () => false,
);
