// The real fail2ban-server (Debian's 1.0.2) as an oracle for daemon behaviour: started in the
// foreground on a fail2ban-style config dir with its own socket, pid file and log target, driven
// and read through the real fail2ban-client. The config dir's fail2ban.conf names the database.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "./wait.ts";

export const FAIL2BAN_SERVER = "/usr/bin/fail2ban-server";
export const FAIL2BAN_CLIENT = "/usr/bin/fail2ban-client";

/** Why the real fail2ban cannot run here, or null. */
export function fail2banMissing(): string | null {
  if (!existsSync(FAIL2BAN_SERVER) || !existsSync(FAIL2BAN_CLIENT)) return "fail2ban is not installed (Debian package fail2ban)";
  return null;
}

/** Why the real fail2ban cannot read the journal here (python3-systemd missing), or null. */
export function fail2banJournalMissing(): string | null {
  const r = Bun.spawnSync(["/usr/bin/python3", "-c", "import systemd.journal"], { stderr: "pipe" });
  return r.exitCode === 0 ? null : "python3-systemd is not installed (fail2ban's journal backend needs it)";
}

/**
 * A copy of f2b's test config dir `conf` for fail2ban (under `dir`/fail2ban-conf) with its own
 * database, so both servers can run side by side; `run` is the directory for Fail2banServer.start.
 */
export function fail2banConfCopy(conf: string, dir: string): { conf: string; run: string } {
  const copy = join(dir, "fail2ban-conf");
  const run = join(dir, "fail2ban-run");
  cpSync(conf, copy, { recursive: true });
  mkdirSync(join(copy, "fail2ban.d"), { recursive: true });
  mkdirSync(run, { recursive: true });
  writeFileSync(join(copy, "fail2ban.d", "oracle.local"), `[Definition]\ndbfile = ${join(run, "fail2ban.sqlite3")}\n`);
  return { conf: copy, run };
}

/** `fail2ban-client status JAIL`, parsed. */
export interface Fail2banJailStatus {
  currentlyFailed: number;
  totalFailed: number;
  currentlyBanned: number;
  totalBanned: number;
  bannedIPs: string[];
  /** The raw client output (for messages). */
  text: string;
}

export function parseJailStatus(text: string): Fail2banJailStatus {
  const field = (name: string): string => {
    const m = new RegExp(`${name}:\\t?(.*)$`, "mu").exec(text);
    if (!m) throw new Error(`no "${name}" in fail2ban-client status output:\n${text}`);
    return m[1]!.trim();
  };
  const ips = field("Banned IP list");
  return {
    currentlyFailed: Number(field("Currently failed")),
    totalFailed: Number(field("Total failed")),
    currentlyBanned: Number(field("Currently banned")),
    totalBanned: Number(field("Total banned")),
    bannedIPs: ips === "" ? [] : ips.split(/\s+/u).sort(),
    text,
  };
}

export class Fail2banServer {
  readonly socket: string;
  readonly logFile: string;
  private constructor(
    private readonly proc: ReturnType<typeof Bun.spawn>,
    readonly dir: string,
  ) {
    this.socket = join(dir, "fail2ban.sock");
    this.logFile = join(dir, "fail2ban.log");
  }

  /**
   * Starts fail2ban-server in the foreground on config dir `conf`; `dir` holds its socket, pid
   * file and log (fail2ban.log). Resolves when the server answers ping and every jail runs.
   */
  static async start(conf: string, dir: string, opts: { loglevel?: string } = {}): Promise<Fail2banServer> {
    const socket = join(dir, "fail2ban.sock");
    const argv = [FAIL2BAN_SERVER, "-f", "-x", "-c", conf, "-s", socket, "-p", join(dir, "fail2ban.pid"),
      "--logtarget", join(dir, "fail2ban.log"), "--loglevel", opts.loglevel ?? "INFO"];
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const server = new Fail2banServer(proc, dir);
    try {
      await until(() => server.client("ping").code === 0 || proc.exitCode !== null, "fail2ban-server answers ping", 30_000, 100);
      if (proc.exitCode !== null) throw new Error(`fail2ban-server exited with ${proc.exitCode}: ${await new Response(proc.stderr as ReadableStream).text()}`);
    } catch (e) {
      proc.kill();
      throw e;
    }
    return server;
  }

  /** Runs fail2ban-client on this server's socket. */
  client(...args: string[]): { code: number; out: string } {
    const r = Bun.spawnSync([FAIL2BAN_CLIENT, "-s", this.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
  }

  status(jail: string): Fail2banJailStatus {
    const r = this.client("status", jail);
    if (r.code !== 0) throw new Error(`fail2ban-client status ${jail} failed (${r.code}): ${r.out}`);
    return parseJailStatus(r.out);
  }

  /** The server's log so far. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }

  /** Waits until the log has a line matching `re` (e.g. the Found line of a sentinel address). */
  async waitForLog(re: RegExp, what: string, ms = 30_000): Promise<void> {
    await until(() => re.test(this.log()), `fail2ban: ${what}`, ms, 100);
  }

  /** Stops the server through the client (bans are kept in its database), killing it if it hangs. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.client("stop");
    const exited = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
    if (!exited) {
      this.proc.kill(9);
      await this.proc.exited;
    }
  }
}
