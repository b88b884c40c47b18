// The real fail2ban-server as a test oracle, and the one way tests start a server process.
// `oracle(version)` says where a fail2ban version lives (Debian 12's installed 1.0.2, upstream's 1.1.1
// unpacked by .ci/fetch-oracle), `oracles(what)` gives the ones a test can run against (a missing one
// is skipped with the reason, or fails when $F2B_REQUIRE_ORACLES names it); `fail2banConf` lays out a config dir with
// the server's own socket, pid file, database and log target; `Fail2banServer` runs the server in
// the foreground and talks to it through fail2ban's own Python classes in one long-lived process
// (CSocket + Beautifier: exactly what fail2ban-client prints, without ~0.1 s of start-up per poll)
// or through the real fail2ban-client (when its exact output is under test).
// Every server runs in its own process group; stop/kill end the group, and process exit (or a
// SIGKILL of the test runner, via the parent-death signal) ends any still running.
import { test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { until } from "./wait.ts";

/** Debian 12's interpreter: both versions run on it (a python3 earlier in PATH, e.g. pyenv's, lacks fail2ban). */
export const PYTHON = "/usr/bin/python3";

/** Where one fail2ban version lives. */
export interface Oracle {
  version: OracleVersion;
  /** The interpreter fail2ban runs on. */
  python: string;
  /** Extra PYTHONPATH for a version unpacked privately; undefined: `python` finds it itself. */
  pythonPath?: string;
  /** Environment for `python` (and fail2ban's programs) so `import fail2ban` loads this version. */
  env: Record<string, string>;
  /** The directory holding the `fail2ban` package. */
  lib: string;
  server: string;
  client: string;
  regex: string;
  /** Its stock configuration (jail.conf, filter.d, action.d, paths-*.conf). */
  etc: string;
  /** fail2ban/tests/files/logs: the sample logs of the stock filters. */
  logs: string;
  /** fail2ban/tests/config: the test-only configuration (zzz-* filters). */
  testConfig: string;
}

/** 1.1.1 is upstream's release from Debian unstable's .deb, unpacked (never installed) by
 *  .ci/fetch-oracle under $F2B_ORACLE_DIR (default /opt/f2b-oracle). */
const ORACLE_DIR = process.env["F2B_ORACLE_DIR"] || "/opt/f2b-oracle";

function installedAt(version: string, root: string, etc: string): Oracle {
  const lib = join(root, "usr/lib/python3/dist-packages");
  const pythonPath = root === "/" ? undefined : lib;
  return {
    version: version as OracleVersion,
    python: PYTHON,
    ...(pythonPath ? { pythonPath } : {}),
    env: pythonPath ? { PYTHONPATH: pythonPath } : {},
    lib,
    server: join(root, "usr/bin/fail2ban-server"),
    client: join(root, "usr/bin/fail2ban-client"),
    regex: join(root, "usr/bin/fail2ban-regex"),
    etc,
    logs: join(lib, "fail2ban/tests/files/logs"),
    testConfig: join(lib, "fail2ban/tests/config"),
  };
}

const ORACLES = {
  "1.0.2": installedAt("1.0.2", "/", "/etc/fail2ban"),
  "1.1.1": installedAt("1.1.1", join(ORACLE_DIR, "fail2ban-1.1.1"), join(ORACLE_DIR, "fail2ban-1.1.1/etc/fail2ban")),
};

export type OracleVersion = "1.0.2" | "1.1.1";
export const ORACLE_VERSIONS = Object.keys(ORACLES) as OracleVersion[];

/** Where `version` lives (Debian 12's package for 1.0.2, the unpacked .deb for 1.1.1). */
export function oracle(version: OracleVersion = "1.0.2"): Oracle {
  return ORACLES[version];
}

const missing = new Map<OracleVersion, string | null>();

/** Why the oracle cannot run here, or null (checked once per version: it runs Python). */
export function fail2banMissing(o: Oracle = oracle()): string | null {
  const hit = missing.get(o.version);
  if (hit !== undefined) return hit;
  let why: string | null = null;
  const hint = o.version === "1.0.2" ? "Debian's package fail2ban" : `run .ci/fetch-oracle to unpack it into ${ORACLE_DIR}`;
  for (const p of [o.python, o.server, o.client, o.regex, join(o.lib, "fail2ban"), join(o.etc, "jail.conf")]) {
    if (!existsSync(p)) {
      why = `${p} is missing (fail2ban ${o.version} is an oracle; ${hint})`;
      break;
    }
  }
  if (why === null) {
    const run = Bun.spawnSync([o.python, o.regex, "--version"], { env: { ...process.env, ...o.env } });
    const reported = run.stdout.toString().trim().split("\n")[0] ?? "";
    if (!reported.endsWith(` ${o.version}`)) why = `fail2ban ${o.version} (${o.regex}) does not run: ${reported || run.stderr.toString().trim().slice(-300)}`;
  }
  missing.set(o.version, why);
  return why;
}

/** Whether CI ($F2B_REQUIRE_ORACLES, set by .ci/run) requires that version. */
function required(version: OracleVersion): boolean {
  return (process.env["F2B_REQUIRE_ORACLES"] ?? "").split(/[\s,]+/u).includes(version);
}

/**
 * The usable oracles among `versions` (default: all), for tests that run against each. For each
 * missing one, prints `${what}: skipped for fail2ban X: reason`, or, when CI requires it, registers
 * a failing test with that reason, so CI never passes without it.
 */
export function oracles(what: string, versions: readonly OracleVersion[] = ORACLE_VERSIONS): Oracle[] {
  const out: Oracle[] = [];
  for (const v of versions) {
    const o = oracle(v);
    const why = fail2banMissing(o);
    if (why === null) out.push(o);
    else if (required(v))
      test(`${what}: oracle fail2ban ${v} is present`, () => {
        throw new Error(why);
      });
    else console.warn(`${what}: skipped for fail2ban ${v}: ${why}`);
  }
  return out;
}

/** Why the oracle cannot read the journal here (python3-systemd missing), or null. */
export function fail2banJournalMissing(o: Oracle = oracle()): string | null {
  const r = Bun.spawnSync([o.python, "-c", "import systemd.journal"], { stderr: "pipe", env: { ...process.env, ...o.env } });
  return r.exitCode === 0 ? null : "python3-systemd is not installed (fail2ban's journal backend needs it)";
}

/** A server's config dir and the files it owns, all inside `dir`. */
export interface ServerLayout {
  dir: string;
  conf: string;
  socket: string;
  pidfile: string;
  db: string;
  logtarget: string;
  /** Rewrites jail.local (e.g. to break the config before a reload). */
  writeJailLocal(text: string): void;
}

/** The paths of server `name` in `dir` (config in `dir`/conf); nothing is written. */
export function serverLayout(dir: string, name = "fail2ban"): ServerLayout {
  const conf = join(dir, "conf");
  return {
    dir,
    conf,
    socket: join(dir, `${name}.sock`),
    pidfile: join(dir, `${name}.pid`),
    db: join(dir, `${name}.sqlite3`),
    logtarget: join(dir, `${name}.log`),
    writeJailLocal: (text) => writeFileSync(join(conf, "jail.local"), text),
  };
}

/**
 * A copy of config dir `from` (default the oracle's stock config; jail.d emptied: Debian's enables
 * sshd there) in `dir`/conf whose fail2ban.d/oracle.local names the layout's socket, pid file,
 * database and log target, plus `jailLocal` as jail.local when given. f2b reads the same files.
 */
export function fail2banConf(dir: string, opts: { from?: string; name?: string; jailLocal?: string; loglevel?: string } = {}): ServerLayout {
  const layout = serverLayout(dir, opts.name);
  cpSync(opts.from ?? oracle().etc, layout.conf, { recursive: true });
  const jailD = join(layout.conf, "jail.d");
  if (existsSync(jailD)) for (const f of readdirSync(jailD)) rmSync(join(jailD, f), { recursive: true });
  mkdirSync(join(layout.conf, "fail2ban.d"), { recursive: true });
  writeFileSync(
    join(layout.conf, "fail2ban.d", "oracle.local"),
    `[Definition]\nloglevel = ${opts.loglevel ?? "INFO"}\nlogtarget = ${layout.logtarget}\nsocket = ${layout.socket}\n` +
      `pidfile = ${layout.pidfile}\ndbfile = ${layout.db}\n`,
  );
  if (opts.jailLocal !== undefined) layout.writeJailLocal(opts.jailLocal);
  return layout;
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

function parseJailStatus(text: string): Fail2banJailStatus {
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

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

async function run(cmd: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Process groups still running: ended when this process exits, however it exits. */
const groups = new Set<number>();
const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
};
const killAll = (): void => {
  for (const pid of groups) killGroup(pid);
  groups.clear();
};
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]);
  });
}

