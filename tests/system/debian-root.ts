// A minimal Debian root for the booted-host tests, built once with debootstrap from this host's own
// apt mirror and cached outside the repo, keyed by a hash of what goes into it. A missing cache
// costs one debootstrap (~1.5 min); a hit costs nothing. Each scenario boots an overlay of it, so
// the cached root itself is never written to after it is built.
import { test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Suite = "bookworm" | "trixie";

export const CACHE_DIR = process.env.F2B_TEST_CACHE ?? "/var/cache/f2b-test";

// sshd logs only to the journal (no rsyslog): the jail must read the journal.
const PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "openssh-server",
  "nftables",
  "iptables",
  "ipset",
  "iproute2",
  "procps",
  "logrotate",
  "init-system-helpers",
];

// Bumped when the post-bootstrap setup below changes, so the cache key changes with it.
const SETUP_VERSION = 1;

/** The archive URI (not -security) of this host's apt sources, e.g. http://deb.debian.org/debian. */
export function hostMirror(): string | null {
  const uris: string[] = [];
  const listFiles = ["/etc/apt/sources.list"];
  const sourcesFiles: string[] = [];
  const dir = "/etc/apt/sources.list.d";
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith(".list")) listFiles.push(join(dir, f));
      if (f.endsWith(".sources")) sourcesFiles.push(join(dir, f));
    }
  }
  for (const f of listFiles) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n")) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (m && !m[2]!.includes("-")) uris.push(m[1]!);
    }
  }
  for (const f of sourcesFiles) {
    for (const stanza of readFileSync(f, "utf8").split(/\n\s*\n/)) {
      const field = (name: string): string[] => (new RegExp(`^${name}:\\s*(.*)$`, "mi").exec(stanza)?.[1] ?? "").split(/\s+/).filter(Boolean);
      if (!field("Types").includes("deb") || /^enabled:\s*no/im.test(stanza)) continue;
      if (field("Suites").some((s) => !s.includes("-"))) uris.push(...field("URIs"));
    }
  }
  return uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u)) ?? null;
}

export function rootDir(suite: Suite): string {
  const key = createHash("sha256")
    .update(JSON.stringify({ suite, packages: PACKAGES, SETUP_VERSION }))
    .digest("hex");
  return join(CACHE_DIR, `debian-${suite}-root-${key.slice(0, 12)}`);
}

/** Why a Debian root cannot be built or booted here, or null. */
export function debianRootUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  for (const tool of ["debootstrap", "systemd-nspawn", "nsenter", "sshpass", "ssh", "ip", "mount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
      return `${tool} not installed (apt-get install debootstrap systemd-container sshpass openssh-client)`;
  }
  if (!hostMirror()) return "no Debian archive URI found in this host's apt sources";
  return null;
}

async function run(argv: string[], what: string): Promise<void> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${(stderr || stdout).slice(-3000)}`);
}

/** The cached root for `suite`, built first when missing. Returns its path. */
export async function ensureDebianRoot(suite: Suite): Promise<string> {
  const dir = rootDir(suite);
  if (existsSync(join(dir, ".f2b-test-complete"))) return dir;
  const mirror = hostMirror();
  if (!mirror) throw new Error("no Debian archive URI in this host's apt sources");
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${dir}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const started = Date.now();
  console.log(`system: building the Debian ${suite} root with debootstrap from ${mirror} (cached as ${dir})`);
  await run(["debootstrap", "--variant=minbase", `--include=${PACKAGES.join(",")}`, suite, tmp, mirror], `debootstrap ${suite}`);
  // The container's console is not a terminal: no getty on it.
  await run(["ln", "-sf", "/dev/null", join(tmp, "etc/systemd/system/console-getty.service")], "masking console-getty");
  // debootstrap copies the build host's name; the container gets its own, resolvable one.
  writeFileSync(join(tmp, "etc/hostname"), "f2b-test\n");
  writeFileSync(join(tmp, "etc/hosts"), "127.0.0.1 localhost\n127.0.1.1 f2b-test\n::1 localhost ip6-localhost ip6-loopback\n");
  // apt inside the container (the .deb tests install local files only) must not try the network.
  writeFileSync(join(tmp, "etc/apt/apt.conf.d/99f2b-test"), 'Acquire::Languages "none";\nAPT::Install-Recommends "false";\n');
  writeFileSync(join(tmp, ".f2b-test-complete"), `${suite} ${new Date().toISOString()}\n`);
  if (existsSync(join(dir, ".f2b-test-complete"))) {
    rmSync(tmp, { recursive: true, force: true }); // another run finished the same root meanwhile
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  console.log(`system: Debian ${suite} root built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

/**
 * Whether the booted-host tests can run here. When not, prints `${what}: skipped: reason`, or, when
 * CI requires them ($F2B_REQUIRE_SYSTEM=1, set by .ci/run), registers a failing test with the reason.
 */
export function systemTestsRunnable(what: string): boolean {
  const why = debianRootUnavailableReason();
  if (why === null) return true;
  if (process.env["F2B_REQUIRE_SYSTEM"] === "1")
    test(`${what}: a booted Debian can be built here`, () => {
      throw new Error(why);
    });
  else console.warn(`${what}: skipped: ${why}`);
  return false;
}
