#!/usr/bin/env bun
// f2b command-line entry point: dispatches to the sub-command modules.
import { VERSION } from "../version.ts";

const USAGE = `f2b ${VERSION} — fail2ban-compatible intrusion prevention

usage: f2b [-c DIR] [-s SOCKET] COMMAND [ARGS]

commands:
  regex LOG FILTER        test a filter against a log file or line (like fail2ban-regex)
  version                 print the version
`;

async function main(argv: string[]): Promise<number> {
  const cmd = argv.find((a) => !a.startsWith("-"));
  switch (cmd) {
    case "version":
      console.log(VERSION);
      return 0;
    case undefined:
    case "help":
      process.stdout.write(USAGE);
      return cmd ? 0 : 2;
    default:
      process.stderr.write(`f2b: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
