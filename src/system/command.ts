// Runs external programs by argv (never through a shell unless argv[0] is one on purpose),
// with stdin, a hard timeout that kills the whole process group, and an optional network
// namespace prefix so tests and the daemon share the exact same code path.

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface CommandRunner {
  run(argv: string[], opts?: RunOptions): Promise<CommandResult>;
}

export class CommandTimeoutError extends Error {
  constructor(
    readonly argv: string[],
    readonly timeoutMs: number,
  ) {
    super(`command timed out after ${timeoutMs} ms and was killed: ${argv.join(" ")}`);
    this.name = "CommandTimeoutError";
  }
}

export class CommandFailedError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().slice(0, 2000);
    super(`command failed (exit ${result.code}): ${argv.join(" ").slice(0, 200)}${detail ? `: ${detail}` : ""}`);
    this.name = "CommandFailedError";
  }
}

export interface RunnerOptions {
  /** run every command inside `ip netns exec <netns>` */
  netns?: string;
  /** default timeout when a call gives none (fail2ban's action timeout default is 60 s) */
  defaultTimeoutMs?: number;
  /** base environment; defaults to this process's environment */
  baseEnv?: Record<string, string | undefined>;
}

const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function createCommandRunner(opts: RunnerOptions = {}): CommandRunner {
  if (opts.netns !== undefined && !NETNS_NAME.test(opts.netns)) {
    throw new Error(`invalid network namespace name: ${JSON.stringify(opts.netns)}`);
  }
  const prefix = opts.netns ? ["ip", "netns", "exec", opts.netns] : [];
  const defaultTimeoutMs = opts.defaultTimeoutMs ?? 60_000;
  return {
    run(argv: string[], runOpts: RunOptions = {}): Promise<CommandResult> {
      if (argv.length === 0) return Promise.reject(new Error("empty argv"));
      const full = [...prefix, ...argv];
      const timeoutMs = runOpts.timeoutMs ?? defaultTimeoutMs;
      const env = { ...(opts.baseEnv ?? process.env), ...(runOpts.env ?? {}) };
      return spawnWithTimeout(full, runOpts.input, timeoutMs, env);
    },
  };
}

async function spawnWithTimeout(argv: string[], input: string | undefined, timeoutMs: number, env: Record<string, string | undefined>): Promise<CommandResult> {
  let child: Bun.Subprocess<Uint8Array | "ignore", "pipe", "pipe">;
  try {
    // stdin as bytes: Bun hands the child a memfd, which programs that open /dev/stdin by path
    // (nft -f -, ipset restore) can read, unlike a socket. detached: own process group, so a
    // timeout also kills what a shell script started.
    child = Bun.spawn(argv, {
      env,
      detached: true,
      stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (e) {
    throw new Error(`cannot run ${argv[0]}: ${(e as Error).message}`);
  }
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // group already gone
    }
  };
  let timedOut = false;
  let hardKill: ReturnType<typeof setTimeout> | undefined;
  let giveUp: (e: Error) => void = () => {};
  // a grandchild that escaped the group could hold the pipes open: stop waiting for it
  const abandoned = new Promise<never>((_, reject) => (giveUp = reject));
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    hardKill = setTimeout(() => {
      killGroup("SIGKILL");
      hardKill = setTimeout(() => giveUp(new CommandTimeoutError(argv, timeoutMs)), 500);
    }, 200);
  }, timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.race([
      Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]),
      abandoned,
    ]);
    if (timedOut) throw new CommandTimeoutError(argv, timeoutMs);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (hardKill) clearTimeout(hardKill);
    if (timedOut) killGroup("SIGKILL");
  }
}

/** Runs and throws CommandFailedError on a non-zero exit. */
export async function runChecked(runner: CommandRunner, argv: string[], opts?: RunOptions): Promise<CommandResult> {
  const res = await runner.run(argv, opts);
  if (res.code !== 0) throw new CommandFailedError(argv, res);
  return res;
}
