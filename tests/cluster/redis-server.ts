// Test helper: a real redis-server (or valkey-server) in a network namespace of its own, on TCP
// inside the namespace and on a unix socket the test process itself connects through (it cannot
// enter the namespace). stop()/start() restart it on the same socket and port, with no data kept.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The servers installed here (Debian 12 packages redis-server; valkey-server where available). */
export function redisBinaries(): string[] {
  return ["redis-server", "valkey-server"].filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status === 0);
}

/** Why these tests cannot run here, or null. */
export function redisUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces)";
  if (!redisBinaries().length) return "redis-server is not installed (apt-get install redis-server)";
  return null;
}

const live = new Set<string>();
process.on("exit", () => {
  for (const ns of live) spawnSync("ip", ["netns", "del", ns]);
});

export class RedisServer {
  private proc: ReturnType<typeof Bun.spawn> | null = null;
  readonly socket: string;
  /** For clients in this process. */
  readonly url: string;

  private constructor(
    readonly binary: string,
    readonly ns: string,
    readonly dir: string,
    readonly bind: string,
    readonly port: number,
    private readonly ownNs: boolean,
  ) {
    this.socket = join(dir, "redis.sock");
    this.url = `redis+unix://${this.socket}`;
  }

  /** In `ns` (created, and removed by destroy(), when not given), listening on bind:port there. */
  static async create(binary: string, opts: { ns?: string; bind?: string; port?: number } = {}): Promise<RedisServer> {
    let ns = opts.ns;
    const own = !ns;
    if (!ns) {
      ns = `f2br-${randomBytes(5).toString("hex")}`;
      if (spawnSync("ip", ["netns", "add", ns]).status !== 0) throw new Error(`cannot create namespace ${ns}`);
      live.add(ns);
      spawnSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    const r = new RedisServer(binary, ns, mkdtempSync(join(tmpdir(), "f2b-redis-")), opts.bind ?? "127.0.0.1", opts.port ?? 6379, own);
    await r.start();
    return r;
  }

  /** ACL users, kept across restarts (`ACL LOAD` after rewriting it). */
  get aclfile(): string {
    return join(this.dir, "users.acl");
  }

  async start(): Promise<void> {
    rmSync(this.socket, { force: true });
    if (!existsSync(this.aclfile)) writeFileSync(this.aclfile, "user default on nopass ~* &* +@all\n");
    this.proc = Bun.spawn(
      [
        "ip",
        "netns",
        "exec",
        this.ns,
        this.binary,
        "--port",
        String(this.port),
        "--bind",
        this.bind,
        "--unixsocket",
        this.socket,
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        "--protected-mode",
        "no",
        "--aclfile",
        this.aclfile,
        "--daemonize",
        "no",
        "--logfile",
        join(this.dir, "server.log"),
      ],
      { stdout: "ignore", stderr: "inherit" },
    );
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (existsSync(this.socket) && this.cli(["PING"]).trim() === "PONG") return;
      if (this.proc.exitCode !== null) break;
      await Bun.sleep(20);
    }
    throw new Error(`${this.binary} did not start in ${this.ns}`);
  }

  /** redis-cli over the unix socket; stdout. */
  cli(args: string[]): string {
    return spawnSync("redis-cli", ["-s", this.socket, ...args], { encoding: "utf8" }).stdout;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    p.kill("SIGKILL");
    await p.exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.ownNs) {
      spawnSync("ip", ["netns", "del", this.ns]);
      live.delete(this.ns);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls until `cond` holds (or throws after `ms`, naming `what`). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await Bun.sleep(10);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
