// The real fail2ban-server (Debian's 1.0.2 package) as a test oracle: a config dir copied from
// /etc/fail2ban, the server in the foreground with its own socket, pidfile and log target, and a
// client that speaks fail2ban's socket protocol with fail2ban's own Python classes (CSocket +
// Beautifier, exactly what fail2ban-client prints) through one long-lived Python process, because
// starting fail2ban-client per poll costs ~0.1 s.
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { spawn, type ChildProcess } from "node:child_process";

export const FAIL2BAN_SERVER = "/usr/bin/fail2ban-server";
/** The interpreter fail2ban is installed for (a python3 earlier in PATH, e.g. pyenv's, lacks it). */
const PYTHON = "/usr/bin/python3";
const ETC = "/etc/fail2ban";

/** Why the oracle cannot run here, or undefined when it can. */
export function fail2banMissing(): string | undefined {
  if (!existsSync(FAIL2BAN_SERVER)) return `${FAIL2BAN_SERVER} is not installed (apt-get install fail2ban)`;
  if (!existsSync(join(ETC, "jail.conf"))) return `${ETC}/jail.conf is missing`;
  if (!existsSync(PYTHON)) return `${PYTHON} (fail2ban's interpreter) is missing`;
  return undefined;
}

/** Copies the parts of /etc/fail2ban a jail.local needs (not jail.d: Debian's enables sshd there). */
export function copyFail2banConfig(dest: string): void {
  for (const f of ["fail2ban.conf", "jail.conf", "paths-common.conf", "paths-debian.conf", "filter.d", "action.d"]) {
    cpSync(join(ETC, f), join(dest, f), { recursive: true });
  }
}

export interface ClientResult {
  /** 0 like fail2ban-client on success, 255 on an error answer or a socket error. */
  code: number;
  /** What fail2ban-client prints on stdout (the beautified answer or error). */
  out: string;
}

const BRIDGE = `
import sys, json
from fail2ban.client.csocket import CSocket
from fail2ban.client.beautifier import Beautifier
for line in sys.stdin:
    req = json.loads(line)
    b = Beautifier()
    b.setInputCmd(req["args"])
    try:
        s = CSocket(req["sock"], timeout=30)
        try:
            ret = s.send(req["args"])
        finally:
            s.close()
        out = {"code": 0, "out": b.beautify(ret[1])} if ret[0] == 0 else {"code": 255, "out": b.beautifyError(ret[1])}
    except Exception as e:
        out = {"code": 255, "out": "socket error: %r" % (e,)}
    sys.stdout.write(json.dumps(out) + "\\n")
    sys.stdout.flush()
`;

/** One Python process answering fail2ban commands for any socket, one request at a time. */
export class Fail2banClient {
  private readonly proc: ChildProcess;
  private readonly waiting: ((r: ClientResult) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private dead?: string;

  constructor() {
    this.proc = spawn(PYTHON, ["-u", "-c", BRIDGE], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: this.proc.stdout! }).on("line", (l) => this.waiting.shift()?.(JSON.parse(l) as ClientResult));
    this.proc.on("exit", (code) => {
      this.dead = `the fail2ban client bridge (${PYTHON}) exited with ${code}: ${stderr}`;
      for (const w of this.waiting.splice(0)) w({ code: 255, out: this.dead });
    });
  }

  /** `fail2ban-client -s SOCK ARGS...`, with fail2ban-client's stdout text (no trailing newline). */
  send(sock: string, args: string[]): Promise<ClientResult> {
    const run = (): Promise<ClientResult> =>
      new Promise((resolve, reject) => {
        if (this.dead) return reject(new Error(this.dead));
        this.waiting.push(resolve);
        this.proc.stdin!.write(JSON.stringify({ sock, args }) + "\n");
      });
    const p = this.queue.then(run);
    this.queue = p.catch(() => {});
    return p;
  }

  close(): void {
    this.proc.stdin!.end();
  }
}

export interface Fail2banPaths {
  conf: string;
  socket: string;
  pidfile: string;
  logtarget: string;
}

/** `fail2ban-server -f -x` on a config dir; ready once it answers ping. */
export class Fail2banServer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly paths: Fail2banPaths,
    private readonly client: Fail2banClient,
  ) {}

  static async start(paths: Fail2banPaths, client: Fail2banClient, env: Record<string, string> = {}): Promise<Fail2banServer> {
    const args = ["-f", "-x", "-s", paths.socket, "-p", paths.pidfile, "--logtarget", paths.logtarget, "-c", paths.conf];
    const proc = spawn(FAIL2BAN_SERVER, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const server = new Fail2banServer(proc, paths, client);
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) throw new Error(`fail2ban-server exited with ${proc.exitCode}: ${stderr}\n${server.logText()}`);
      if (existsSync(paths.socket) && (await client.send(paths.socket, ["ping"])).code === 0) return server;
      await Bun.sleep(30);
    }
    proc.kill("SIGKILL");
    throw new Error(`fail2ban-server did not answer within 20 s: ${stderr}\n${server.logText()}`);
  }

  cmd(args: string[]): Promise<ClientResult> {
    return this.client.send(this.paths.socket, args);
  }

  logText(): string {
    try {
      return readFileSync(this.paths.logtarget, "utf8");
    } catch {
      return "";
    }
  }

  /** `stop` through the socket (the database is closed cleanly), SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
    await this.cmd(["stop"]);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
