import { ConfigError } from "./errors.ts";
import { DEFAULT_LINE_BUDGET, parseLineBudget } from "./line-budget.ts";
import type { ConfigFS } from "./fs.ts";
import { DEFAULT_SECTION } from "./ini-parse.ts";
import { IniConfig } from "./ini.ts";
import { readOptions, type OptionTemplate } from "./read-options.ts";

export interface Fail2banConf {
  loglevel: string;
  logtarget: string;
  syslogsocket: string;
  socket: string;
  pidfile: string;
  allowipv6: string;
  dbfile: string;
  dbmaxmatches?: number;
  dbpurgeage: string;
  /** f2b's own: milliseconds a log line may take in a filter (jails may override). */
  linebudget: number;
  /** f2b's own: how often bans missing from the firewall are put back, as written ("60", "5m";
   *  "0" turns it off); the server parses it with fail2ban's time syntax. */
  reconcileinterval: string;
  /** [Thread] stacksize (KiB), when set. */
  stacksize?: number;
  /** Every section (DEFAULT included) with its options resolved, e.g. f2b's own [api]. */
  sections: Record<string, Record<string, string>>;
  /** Files read, in order. */
  files: string[];
  /** Where each option of `sections` was set (file and line), for messages about f2b's own sections. */
  where?: Record<string, Record<string, { file?: string; line?: number }>>;
}

/** Seconds between reconcile runs when fail2ban.conf does not say. */
export const DEFAULT_RECONCILE_INTERVAL = "60";

// fail2ban's Fail2banReader: getEarlyOptions (socket, pidfile) and getOptions defaults.
const MAIN: OptionTemplate = [
  ["loglevel", "string", "INFO"],
  ["logtarget", "string", "STDERR"],
  ["syslogsocket", "string", "auto"],
  ["allowipv6", "string", "auto"],
  ["dbfile", "string", "/var/lib/fail2ban/fail2ban.sqlite3"],
  ["dbmaxmatches", "int"],
  ["dbpurgeage", "string", "1d"],
  ["linebudget", "string", DEFAULT_LINE_BUDGET],
  ["reconcileinterval", "string", DEFAULT_RECONCILE_INTERVAL],
];
const EARLY: OptionTemplate = [
  ["socket", "string", "/var/run/fail2ban/fail2ban.sock"],
  ["pidfile", "string", "/var/run/fail2ban/fail2ban.pid"],
];
const LOG_LEVELS = /^(NOTSET|CRITICAL|ERROR|WARNING|WARN|NOTICE|INFO|DEBUG|TRACEDEBUG|HEAVYDEBUG|FATAL|MSG|\d+)$/iu;

/** loadFail2banConf: fail2ban.conf, fail2ban.d/*.conf, fail2ban.local, fail2ban.d/*.local. */
export function loadFail2banConf(fs: ConfigFS): Fail2banConf {
  const cfg = new IniConfig(fs);
  cfg.readNamed("fail2ban");
  const { values: main, pyValues } = readOptions(cfg, "Definition", MAIN);
  const early = readOptions(cfg, "Definition", EARLY).values;
  const conf: Fail2banConf = {
    loglevel: main.get("loglevel")!,
    logtarget: main.get("logtarget")!,
    syslogsocket: main.get("syslogsocket")!,
    socket: early.get("socket")!,
    pidfile: early.get("pidfile")!,
    allowipv6: main.get("allowipv6")!,
    dbfile: main.get("dbfile")!,
    dbpurgeage: main.get("dbpurgeage")!,
    linebudget: 0,
    reconcileinterval: main.get("reconcileinterval")!.trim() || DEFAULT_RECONCILE_INTERVAL,
    sections: {},
    files: cfg.files,
  };
  const entry = (opt: string) => cfg.sections.get("Definition")?.get(opt) ?? cfg.defaults.get(opt);
  if (!LOG_LEVELS.test(conf.loglevel)) {
    throw new ConfigError("invalid loglevel (expected CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG or a number)", entry("loglevel"), conf.loglevel);
  }
  try {
    conf.linebudget = parseLineBudget(main.get("linebudget")!);
  } catch (e) {
    throw new ConfigError(`linebudget ${(e as Error).message}`, entry("linebudget"), main.get("linebudget"));
  }
  const mm = pyValues["dbmaxmatches"];
  if (mm !== undefined) conf.dbmaxmatches = Number(mm);
  else if (main.has("dbmaxmatches")) {
    // fail2ban would warn and send None, which its server then rejects.
    throw new ConfigError("dbmaxmatches must be an integer", entry("dbmaxmatches"), main.get("dbmaxmatches"));
  }
  if (cfg.hasSection("Thread")) {
    const st = readOptions(cfg, "Thread", [["stacksize", "int"]]).pyValues["stacksize"];
    if (st !== undefined) conf.stacksize = Number(st);
  }
  for (const section of [DEFAULT_SECTION, ...cfg.sectionNames()]) {
    const out: Record<string, string> = {};
    const names = section === DEFAULT_SECTION ? [...cfg.defaults.keys()] : cfg.options(section, true);
    const at: Record<string, { file?: string; line?: number }> = {};
    for (const opt of names) {
      out[opt] = cfg.get(section, opt);
      const e = (section === DEFAULT_SECTION ? undefined : cfg.sections.get(section)?.get(opt)) ?? cfg.defaults.get(opt);
      if (e) at[opt] = { ...(e.file !== undefined ? { file: e.file } : {}), ...(e.line !== undefined ? { line: e.line } : {}) };
    }
    conf.sections[section] = out;
    (conf.where ??= {})[section] = at;
  }
  return conf;
}
