// `f2b server`: loads the config root, starts the jails and the control API, handles signals
// (TERM/INT stop, HUP reload, USR1 reopens the log file) and, without -f, daemonizes.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { serveApi, socketAnswers, type ApiServer } from "../api/serve.ts";
import { ConfigError } from "../config/errors.ts";
import { loadFail2banConf, type Fail2banConf } from "../config/fail2ban-conf.ts";
import { diskFS, embeddedFS, type ConfigFS } from "../config/fs.ts";
import { Filter } from "../filter/filter.ts";
import { describeExponential, exponentialRegexes } from "../filter/backtrack-check.ts";
import { locatePattern } from "../cli/regex-load.ts";
import { createSystemDeps, type SystemDeps } from "../system/deps.ts";
import { VERSION } from "../version.ts";
import { clusterConfig } from "../cluster/config.ts";
import { tcpApiConfig } from "./api-config.ts";
import { ActionFactory } from "./build-actions.ts";
import { ServerController } from "./controller.ts";
import { getLog, setupLogging } from "./log.ts";
import { discardLog } from "../system/log.ts";
import { F2bServer } from "./server.ts";
import { filterOptions, type JailSettings } from "./settings.ts";
import { checkSources } from "./source-check.ts";

const USAGE = `usage: f2b server [-c DIR] [-s SOCKET] [-p PIDFILE] [-f] [-t] [--logtarget T] [--loglevel L] [--dbfile F]
  -c DIR        config root (a fail2ban tree such as /etc/fail2ban works unchanged);
                default /etc/f2b when it exists, else f2b's embedded defaults
  -f            stay in the foreground (default: daemonize)
  -t, --test    check the configuration and exit
`;

/** The config root: -c DIR, else /etc/f2b, else the embedded defaults. */
export function configRoot(dir: string | undefined): ConfigFS {
  if (dir) {
    if (!existsSync(dir)) throw new ConfigError(`config directory ${dir} does not exist`);
    return diskFS(dir);
  }
  return existsSync("/etc/f2b/jail.conf") ? diskFS("/etc/f2b") : embeddedFS();
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv.filter((a) => a !== "server"),
    options: {
      conf: { type: "string", short: "c" },
      socket: { type: "string", short: "s" },
      pidfile: { type: "string", short: "p" },
      foreground: { type: "boolean", short: "f" },
      test: { type: "boolean", short: "t" },
      logtarget: { type: "string" },
      loglevel: { type: "string" },
      dbfile: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  }).values;
}

/** Checks the whole configuration (fail2ban.conf + every enabled jail, filters and actions). */
export function testConfig(
  fs: ConfigFS,
  system: SystemDeps,
): {
  conf: Fail2banConf;
  settings: JailSettings[];
  /** Each jail's filter as compiled here, by jail name: the server starts with them (compiled once). */
  filters: Map<string, Filter>;
  skipped: string[];
  regexWarnings: string[];
} {
  const conf = loadFail2banConf(fs);
  tcpApiConfig(conf);
  clusterConfig(conf);
  const skipped: string[] = [];
  const settings = F2bServer.loadSettings(fs, undefined, (why) => skipped.push(why));
  // Compiling each filter checks every regex and the datepattern, as starting the jail would.
  const regexWarnings: string[] = [];
  const checked = new Set<string>();
  const filters = new Map<string, Filter>();
  for (const s of settings) {
    let filter: Filter;
    try {
      // its warnings are logged by the jail when it starts, not by the check
      filter = new Filter(s.filter, { now: () => system.clock.now(), dns: system.resolver, log: discardLog }, filterOptions(s));
    } catch (e) {
      throw new ConfigError(`jail [${s.name}] (${s.where}): filter '${s.filter.name}': ${(e as Error).message}`);
    }
    filters.set(s.name, filter);
    for (const x of exponentialRegexes(filter)) {
      const at = s.filter.where?.[x.kind];
      const file = at?.file ?? s.filter.file;
      const located = locatePattern(file, x.pattern);
      const where = located !== file ? located : at?.line ? `${file}:${at.line}` : file;
      const w = `${where}: filter '${s.filter.name}' (jail [${s.name}]): ${describeExponential(x)}`;
      if (!checked.has(w)) regexWarnings.push(w);
      checked.add(w);
    }
  }
  new ActionFactory({ system, dryRun: true }).check(settings);
  return { conf, settings, filters, skipped, regexWarnings };
}

