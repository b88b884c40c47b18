#!/usr/bin/env bun
// f2b command-line entry point: dispatches to the sub-command modules.
import { VERSION } from "../version.ts";
import { findCommand } from "./args.ts";
import { CLIENT_COMMANDS, CLIENT_USAGE, runClient } from "./run.ts";

const USAGE = `f2b ${VERSION} — fail2ban-compatible intrusion prevention

usage: f2b [-c DIR] [-s SOCKET] COMMAND [ARGS]
       f2b -h | --help | -V | --version

commands:
  server                  run the daemon (all jails) in the foreground
  regex LOG FILTER        test a filter against a log file or line (like fail2ban-regex)
  dump-config DIR         write the embedded default configuration into DIR
  version                 print the version

${CLIENT_USAGE}`;

/** The server is loaded only when asked for, so client commands start fast. */
async function runServerCommand(argv: string[]): Promise<number> {
  const { runServer } = await import("../server/main.ts");
  return runServer(argv);
}

async function main(argv: string[]): Promise<number> {
  const cmd = findCommand(argv);
  // Options before the command word, as fail2ban-client reads them (getopt stops at the command).
  const before = cmd === undefined ? argv : argv.slice(0, argv.indexOf(cmd));
  if (before.includes("-h") || before.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (before.includes("-V")) {
    console.log(VERSION); // fail2ban-client -V: the short, machine-readable form
    return 0;
  }
  if (before.includes("--version")) {
    console.log(`f2b v${VERSION}`);
    return 0;
  }
  // `f2b -t` (fail2ban-client -t): check the configuration and exit.
  if (cmd === undefined && (argv.includes("-t") || argv.includes("--test"))) return runServerCommand(argv);
  if (cmd !== undefined && CLIENT_COMMANDS.includes(cmd)) return runClient(argv);
  switch (cmd) {
    case "server":
      return runServerCommand(argv);
    case "regex": {
      const { runRegex } = await import("./regex.ts");
      const at = argv.indexOf("regex");
      return runRegex([...argv.slice(0, at), ...argv.slice(at + 1)]);
    }
    case "dump-config": {
      const { dumpConfig } = await import("./dump-config.ts");
      return dumpConfig(argv);
    }
    case "version":
      console.log(VERSION);
      return 0;
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case undefined: // fail2ban-client without a command: the usage, and failure
      process.stdout.write(USAGE);
      return 255;
    default:
      process.stderr.write(`f2b: unknown command '${cmd}'\n\n${USAGE}`);
      return 255;
  }
}

process.exitCode = await main(process.argv.slice(2));
