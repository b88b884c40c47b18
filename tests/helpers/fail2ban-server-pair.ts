// The real fail2ban-server (Debian's 1.0.2) as an oracle: a copy of /etc/fail2ban in a temp dir
// (its jail.d emptied) whose fail2ban.local points socket, pidfile, dbfile and logtarget into
// that dir, plus the test's jail.local. The same root layout starts an f2b server.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FAIL2BAN_SERVER = "/usr/bin/fail2ban-server";
export const FAIL2BAN_CLIENT = "/usr/bin/fail2ban-client";
const SYSTEM_CONF = "/etc/fail2ban";

/** Why the oracle cannot run here, or null when it can. */
export function fail2banMissing(): string | null {
  for (const p of [FAIL2BAN_SERVER, FAIL2BAN_CLIENT, join(SYSTEM_CONF, "jail.conf")]) {
    if (!existsSync(p)) return `${p} is missing (Debian's fail2ban package is the oracle)`;
  }
  return null;
}

export interface ServerRoot {
  dir: string;
  conf: string;
  socket: string;
  pidfile: string;
  db: string;
  log: string;
  /** Rewrites jail.local (e.g. to break the config before a reload). */
  writeJailLocal(text: string): void;
}

/** A fail2ban config root in `dir`: /etc/fail2ban without its jail.d files, `jailLocal` as jail.local. */
export function serverRoot(dir: string, jailLocal: string, loglevel = "INFO"): ServerRoot {
  const conf = join(dir, "conf");
  mkdirSync(dir, { recursive: true });
  cpSync(SYSTEM_CONF, conf, { recursive: true });
  for (const f of readdirSync(join(conf, "jail.d"))) rmSync(join(conf, "jail.d", f));
  const root: ServerRoot = {
    dir,
    conf,
    socket: join(dir, "server.sock"),
    pidfile: join(dir, "server.pid"),
    db: join(dir, "server.sqlite3"),
    log: join(dir, "server.log"),
    writeJailLocal: (text) => writeFileSync(join(conf, "jail.local"), text),
  };
  writeFileSync(
    join(conf, "fail2ban.local"),
    `[Definition]\nloglevel = ${loglevel}\nlogtarget = ${root.log}\nsocket = ${root.socket}\npidfile = ${root.pidfile}\ndbfile = ${root.db}\n`,
  );
  root.writeJailLocal(jailLocal);
  return root;
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

export async function run(cmd: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** A server process in the foreground (so the test owns its pid) and its client. */
export class ServerProcess {
  private constructor(
    private readonly proc: ReturnType<typeof Bun.spawn>,
    readonly root: ServerRoot,
    private readonly clientCmd: string[],
  ) {}

  /** Starts `serverCmd` and waits (bounded) until `clientCmd ping` answers. */
  static async start(serverCmd: string[], clientCmd: string[], root: ServerRoot, what: string): Promise<ServerProcess> {
    // Not piped: a full pipe would stall the server; its log file says what went wrong.
    const proc = Bun.spawn(serverCmd, { stdout: "ignore", stderr: "ignore" });
    const s = new ServerProcess(proc, root, clientCmd);
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}:\n${s.logText()}`);
      if ((await s.client(["ping"])).code === 0) return s;
      await Bun.sleep(100);
    }
    proc.kill();
    throw new Error(`${what} did not answer within 30 s:\n${s.logText()}`);
  }

  logText(): string {
    try {
      return readFileSync(this.root.log, "utf8");
    } catch {
      return "(no log)";
    }
  }

  client(args: string[]): Promise<RunResult> {
    return run([...this.clientCmd, ...args], { TZ: "UTC" });
  }

  /** Ends the process if a `stop` command did not; waits for it. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGTERM");
    await this.proc.exited;
  }

  exited(): Promise<number> {
    return this.proc.exited;
  }
}

/** fail2ban-server 1.0.2 on `root` (-x: a stale socket of an earlier run is removed). */
export function startFail2ban(root: ServerRoot): Promise<ServerProcess> {
  return ServerProcess.start(
    [FAIL2BAN_SERVER, "-c", root.conf, "-f", "-x"],
    [FAIL2BAN_CLIENT, "-c", root.conf],
    root,
    "fail2ban-server",
  );
}
