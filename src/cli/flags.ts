// The parsed command-line flags every client command receives, and the command shape.
import type { ApiClient } from "./client.ts";

export interface Flags {
  all: boolean;
  json: boolean;
  withTime: boolean;
  reportAbsent: boolean;
  /** reload/restart options, as fail2ban-client's `--restart`, `--unban`, `--if-exists`. */
  restart: boolean;
  unban: boolean;
  ifExists: boolean;
  /** `banned --why ADDR`: why the address is banned (the same as `show ADDR`). */
  why?: boolean;
  /** `events --since WHEN`, `--kind K,...`, `--limit N`. */
  since?: string;
  kind?: string;
  limit?: string;
}

export type Command = (api: ApiClient, args: string[], flags: Flags) => Promise<string>;
