import { existsSync } from "node:fs";

/** fail2ban's own Python code as a differential oracle (Debian package, system python). */
export const PYTHON = "/usr/bin/python3";
export const haveFail2ban: boolean = (() => {
  if (!existsSync(PYTHON)) return false;
  const r = Bun.spawnSync([PYTHON, "-c", "import fail2ban.server.failmanager"]);
  return r.exitCode === 0;
})();
if (!haveFail2ban) console.warn("fail2ban python package not importable via /usr/bin/python3: oracle comparisons skipped");

/** env: e.g. an oracle's PYTHONPATH (tests/helpers/fail2ban-server.ts) to run another fail2ban version. */
export function runOracle(script: string, input: unknown, args: string[] = [], env: Record<string, string> = {}): unknown {
  const r = Bun.spawnSync([PYTHON, script, ...args], { stdin: Buffer.from(JSON.stringify(input)), env: { ...process.env, ...env } });
  if (r.exitCode !== 0) throw new Error(`oracle ${script} failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}