/**
 * `-t`: a logpath that is a FIFO, directory or device fails the test; a jail with nothing to read
 * yet is a warning (the server starts it and it waits for its file; fail2ban refuses to start).
 */
function reportSources(settings: JailSettings[]): boolean {
  const { errors, warnings } = checkSources(settings);
  for (const w of warnings) process.stderr.write(`WARNING: ${w}\n`);
  for (const e of errors) process.stderr.write(`ERROR: ${e}\n`);
  return errors.length === 0;
}

async function daemonize(argv: string[], socket: string): Promise<number> {
  const compiled = !/\bbun(\.exe)?$/u.test(process.execPath);
  const cmd = compiled ? [...argv, "-f"] : [process.argv[1]!, ...argv, "-f"];
  const child = spawn(process.execPath, cmd, { detached: true, stdio: "ignore", env: { ...process.env, F2B_DAEMON: "1" } });
  child.unref();
  for (let i = 0; i < 100; i++) {
    await Bun.sleep(100);
    if (child.exitCode !== null) {
      process.stderr.write(`f2b server exited with code ${child.exitCode} while starting (see its log)\n`);
      return 1;
    }
    // A stale socket file of a server that died is there before the child replaces it.
    if (existsSync(socket) && (await socketAnswers(socket))) return 0;
  }
  process.stderr.write(`f2b server did not open ${socket} within 10 s (see its log)\n`);
  return 1;
}