/** Runs argv after asking the kernel to SIGKILL it when this process dies (PR_SET_PDEATHSIG). */
const DIE_WITH_PARENT = [
  "/usr/bin/python3",
  "-c",
  "import ctypes, os, signal, sys\nctypes.CDLL(None).prctl(1, signal.SIGKILL)\n" +
    "if os.getppid() != int(sys.argv[1]): sys.exit(1)\nos.execv(sys.argv[2], sys.argv[2:])",
];

export interface ServerOptions {
  /** For messages: "fail2ban-server", "f2b server". */
  what: string;
  /** Its log target, shown when it fails to start. */
  logFile: string;
  /** The client command line (`client(args)` appends the args; `ping` tells readiness by default). */
  client: string[];
  env?: Record<string, string>;
  /** Whether it answers yet (default: `client ping` exits 0). */
  ready?: (s: ServerProcess) => Promise<boolean>;
}

/** A server in the foreground, in its own process group (its action commands included). */
export class ServerProcess {
  private stderr = "";
  private readonly exit: Promise<number>;
  private code: number | null = null;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly opts: ServerOptions,
  ) {
    const pid = proc.pid!;
    groups.add(pid);
    proc.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((resolve) =>
      proc.once("exit", (code, signal) => {
        killGroup(pid); // children it left behind
        groups.delete(pid);
        this.code = code ?? 128 + (signal === "SIGKILL" ? 9 : 15);
        resolve(this.code);
      }),
    );
  }

  /** Starts `argv` and waits (bounded, 30 s) until it is ready. */
  static async start(argv: string[], opts: ServerOptions): Promise<ServerProcess> {
    const proc = spawn(DIE_WITH_PARENT[0]!, [...DIE_WITH_PARENT.slice(1), String(process.pid), ...argv], {
      detached: true,
      // stdout not piped: a full pipe would stall the server; stderr is drained from the start
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...opts.env },
    });
    const s = new ServerProcess(proc, opts);
    const ready = opts.ready ?? (async (x: ServerProcess) => (await x.client(["ping"])).code === 0);
    const end = Date.now() + 30_000;
    try {
      while (Date.now() < end) {
        if (s.code !== null) throw new Error(`${opts.what} exited with ${s.code}: ${s.stderr}\n${s.logText()}`);
        if (await ready(s)) return s;
        await Bun.sleep(50);
      }
      throw new Error(`${opts.what} did not answer within 30 s: ${s.stderr}\n${s.logText()}`);
    } catch (e) {
      await s.kill();
      throw e;
    }
  }

  get running(): boolean {
    return this.code === null;
  }

  /** Its client with `args` (TZ=UTC: times printed alike). */
  client(args: string[]): Promise<RunResult> {
    return run([...this.opts.client, ...args], { ...this.opts.env, TZ: "UTC" });
  }

  logText(): string {
    return existsSync(this.opts.logFile) ? readFileSync(this.opts.logFile, "utf8") : "";
  }

  exited(): Promise<number> {
    return this.exit;
  }

  /** Asks it to stop (`ask`), then waits; SIGKILLs the group if it has not ended after `graceMs`. */
  async stop(ask: () => Promise<unknown>, graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    await ask().catch(() => {});
    const timer = setTimeout(() => killGroup(this.proc.pid!), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** Ends it if a `stop` command did not: SIGTERM, SIGKILL of the group after 10 s. */
  async kill(): Promise<void> {
    await this.stop(async () => this.proc.kill("SIGTERM"), 10_000);
  }

  /** SIGKILLs the group now (nothing is saved): for when its state is no longer needed. */
  async abort(): Promise<void> {
    if (!this.running) return;
    killGroup(this.proc.pid!);
    await this.exit;
  }
}

export interface ClientResult {
  /** 0 like fail2ban-client on success, 255 on an error answer or a socket error. */
  code: number;
  /** What fail2ban-client prints on stdout (the beautified answer or error, no trailing newline). */
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

/** One Python process answering fail2ban commands on a socket, one request at a time. */
class Fail2banBridge {
  private readonly proc: ChildProcess;
  private readonly waiting: ((r: ClientResult) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private dead?: string;

  constructor(o: Oracle) {
    this.proc = spawn(o.python, ["-u", "-c", BRIDGE], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...o.env } });
    let stderr = "";
    this.proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: this.proc.stdout! }).on("line", (l) => this.waiting.shift()?.(JSON.parse(l) as ClientResult));
    this.proc.on("exit", (code) => {
      this.dead = `the fail2ban client bridge (${o.python}) exited with ${code}: ${stderr}`;
      for (const w of this.waiting.splice(0)) w({ code: 255, out: this.dead });
    });
  }

  send(sock: string, args: string[]): Promise<ClientResult> {
    const ask = (): Promise<ClientResult> =>
      new Promise((resolve, reject) => {
        if (this.dead) return reject(new Error(this.dead));
        this.waiting.push(resolve);
        this.proc.stdin!.write(JSON.stringify({ sock, args }) + "\n");
      });
    const p = this.queue.then(ask);
    this.queue = p.catch(() => {});
    return p;
  }

  close(): void {
    if (!this.dead) this.proc.stdin!.end();
  }
}

