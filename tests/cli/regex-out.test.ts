// `f2b regex -o TOKEN` (and fail2ban 1.1's `-i/--invert`) print what fail2ban-regex prints, line
// for line, on the sample logs of each oracle with its own filters.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { runRegex } from "../../src/cli/regex.ts";
import { oracles } from "../helpers/fail2ban-server.ts";

async function ours(args: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const rc = await runRegex(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { rc, out, err };
}

const CASES: [string, string, string][] = [
  ["sshd", "sshd", "id"],
  ["sshd", "sshd", "ip"],
  ["sshd", "sshd", "msg"],
  ["sshd", "sshd", "user"],
  ["sshd[mode=aggressive]", "sshd", "fid"],
  ["dovecot", "dovecot", "ip"],
  ["postfix[mode=aggressive]", "postfix", "msg"],
  ["apache-auth", "apache-auth", "id"],
];

for (const o of oracles("regex --out")) {
  const cases = o.version === "1.0.2" ? CASES.map((c) => [...c, false] as const) : CASES.flatMap((c) => [[...c, false] as const, [...c, true] as const]);
  for (const [filter, log, token, invert] of cases) {
    test(`fail2ban ${o.version}: ${filter} on its ${log} sample, -o ${token}${invert ? " --invert" : ""}`, async () => {
      const args = [join(o.logs, log), filter, "-o", token, ...(invert ? ["-i"] : [])];
      const ref = Bun.spawnSync([o.python, o.regex, "-c", o.etc, ...args], { env: { ...process.env, ...o.env, TZ: "UTC" } });
      expect(ref.exitCode).toBe(0);
      const mine = await ours(["-c", o.etc, ...args]);
      expect(mine.err).toBe("");
      expect(mine.rc).toBe(0);
      const want = ref.stdout.toString();
      expect(want.split("\n").length).toBeGreaterThan(2); // the comparison below is about something
      expect(mine.out).toBe(want);
    });
  }
}

test("--out row and <tag> templates are refused by name; --invert needs --out", async () => {
  expect(await ours(["x", "^x <HOST>$", "-o", "row"])).toMatchObject({
    rc: 2,
    err: expect.stringContaining("--out row: only id, fid, ip, msg or a group name"),
  });
  expect(await ours(["x", "^x <HOST>$", "-o", "<ip> <F-USER>"])).toMatchObject({ rc: 2 });
  expect(await ours(["x", "^x <HOST>$", "-i"])).toMatchObject({ rc: 2, err: "f2b regex: --invert needs --out TOKEN (as in fail2ban-regex)\n" });
  expect(await ours(["x 192.0.2.1\ny 192.0.2.2", "^x <HOST>$", "-o", "ip", "-i"])).toMatchObject({ rc: 0, out: "\n" });
});
