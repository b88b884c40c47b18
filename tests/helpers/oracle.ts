// The fail2ban versions differential tests compare against: Debian 12's installed 1.0.2, and
// upstream's 1.1.1 unpacked (never installed) by .ci/fetch-oracle under $F2B_ORACLE_DIR
// (default /opt/f2b-oracle). A test asks for the oracles it can use; a missing one is skipped with
// the reason printed, unless $F2B_REQUIRE_ORACLES (set by .ci/run) names it: then a failing test
// says it is missing, so CI never passes without it.
import { test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const PYTHON = "/usr/bin/python3";
export type OracleVersion = "1.0.2" | "1.1.1";
export const ORACLE_VERSIONS: readonly OracleVersion[] = ["1.0.2", "1.1.1"];

export interface Oracle {
  version: OracleVersion;
  /** The stock configuration tree (jail.conf, filter.d, action.d, paths-*.conf). */
  configDir: string;
  /** The directory holding the `fail2ban` Python package. */
  pythonPath: string;
  /** fail2ban/tests/files/logs: the sample logs of the stock filters. */
  logsDir: string;
  /** fail2ban/tests/config: the test-only configuration (zzz-* filters). */
  testConfigDir: string;
  /** Environment for python3 so `import fail2ban` loads this version. */
  env: Record<string, string>;
  /** argv prefix that runs one of fail2ban's programs of this version. */
  command(tool: "fail2ban-client" | "fail2ban-regex" | "fail2ban-server"): string[];
}

const ORACLE_DIR = process.env["F2B_ORACLE_DIR"] || "/opt/f2b-oracle";

function layout(version: OracleVersion): { root: string; configDir: string } {
  if (version === "1.0.2") return { root: "/", configDir: "/etc/fail2ban" };
  const root = join(ORACLE_DIR, `fail2ban-${version}`);
  return { root, configDir: join(root, "etc", "fail2ban") };
}

const cache = new Map<OracleVersion, Oracle | string>();

/** The oracle of that version, or why it is not usable here (checked once: it runs Python). */
export function findOracle(version: OracleVersion): Oracle | string {
  const hit = cache.get(version);
  if (hit !== undefined) return hit;
  const { root, configDir } = layout(version);
  const pythonPath = join(root, "usr", "lib", "python3", "dist-packages");
  const pkg = join(pythonPath, "fail2ban");
  const env: Record<string, string> = version === "1.0.2" ? {} : { PYTHONPATH: pythonPath };
  const command = (tool: string): string[] => [PYTHON, join(root, "usr", "bin", tool)];
  let found: Oracle | string;
  if (!existsSync(join(configDir, "jail.conf")) || !existsSync(pkg)) {
    found = version === "1.0.2" ? "fail2ban 1.0.2 is not installed (apt-get install fail2ban)" : `fail2ban ${version} is not unpacked in ${ORACLE_DIR} (run .ci/fetch-oracle)`;
  } else {
    const run = Bun.spawnSync([...command("fail2ban-regex"), "--version"], { env: { ...process.env, ...env } });
    const reported = run.stdout.toString().trim().split("\n")[0] ?? "";
    found = reported.endsWith(` ${version}`)
      ? { version, configDir, pythonPath, logsDir: join(pkg, "tests", "files", "logs"), testConfigDir: join(pkg, "tests", "config"), env, command }
      : `fail2ban ${version} in ${root} does not run: ${reported || run.stderr.toString().trim().slice(-300)}`;
  }
  cache.set(version, found);
  return found;
}

function required(version: OracleVersion): boolean {
  return (process.env["F2B_REQUIRE_ORACLES"] ?? "").split(/[\s,]+/).includes(version);
}

/**
 * The usable oracles among `versions` (default: all). For each missing one, prints `${what}: skipped
 * for fail2ban X: reason`, or, when CI requires it, registers a failing test with that reason.
 */
export function oracles(what: string, versions: readonly OracleVersion[] = ORACLE_VERSIONS): Oracle[] {
  const out: Oracle[] = [];
  for (const v of versions) {
    const o = findOracle(v);
    if (typeof o !== "string") out.push(o);
    else if (required(v)) test(`${what}: oracle fail2ban ${v} is present`, () => { throw new Error(o); });
    else console.warn(`${what}: skipped for fail2ban ${v}: ${o}`);
  }
  return out;
}
