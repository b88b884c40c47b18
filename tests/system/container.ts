// A booted Debian for the system tests: an overlay of the cached root (debian-root.ts), booted with
// `systemd-nspawn --boot` (systemd as PID 1, journald, sshd) in its own network namespace, joined
// by a veth to an "attacker" namespace (tests/helpers/netns.ts: 10.x addresses that exist only in
// these namespaces). Commands run inside through nsenter (the host's PID 1 is not systemd, so there
// is no machined/machinectl here). The overlay's upper layer survives a stop, so a reboot is a
// stop and a boot of the same container.
import { spawnSync, type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { F2B, REPO } from "../e2e/fixtures.ts";
import { join } from "node:path";
import { create as createNetns, type NetnsPair } from "../helpers/netns.ts";
import { until } from "../helpers/wait.ts";
import { runChecked, createCommandRunner, type CommandResult, type CommandRunner, type RunOptions } from "../../src/system/command.ts";
import { ensureDebianRoot, type Suite } from "./debian-root.ts";

const ENV = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "LANG=C.UTF-8",
  "HOME=/root",
  "TERM=dumb",
  "SYSTEMD_PAGER=cat",
  "SYSTEMD_COLORS=0",
];

export interface Container {
  suite: Suite;
  /** the container's root as the host sees it (write files here to put them inside) */
  root: string;
  net: NetnsPair;
  /** argv inside the booted container, as root, in its namespaces */
  exec(argv: string[], opts?: RunOptions): Promise<CommandResult>;
  /** a shell script inside; throws with its output when it exits non-zero */
  sh(script: string, opts?: RunOptions): Promise<string>;
  /** the console output of the current boot (for failure messages) */
  console(): string;
  /** netAdmin: false boots it like a container that may not change its firewall (default true) */
  boot(opts?: { netAdmin?: boolean }): Promise<void>;
  /** a clean shutdown (as `poweroff`): every unit is stopped, then the container exits */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

const live = new Set<() => void>();
process.on("exit", () => {
  for (const cleanup of live) cleanup();
});

export async function createContainer(suite: Suite): Promise<Container> {
  const lower = await ensureDebianRoot(suite);
  const host = createCommandRunner();
  const net = await createNetns();
  const dir = mkdtempSync("/tmp/f2b-system-");
  const root = join(dir, "root");
  for (const d of ["upper", "work", "root"]) mkdirSync(join(dir, d));
  await runChecked(host, ["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  const name = `f2b-${net.suffix}`;
  const consoleLog = join(dir, "console.log");
  let nspawn: ChildProcess | null = null;
  let leader = 0;

  const killNow = (): void => {
    if (nspawn?.pid && nspawn.exitCode === null) spawnSync("kill", ["-KILL", String(nspawn.pid)]);
  };
  const lastResort = (): void => {
    killNow();
    spawnSync("umount", ["-l", root]);
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(lastResort);

  const exec = (argv: string[], opts?: RunOptions): Promise<CommandResult> => {
    if (!leader) return Promise.reject(new Error("the container is not booted"));
    return host.run(["nsenter", "-t", String(leader), "-a", "-r", "-w", "env", "-i", ...ENV, ...argv], { timeoutMs: 60_000, ...opts });
  };
  const sh = async (script: string, opts?: RunOptions): Promise<string> => {
    const r = await exec(["sh", "-c", script], opts);
    if (r.code !== 0) throw new Error(`in the ${suite} container, exit ${r.code}: ${script}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const consoleText = (): string => {
    try {
      return readFileSync(consoleLog, "utf8");
    } catch {
      return "";
    }
  };

  const boot = async (opts: { netAdmin?: boolean } = {}): Promise<void> => {
    if (nspawn) throw new Error("already booted");
    const out = openSync(consoleLog, "w");
    // --keep-unit --register=no: no systemd/machined on this host to register with.
    // CAP_NET_ADMIN: nspawn keeps it only for the networks it creates itself, and f2b needs it.
    // The unified cgroup hierarchy: trixie's systemd no longer boots on cgroup v1 (this host's).
    nspawn = spawn(
      "systemd-nspawn",
      [
        "-D",
        root,
        "-M",
        name,
        "--boot",
        "--register=no",
        "--keep-unit",
        "--console=pipe",
        `--network-namespace-path=/run/netns/${net.server}`,
        ...(opts.netAdmin === false ? [] : ["--capability=CAP_NET_ADMIN"]),
      ],
      { stdio: ["ignore", out, out], env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "1" } },
    );
    closeSync(out);
    const pid = nspawn.pid!;
    await until(
      () => {
        if (nspawn?.exitCode !== null) throw new Error(`systemd-nspawn exited (${nspawn?.exitCode}):\n${consoleText()}`);
        const r = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
        leader = Number(r.stdout.trim().split("\n")[0] ?? 0);
        try {
          return leader > 0 && readFileSync(`/proc/${leader}/comm`, "utf8").trim() === "systemd";
        } catch {
          return false; // nspawn's short-lived helper child, gone already
        }
      },
      "the container's systemd",
      20_000,
      50,
    );
    // Polled, not --wait: trixie's --wait needs D-Bus, which comes up late in the boot.
    let state = "";
    await until(
      async () => {
        const r = await exec(["systemctl", "is-system-running"]);
        state = r.stdout.trim() || r.stderr.trim();
        return state === "running" || state === "degraded"; // degraded is booted; tests check their units
      },
      `the ${suite} container to boot`,
      90_000,
      200,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)} (last state: ${state})\n${consoleText()}`);
    });
  };

  const stop = async (): Promise<void> => {
    const p = nspawn;
    if (!p) return;
    // SIGTERM to systemd-nspawn: the container's systemd shuts down as on `poweroff`. A container
    // still booting may miss it: killed after a minute (tests that need a clean shutdown check it).
    p.kill("SIGTERM");
    await until(() => p.exitCode !== null || p.signalCode !== null, "the container to shut down", 60_000, 100).catch((e: unknown) =>
      console.warn(`system: ${String(e)}; killed`),
    );
    killNow();
    nspawn = null;
    leader = 0;
  };

  const destroy = async (): Promise<void> => {
    try {
      await stop();
    } finally {
      if ((await host.run(["umount", root])).code !== 0) await host.run(["umount", "-l", root]);
      rmSync(dir, { recursive: true, force: true });
      // nspawn leaves its (empty) mount-propagation directory where /run is not a tmpfs, as here
      await host.run(["rmdir", `/run/systemd/nspawn/propagate/${name}`]);
      live.delete(lastResort);
      await net.destroy();
    }
  };

  return { suite, root, net, exec, sh, console: consoleText, boot, stop, destroy };
}

/** The attacker namespace's SSH client, one password attempt per connection. */
export type SshOutcome = "denied" | "refused" | "timeout" | "other";

export async function sshAttempt(
  attacker: CommandRunner,
  target: string,
  opts: { source?: string; user?: string } = {},
): Promise<{ outcome: SshOutcome; output: string }> {
  const argv = [
    "sshpass",
    "-p",
    "not-the-password",
    "ssh",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "PubkeyAuthentication=no",
    "-o",
    "PreferredAuthentications=password",
    "-o",
    "NumberOfPasswordPrompts=1",
    "-o",
    "ConnectTimeout=5",
    ...(opts.source ? ["-b", opts.source] : []),
    `${opts.user ?? "root"}@${target}`,
    "true",
  ];
  const r = await attacker.run(argv, { timeoutMs: 20_000 }).catch((e: unknown) => ({ code: -1, stdout: "", stderr: String(e) }));
  const output = `${r.stdout}${r.stderr}`.trim();
  const outcome: SshOutcome = /Permission denied/.test(output)
    ? "denied"
    : /Connection refused/.test(output)
      ? "refused"
      : /timed out|timeout/i.test(output)
        ? "timeout"
        : "other";
  return { outcome, output };
}

/** The layout of a release directory (install.sh, a prebuilt f2b, packaging/) at /root/f2b-release. */
export function putRelease(c: Container): void {
  const dst = join(c.root, "root/f2b-release");
  mkdirSync(dst, { recursive: true });
  cpSync(F2B, join(dst, "f2b"));
  cpSync(join(REPO, "install.sh"), join(dst, "install.sh"));
  cpSync(join(REPO, "packaging"), join(dst, "packaging"), { recursive: true });
}
