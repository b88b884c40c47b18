// `f2b <client command>`: parses the options, finds the socket, runs the command,
// prints its answer; errors go to stderr with a non-zero exit code (255 like fail2ban-client,
// 2 for usage errors).
import { parseArgs } from "node:util";
import { ConfigError } from "../config/errors.ts";
import { CliError, unixClient } from "./client.ts";
import { COMMANDS } from "./commands.ts";
import { resolveSocket } from "./socket-path.ts";

export const CLIENT_COMMANDS = Object.keys(COMMANDS);

export const CLIENT_USAGE = `client commands (talk to a running server over its socket):
  status [JAIL | --all] [--json]    jails, one jail's failures and bans, or every jail's
  stats [--json]                    per jail: backend, failures and bans (current/total)
  set JAIL banip|unbanip IP...      ban / unban addresses in a jail (unbanip --all)
  set JAIL addignoreip|delignoreip IP
  get JAIL KEY [--json]             banned, banip [--with-time], maxretry, findtime, bantime,
                                    logpath, ignoreip, ...
  unban IP... | --all               unban in every jail
  banned [IP...] [--json]           current bans (jail, ip, time, remaining, count)
  reload [JAIL]                     reload the configuration, keeping bans
  stop                              stop the server
  ping                              check that the server answers
  flushlogs                         reopen the log file (logrotate)
  metrics                           Prometheus counters
options: -c DIR (config root, to find the socket), -s SOCKET (default /run/f2b/f2b.sock)
`;

export async function runClient(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
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
      },
    });
  } catch (e) {
    process.stderr.write(`f2b: ${(e as Error).message}\n`);
    return 2;
  }
  const [cmd, ...args] = parsed.positionals;
  const run = cmd === undefined ? undefined : COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`f2b: unknown command '${cmd ?? ""}'\n\n${CLIENT_USAGE}`);
    return 2;
  }
  const v = parsed.values;
  try {
    const socket = resolveSocket({ socket: v.socket, conf: v.conf });
    const out = await run(unixClient(socket), args, {
      all: v.all ?? false,
      json: v.json ?? false,
      withTime: v["with-time"] ?? false,
      reportAbsent: v["report-absent"] ?? false,
    });
    if (out !== "") process.stdout.write(out + "\n");
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
