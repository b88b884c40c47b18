// `sudo ./install.sh` exactly as an admin runs it — no --root: /usr/local/bin, /etc/f2b, /run/f2b,
// /var/lib/f2b, the systemd branch — inside a private mount namespace whose /etc, /usr/local, /var
// and /run are overlays on a tmpfs (the host's files are never written), in a network namespace.
// systemd is not PID 1 here, so a stand-in `systemctl` runs the installed unit's own
// ExecStartPre/ExecStart/ExecReload lines; the stand-in marks /run/systemd/system as systemd does.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, netnsUnavailableReason, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, login, startWebapp } from "../e2e/fixtures.ts";
import { INSTALL_SH, pidAlive, until } from "./helpers.ts";

const why = netnsUnavailableReason() ?? (spawnSync("sh", ["-c", "command -v unshare && command -v nsenter"]).status === 0 ? null : "unshare/nsenter missing");
if (why) console.warn(`SKIP install.sh on the system paths: ${why}`);

const WEB = 8080;
let pair: NetnsPair;
let dir: string;
let web: { stop(): void } | undefined;
let daemon = 0;
const syslog = (): string[] => readFileSync(join(dir, "systemctl.log"), "utf8").trim().split("\n");

// The unit's own command lines, run the way systemd would (ExecStart supervised in the background).
const SYSTEMCTL = String.raw`#!/bin/sh
echo "systemctl $*" >> "$F2B_TEST_DIR/systemctl.log"
unit=/etc/systemd/system/f2b.service
line() { sed -n "s/^$1=//p" "$unit" | grep -v '^[+-]'; }
running() { /usr/local/bin/f2b ping >/dev/null 2>&1; }
stop() { running || return 0; kill -TERM "$(cat /run/f2b/f2b.pid)"; while running; do sleep 0.1; done; }
start() {
  $(line ExecStartPre) >/dev/null || exit 1
  mkdir -p /run/f2b /var/lib/f2b
  setsid $(line ExecStart) </dev/null >/dev/null 2>&1 &
  i=0; while ! running && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
  running
}
case "$1" in
  daemon-reload) ;;
  enable) mkdir -p /etc/systemd/system/multi-user.target.wants && ln -sf "$unit" /etc/systemd/system/multi-user.target.wants/f2b.service ;;
  is-active) running ;;
  restart) stop; start ;;
  reload) MAINPID=$(cat /run/f2b/f2b.pid); eval "$(line ExecReload | sed 's/\$MAINPID/$MAINPID/')" ;;
  disable) rm -f /etc/systemd/system/multi-user.target.wants/f2b.service; [ "$2" = --now ] && stop ;;
esac
`;

/** The mount namespace: overlays whose upper layers live on a tmpfs that only it sees. */
const overlays = (scratch: string): string => `set -e
mount -t tmpfs tmpfs ${scratch}
for d in /etc /usr/local /var /run; do
  n=$(echo "$d" | tr / _); mkdir -p ${scratch}/$n/u ${scratch}/$n/w
  mount -t overlay overlay -o lowerdir=$d,upperdir=${scratch}/$n/u,workdir=${scratch}/$n/w $d
done
mkdir -p /run/systemd/system /etc/f2b/filter.d
cp ${dir}/jail.local /etc/f2b/jail.local
cp ${dir}/webapp.conf /etc/f2b/filter.d/webapp.conf
`;

/** Runs `sh -c script` in the daemon's namespaces (after the first install). */
function inside(script: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    "nsenter",
    ["-t", String(daemon), "-m", "-n", "env", ...Object.entries({ ...baseEnv(), ...env }).map(([k, v]) => `${k}=${v}`), "sh", "-c", script],
    { encoding: "utf8" },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const baseEnv = (): Record<string, string> => ({ PATH: `${dir}/bin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin`, F2B_TEST_DIR: dir, HOME: "/root" });
const f2b = (args: string): string => inside(`/usr/local/bin/f2b ${args}`).stdout;

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "f2b-syspaths-"));
  spawnSync("mkdir", ["-p", join(dir, "bin"), join(dir, "scratch")]);
  writeFileSync(join(dir, "bin", "systemctl"), SYSTEMCTL);
  chmodSync(join(dir, "bin", "systemctl"), 0o755);
  writeFileSync(join(dir, "systemctl.log"), "");
  copyFileSync(ensureBinary(), join(dir, "f2b"));
  writeFileSync(join(dir, "webapp.log"), "");
  writeFileSync(join(dir, "webapp.conf"), "[Definition]\nfailregex = ^\\s*webapp\\[\\d+\\]: login failed for \\S+ from <HOST>$\n");
  writeFileSync(
    join(dir, "jail.local"),
    `[sshd]\nenabled = false\n\n[webapp]\nenabled = true\nfilter = webapp\nlogpath = ${dir}/webapp.log\nport = ${WEB}\nmaxretry = 2\nusedns = no\nignoreself = false\n`,
  );
  pair = await create();
  web = await startWebapp(pair, WEB, join(dir, "webapp.log"));
}, 60_000);

