// `f2b <client command>`: parses the options, finds the socket, runs the command,
// prints its answer; errors go to stderr with exit code 255, like fail2ban-client.
// A bare `start` / `restart` starts / restarts the server itself, as fail2ban-client does.
import { parseArgs } from "node:util";
import { ConfigError } from "../config/errors.ts";
import { findCommand } from "./args.ts";
import { CliError, unixClient, type ApiClient } from "./client.ts";
import { COMMANDS } from "./commands.ts";
import { resolveSocket } from "./socket-path.ts";

export const CLIENT_COMMANDS = Object.keys(COMMANDS);

export const CLIENT_USAGE = `client commands (talk to a running server over its socket, like fail2ban-client):
  start                             start the server (like f2b server; -f stays in the foreground)
  restart                           stop the server and start it again
  stop                              stop the server (every jail stops)
  start JAIL | stop JAIL            start / stop one jail (the server runs on); stop --all: every jail
  restart [--unban] [--if-exists] JAIL
                                    stop the jail completely and start it again
  reload [--restart] [--unban] [--if-exists] [--all|JAIL]
                                    re-read the configuration, keeping bans (--unban lifts them,
                                    --restart restarts the jails completely)
  status [JAIL | --all] [--json]    jails, one jail's failures and bans, or every jail's
  stats [--json]                    per jail: backend, failures and bans (current/total)
  set JAIL banip|unbanip IP...      ban / unban addresses in a jail (unbanip --all, --report-absent)
  set JAIL addignoreip|delignoreip IP
  set JAIL bantime|findtime|maxretry|maxmatches|bantime.* VALUE
                                    change a setting of the running jail (until the next reload)
  get JAIL KEY [--json]             banned, banip [--with-time], maxretry, findtime, bantime,
                                    logpath, ignoreip, bantime.*, ...
  set loglevel LEVEL | get loglevel|logtarget|dbfile|dbpurgeage|dbmaxmatches
  unban IP... | --all               unban in every jail
  banned [IP...] [--json]           current bans (jail, ip, time, remaining, count)
  banned --why ADDR... | show ADDR...
                                    why an address is banned: jail, matched lines, users, failures,
                                    ban count and end, failures counted now, earlier bans
  failing [JAIL] [--json]           addresses with failures not banned yet (failures/maxretry)
  events [JAIL] [--since 1h] [--kind ban,unban,...] [--limit N] [--json]
                                    recent bans, unbans, prolongs, restores, reconciles, reloads, errors
  health [JAIL] [--json]            whether each jail reads its log files / journal, and why not
  ping                              check that the server answers
  flushlogs                         reopen the log file (logrotate)
  metrics                           Prometheus counters
options: -c DIR (config root, to find the socket), -s SOCKET (default /run/f2b/f2b.sock)
`;

const SERVER_WAIT_MS = 30_000; // fail2ban-client's MAX_WAITTIME

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      conf: { type: "string", short: "c" },
      socket: { type: "string", short: "s" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      "with-time": { type: "boolean" },
      "report-absent": { type: "boolean" },
      restart: { type: "boolean" },
      unban: { type: "boolean" },
      "if-exists": { type: "boolean" },
      why: { type: "boolean" },
      since: { type: "string" },
      kind: { type: "string" },
      limit: { type: "string" },
      // passed on to the server by a bare `start` / `restart`
      pidfile: { type: "string", short: "p" },
      foreground: { type: "boolean", short: "f" },
      logtarget: { type: "string" },
      loglevel: { type: "string" },
      dbfile: { type: "string" },
    },
  });
}

async function answers(api: ApiClient): Promise<boolean> {
  try {
    await api.call("GET", "/api/v1/ping");
    return true;
  } catch {
    return false;
  }
}

/** Runs `f2b server` with the same options (the command word taken out). */
async function startServer(argv: string[], api: ApiClient): Promise<number> {
  if (await answers(api)) throw new CliError("f2b: Server already running");
  const at = argv.indexOf(findCommand(argv)!);
  const { runServer } = await import("../server/main.ts");
  return runServer([...argv.slice(0, at), "server", ...argv.slice(at + 1)]);
}

/** Stop (when one answers) and start, as fail2ban-client's `restart`. */
async function restartServer(argv: string[], api: ApiClient): Promise<number> {
  if (await answers(api)) await api.call("POST", "/api/v1/stop");
  const end = Date.now() + SERVER_WAIT_MS;
  while (await answers(api)) {
    if (Date.now() > end) throw new CliError(`f2b: Could not stop server (still answering on ${api.socket})`);
    await Bun.sleep(50);
  }
  return startServer(argv, api);
}

export async function runClient(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`f2b: ${(e as Error).message}\n`);
    return 255;
  }
  const [cmd, ...args] = parsed.positionals;
  const run = cmd === undefined ? undefined : COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`f2b: unknown command '${cmd ?? ""}'\n\n${CLIENT_USAGE}`);
    return 255;
  }
  const v = parsed.values;
  const flags = {
    all: v.all ?? false,
    json: v.json ?? false,
    withTime: v["with-time"] ?? false,
    reportAbsent: v["report-absent"] ?? false,
    restart: v.restart ?? false,
    unban: v.unban ?? false,
    ifExists: v["if-exists"] ?? false,
    why: v.why ?? false,
    ...(v.since !== undefined ? { since: v.since } : {}),
    ...(v.kind !== undefined ? { kind: v.kind } : {}),
    ...(v.limit !== undefined ? { limit: v.limit } : {}),
  };
  try {
    const api = unixClient(resolveSocket({ socket: v.socket, conf: v.conf }));
    const bare = args.length === 0 && !flags.all && !flags.restart && !flags.unban && !flags.ifExists;
    if (cmd === "start" && bare) return await startServer(argv, api);
    if (cmd === "restart" && bare) return await restartServer(argv, api);
    const out = await run(api, args, flags);
    process.stdout.write(out + "\n"); // fail2ban-client prints a line even for an empty answer
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(e.message + "\n");
      return e.exitCode;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`f2b: ${e.message}\n`);
      return 255;
    }
    throw e;
  }
}
