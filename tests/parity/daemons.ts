// The two daemons behind one interface: fail2ban-server (the oracle) and the compiled f2b, each
// with its own socket, pidfile, database and log target inside the batch directory.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, unixClient } from "../../src/cli/client.ts";
import { COMMANDS } from "../../src/cli/commands.ts";
import { Fail2banServer, serverLayout, type ClientResult, type Oracle } from "../helpers/fail2ban-server.ts";

export const F2B_BIN = join(import.meta.dir, "../../dist/f2b");

export type DaemonName = "fail2ban" | "f2b";

export interface Running {
  /** A client command (fail2ban-client's words); `out` is what the client prints. */
  cmd(args: string[]): Promise<ClientResult>;
  logText(): string;
  /** A clean stop (bans saved in its database for the next start). */
  stop(): Promise<void>;
  /** Ends it when nothing reads its database afterwards (the end of a batch). fail2ban 1.1.1
   * needs ~1 s per polling jail to stop (each log path is removed under the poller's lock, one
   * jail after another), minutes per suite that decide nothing. */
  end(): Promise<void>;
}

export interface Daemon {
  name: DaemonName;
  /** For messages: "fail2ban 1.1.1", "f2b". */
  label: string;
  /** How long the jail state must stay unchanged to count as settled: fail2ban's actions thread
   * looks for ban tickets at most 0.8 s apart (Utils.wait_for's backoff inside its 2 s loop);
   * f2b bans in the same task as the failure. */
  settleMs: number;
  start(dir: string, tz: string): Promise<Running>;
}

/** fail2ban-server of one oracle version; every version uses the batch's "fail2ban" layout
 * (the batch runner moves one version's database and log aside before the next runs). */
export function fail2banDaemon(o: Oracle): Daemon {
  return {
    name: "fail2ban",
    label: `fail2ban ${o.version}`,
    settleMs: 1500,
    async start(dir, tz) {
      // the batch's config (prepareBatch) names this layout's files
      const server = await Fail2banServer.start(serverLayout(dir, "fail2ban"), { env: { TZ: tz }, oracle: o });
      return { cmd: (a) => server.cmd(a), logText: () => server.logText(), stop: () => server.stop(), end: () => server.abort() };
    },
  };
}

/** `f2b -s SOCK ARGS` run in this process with the CLI's own command code (what the binary
 * prints; spawning the 100 MB binary per poll would cost more than the daemons under test). */
async function f2bCli(socket: string, argv: string[]): Promise<ClientResult> {
  const [cmd, ...rest] = argv;
  const flags = {
    all: rest.includes("--all"),
    json: false,
    withTime: rest.includes("--with-time"),
    reportAbsent: rest.includes("--report-absent"),
    restart: rest.includes("--restart"),
    unban: rest.includes("--unban"),
    ifExists: rest.includes("--if-exists"),
  };
  try {
    const out = await COMMANDS[cmd!]!(
      unixClient(socket),
      rest.filter((a) => !a.startsWith("--")),
      flags,
    );
    return { code: 0, out };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, out: e.message };
    throw e;
  }
}

export const f2bDaemon: Daemon = {
  name: "f2b",
  label: "f2b",
  settleMs: 500,
  async start(dir, tz) {
    const p = serverLayout(dir, "f2b");
    const args = ["server", "-f", "-c", p.conf, "-s", p.socket, "-p", p.pidfile, "--logtarget", p.logtarget, "--dbfile", p.db];
    const proc = Bun.spawn([F2B_BIN, ...args], { stdout: "ignore", stderr: "pipe", env: { ...process.env, TZ: tz } });
    const stderr = new Response(proc.stderr).text(); // drained from the start: a full pipe would block the daemon
    const logText = (): string => (existsSync(p.logtarget) ? readFileSync(p.logtarget, "utf8") : "");
    const end = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`f2b server exited with ${proc.exitCode}: ${await stderr}\n${logText()}`);
      if (existsSync(p.socket) && (await f2bCli(p.socket, ["ping"])).code === 0) break;
      if (Date.now() > end) {
        proc.kill("SIGKILL");
        throw new Error(`f2b server did not answer within 20 s\n${logText()}`);
      }
      await Bun.sleep(30);
    }
    const stop = async (): Promise<void> => {
      if (proc.exitCode !== null) return;
      await f2bCli(p.socket, ["stop"]);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await proc.exited;
      clearTimeout(timer);
    };
    // f2b stops in well under a second: a clean stop at the end too
    return { cmd: (a) => f2bCli(p.socket, a), logText, stop, end: stop };
  },
};