afterAll(async () => {
  if (why) return;
  web?.stop();
  if (daemon && pidAlive(daemon)) process.kill(daemon, "SIGKILL");
  await pair?.destroy();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test.skipIf(!!why)(
  "sudo ./install.sh: system paths, systemd enable + restart, a ban in nftables; the host untouched",
  async () => {
    const { attackerIp4: atk, attacker2Ip4: admin, serverIp4: srv } = pair;
    const script = `${overlays(join(dir, "scratch"))}exec sh ${INSTALL_SH} --binary ${dir}/f2b`;
    const r = spawnSync(
      "ip",
      [
        "netns",
        "exec",
        pair.server,
        "unshare",
        "-m",
        "--propagation",
        "private",
        "env",
        ...Object.entries({ ...baseEnv(), SSH_CONNECTION: `${admin} 50022 ${srv} 22` }).map(([k, v]) => `${k}=${v}`),
        "sh",
        "-c",
        script,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("installed /usr/local/bin/f2b");
    expect(r.stdout).toContain("f2b is running under systemd (enabled at boot)");
    expect(r.stdout).toMatch(/Jail list:\s+webapp/u);
    if (existsSync("/etc/fail2ban")) expect(r.stdout).toContain("Found an existing fail2ban configuration in /etc/fail2ban");
    // a new binary: restart (which starts it the first time)
    expect(syslog()).toEqual(["systemctl daemon-reload", "systemctl enable f2b.service", "systemctl restart f2b.service"]);

    const pids = spawnSync("ip", ["netns", "pids", pair.server], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);
    daemon =
      pids.find(
        (p) => existsSync(`/proc/${p}/cmdline`) && readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ").includes("/usr/local/bin/f2b server -f"),
      ) ?? 0;
    expect(daemon).toBeGreaterThan(0);
    // the namespace's view of the system paths (through /proc/PID/root), and the host's
    const view = `/proc/${daemon}/root`;
    expect(readFileSync(`${view}/etc/f2b/jail.d/00-installer.conf`, "utf8")).toContain(`ignoreip = 127.0.0.1/8 ::1 ${admin}\n`);
    expect(readlinkSync(`${view}/etc/systemd/system/multi-user.target.wants/f2b.service`)).toBe("/etc/systemd/system/f2b.service");
    expect(existsSync(`${view}/var/lib/f2b/f2b.sqlite3`)).toBe(true);
    expect(readFileSync(`${view}/var/log/f2b.log`, "utf8")).toContain("f2b server ready");
    for (const p of ["/etc/f2b", "/usr/local/bin/f2b", "/var/lib/f2b", "/etc/systemd/system/f2b.service"]) expect(existsSync(p)).toBe(false);

    for (let i = 0; i < 2; i++) expect(await login(pair, atk, srv, WEB, `guess${i}`)).toBe("401");
    await until(() => f2b("get webapp banned --json").includes(atk), `${atk} banned`);
    expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
    for (let i = 0; i < 3; i++) expect(await login(pair, admin, srv, WEB, "typo")).toBe("401");
    expect(await login(pair, admin, srv, WEB, "secret")).toBe("200");
  },
  60_000,
);

test.skipIf(!!why)(
  "second run: systemctl reload (same binary), the same daemon keeps its ban",
  async () => {
    writeFileSync(join(dir, "systemctl.log"), "");
    const r = inside(`sh ${INSTALL_SH} --binary ${dir}/f2b`);
    expect(r.code).toBe(0);
    expect(syslog()).toEqual([
      "systemctl daemon-reload",
      "systemctl enable f2b.service",
      "systemctl is-active --quiet f2b.service",
      "systemctl reload f2b.service",
    ]);
    expect(pidAlive(daemon)).toBe(true);
    expect(f2b("get webapp banned --json")).toContain(pair.attackerIp4);
  },
  60_000,
);

test.skipIf(!!why)(
  "--uninstall: systemctl disable --now, table and binary gone",
  async () => {
    writeFileSync(join(dir, "systemctl.log"), "");
    const pid = daemon;
    const r = inside(`sh ${INSTALL_SH} --uninstall`);
    expect(r.code).toBe(0);
    expect(syslog()).toEqual(["systemctl disable --now f2b.service", "systemctl daemon-reload"]);
    await until(() => !pidAlive(pid), "daemon stopped");
    expect((await pair.exec(pair.server, ["nft", "list", "tables"])).stdout).not.toContain("table inet f2b");
    expect(await login(pair, pair.attackerIp4, pair.serverIp4, WEB, "secret")).toBe("200");
  },
  60_000,
);