/** `fail2ban-server -f -x` (-x: a stale socket of an earlier run is removed) on a layout. */
export class Fail2banServer {
  private constructor(
    readonly process: ServerProcess,
    readonly layout: ServerLayout,
    private readonly bridge: Fail2banBridge,
  ) {}

  /** Starts the server; resolves once it answers ping (its jails are started by then). */
  static async start(layout: ServerLayout, opts: { env?: Record<string, string>; oracle?: Oracle } = {}): Promise<Fail2banServer> {
    const o = opts.oracle ?? oracle();
    const bridge = new Fail2banBridge(o);
    const argv = [o.python, o.server, "-f", "-x", "-c", layout.conf, "-s", layout.socket, "-p", layout.pidfile, "--logtarget", layout.logtarget];
    try {
      const proc = await ServerProcess.start(argv, {
        what: `fail2ban-server ${o.version}`,
        logFile: layout.logtarget,
        client: [o.python, o.client, "-c", layout.conf, "-s", layout.socket],
        env: { ...o.env, ...opts.env },
        ready: async () => existsSync(layout.socket) && (await bridge.send(layout.socket, ["ping"])).code === 0,
      });
      return new Fail2banServer(proc, layout, bridge);
    } catch (e) {
      bridge.close();
      throw e;
    }
  }