export async function runServer(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parse(argv);
  } catch (e) {
    process.stderr.write(`f2b server: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let fs: ConfigFS;
  let conf: Fail2banConf;
  let settings: JailSettings[];
  let skipped: string[];
  let filters: Map<string, Filter>;
  const system = createSystemDeps({ logger: getLog });
  try {
    fs = configRoot(opts.conf);
    if (opts.test) {
      const { settings: checked, skipped, regexWarnings } = testConfig(fs, system);
      // Like fail2ban, options nothing reads do not fail the test; unlike it, they are shown.
      for (const w of [...checked.flatMap((s) => s.warnings), ...skipped]) process.stderr.write(`WARNING: ${w}\n`);
      for (const w of regexWarnings) process.stderr.write(`WARNING: ${w}\n`);
      if (!reportSources(checked)) return 2;
      const jails = checked.map((s) => s.name);
      console.log(`OK: configuration test is successful (${fs.label}; jails: ${jails.join(", ") || "none"})`);
      return 0;
    }
    ({ conf, settings, skipped, filters } = testConfig(fs, system)); // refuse to start on a broken config, before daemonizing
  } catch (e) {
    process.stderr.write(`ERROR: ${(e as Error).message}\n`);
    return 2;
  }
  conf.socket = opts.socket ?? conf.socket;
  conf.pidfile = opts.pidfile ?? conf.pidfile;
  conf.dbfile = opts.dbfile ?? conf.dbfile;
  conf.logtarget = opts.logtarget ?? conf.logtarget;
  conf.loglevel = opts.loglevel ?? conf.loglevel;
  if (!opts.foreground) {
    // Else the daemon's own refusal would go unseen: the parent would take the other server's answer for its child's.
    if (await socketAnswers(conf.socket)) {
      process.stderr.write(`f2b server: another server (f2b or fail2ban) is answering on ${conf.socket}; stop it first\n`);
      return 1;
    }
    return daemonize(argv, conf.socket);
  }
  return runForeground(fs, conf, settings, skipped, system, filters);
}

/** " (DIR is not writable: why)" for the first state directory f2b cannot write, else "". */
function unwritableHint(paths: string[]): string {
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      accessSync(dir, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EROFS" && code !== "EACCES" && code !== "EPERM") continue; // missing or not a directory: the error itself says so
      const sandbox = process.env["INVOCATION_ID"] ? "; under systemd, the unit's ReadWritePaths= must include it" : "";
      return ` (${dir} is not writable: ${code === "EROFS" ? "read-only file system" : code}${sandbox})`;
    }
  }
  return "";
}

async function runForeground(
  fs: ConfigFS,
  conf: Fail2banConf,
  settings: JailSettings[],
  skipped: string[],
  system: SystemDeps,
  filters: Map<string, Filter>,
): Promise<number> {
  const logHandle = setupLogging({ target: conf.logtarget, level: conf.loglevel });
  const log = getLog("server");
  log.info(`Starting f2b v${VERSION} (fail2ban-compatible) with config ${fs.label}`);
  for (const why of skipped) log.warning(why);
  let server: F2bServer | undefined;
  let api: ApiServer | null = null;
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  let stopping = false;
  let pidfileWritten = false;
  // Each step on its own: a step that fails (e.g. a pidfile on a read-only file system) must not
  // keep the others from running, nor the process from exiting (issue 12: it spun instead).
  const step = async (what: string, fn: () => unknown): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      log.error(`${what}: ${(e as Error).message}`);
    }
  };
  const shutdown = (code = 0): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      log.info("Shutdown in progress...");
      await step("stopping the API", () => api?.stop());
      await step("stop", () => server?.stop());
      if (pidfileWritten) await step("removing the pidfile", () => rmSync(conf.pidfile, { force: true }));
      log.info("Exiting f2b");
      await step("closing the log", () => logHandle.close());
    })().finally(() => done(code));
  };
  // An error nothing caught leaves the daemon in an unknown state: it says why and exits (systemd
  // restarts it; the bans come back from the database) rather than running on half-broken.
  const fatal = (e: unknown): void => {
    const msg = `unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    log.critical(msg);
    process.stderr.write(`f2b server: ${msg}\n`);
    if (stopping) process.exit(1); // it was the shutdown that failed: nothing more to clean up
    shutdown(1);
  };
  process.on("unhandledRejection", fatal);
  process.on("uncaughtException", fatal);
  try {
    // Before the database and the firewall: with fail2ban's config (-c /etc/fail2ban), a fail2ban
    // still running answers here, and the two must not share its database and chains.
    if (await socketAnswers(conf.socket)) {
      throw new Error(`another server (f2b or fail2ban) is answering on ${conf.socket}; stop it first (f2b stop, or systemctl disable --now fail2ban)`);
    }
    for (const p of [conf.dbfile, conf.pidfile]) mkdirSync(dirname(p), { recursive: true });
    server = new F2bServer({ fs, conf, system, actions: new ActionFactory({ system }) });
    writeFileSync(conf.pidfile, `${process.pid}\n`);
    pidfileWritten = true;
    await server.start(settings, filters);
    let levelText = String(conf.loglevel).trim().toUpperCase(); // printed as set, like fail2ban
    const controller = new ServerController(server, system.clock, {
      shutdown: () => shutdown(0),
      flushLogs: () => logHandle.flush(),
      logLevel: () => levelText,
      setLogLevel: (level) => {
        logHandle.setLevel(level);
        levelText = level.trim().toUpperCase();
      },
    });
    api = await serveApi({ controller, socketPath: conf.socket, tcp: tcpApiConfig(conf), log });
    if (api.tcpUrl) log.info(`Status endpoint on ${api.tcpUrl} (token required)`);
  } catch (e) {
    const why = `${(e as Error).message}${unwritableHint([conf.dbfile, conf.pidfile, conf.socket])}`;
    log.critical(`Server failed to start: ${why}`);
    process.stderr.write(`f2b server: ${why}\n`);
    shutdown(1);
    return finished;
  }
  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => shutdown(0));
  process.on("SIGHUP", () => {
    server.reload().catch(() => {}); // the reload logs its own error and keeps the old config
  });
  log.info(`f2b server ready: ${server.jails.size} jail(s), socket ${conf.socket}`);
  // Loudly, also on stderr (the journal under systemd, whatever the log target): unprotected.
  for (const [name, j] of server.jails) {
    for (const p of j.effector.problems()) {
      log.error(`Jail '${name}' is UNHEALTHY, it cannot ban: ${p}`);
      process.stderr.write(`f2b server: ERROR: jail '${name}' is UNHEALTHY, it cannot ban: ${p}\n`);
    }
  }
  // Startup garbage (config parsing, filter compilation) goes now rather than when Bun's idle GC
  // gets to it: ~0.7 MiB less anonymous RSS for an idle daemon with 5 jails.
  Bun.gc(true);
  return finished;
}