  /** A command through the bridge: what `fail2ban-client -s SOCK ARGS...` prints. */
  cmd(args: string[]): Promise<ClientResult> {
    return this.bridge.send(this.layout.socket, args);
  }

  /** The real fail2ban-client (own process; stdout and stderr), for when its exact output is tested. */
  client(args: string[]): Promise<RunResult> {
    return this.process.client(args);
  }

  async status(jail: string): Promise<Fail2banJailStatus> {
    const r = await this.cmd(["status", jail]);
    if (r.code !== 0) throw new Error(`fail2ban-client status ${jail} failed (${r.code}): ${r.out}`);
    return parseJailStatus(r.out);
  }

  /** The server's log so far. */
  logText(): string {
    return this.process.logText();
  }

  /** Waits until the log has a line matching `re` (e.g. the Found line of a sentinel address). */
  async waitForLog(re: RegExp, what: string, ms = 30_000): Promise<void> {
    await until(() => re.test(this.logText()), `fail2ban: ${what}`, ms, 100);
  }

  exited(): Promise<number> {
    return this.process.exited();
  }

  /** `stop` through the socket (its database is closed cleanly, bans kept), SIGKILL if it hangs. */
  async stop(): Promise<void> {
    await this.process.stop(() => this.cmd(["stop"]));
    this.bridge.close();
  }

  /** Ends it if a `stop` command did not. */
  async kill(): Promise<void> {
    await this.process.kill();
    this.bridge.close();
  }

  /** SIGKILL, no clean stop: for when its database and bans are no longer needed. */
  async abort(): Promise<void> {
    await this.process.abort();
    this.bridge.close();
  }
}
