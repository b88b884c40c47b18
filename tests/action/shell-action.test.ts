import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCommandRunner } from "../../src/system/command.ts";
import { shellAction, type ActionInfo } from "../../src/action/shell-action.ts";
import { replaceDynamicTags, replaceStaticTags, substituteRecursive } from "../../src/action/shell-tags.ts";
import { quoteStateAt } from "../../src/system/shell-script.ts";

const run = createCommandRunner();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "f2b-shell-action-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = [
  "$(touch PWNED)",
  "`touch PWNED`",
  "'; touch PWNED; echo '",
  '"; touch PWNED; echo "',
  "a\ntouch PWNED",
  "x & touch PWNED &",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, the injection attempt under test
  "${IFS}$(touch${IFS}PWNED)",
  "\\'\\\"$(touch PWNED)",
  "*",
];

describe("tag substitution", () => {
  test("recursive [Init] values, conditional family values, <br>, unknown tags kept", () => {
    const props = {
      name: "sshd",
      addr_set: "addr-set-<name>",
      "addr_set?family=inet6": "addr6-set-<name>",
      table: "<prefix>-t",
      prefix: "f2b",
      actionban: "nft add element <table> <addr_set> { <ip> }<br><STDIN>",
    };
    expect(replaceStaticTags("<actionban>", substituteRecursive(props, ""), "")).toBe("nft add element f2b-t addr-set-sshd { <ip> }\n<STDIN>");
    const c = "family=inet6";
    expect(replaceStaticTags("<actionban>", substituteRecursive(props, c), c)).toBe("nft add element f2b-t addr6-set-sshd { <ip> }\n<STDIN>");
  });

  test("self reference is an error, not a hang", () => {
    expect(() => substituteRecursive({ a: "<b>", b: "<a>" }, "")).toThrow(/reference/);
  });

  test("quote state tracking", () => {
    expect(quoteStateAt(`echo '`)).toBe("single");
    expect(quoteStateAt(`echo "a'b`)).toBe("double");
    expect(quoteStateAt(`echo \\' "x" '`)).toBe("single");
    expect(quoteStateAt(`echo 'a"' `)).toBe("none");
  });

  test("safe values go in verbatim, others only as positional parameters", () => {
    const r = replaceDynamicTags("ban <ip> '<matches>' \"<F-USER>\" <fid>", { ip: "10.0.0.1", matches: "$(x)", fid: "a b" }, { user: "`y`" });
    expect(r.script).toContain("ban 10.0.0.1 ");
    expect(r.args.sort()).toEqual(["$(x)", "`y`", "a b"].sort());
    for (const a of r.args) expect(r.script).not.toContain(a);
  });
});

describe("shell actions run through /bin/sh", () => {
  test("hostile ticket values are delivered literally and execute nothing", async () => {
    const out = join(dir, "out.txt");
    const act = shellAction(
      {
        name: "hostile",
        actionban: [
          `echo <matches> >> ${out}`,
          `echo "<matches>" >> ${out}`,
          `echo '<F-USER>' >> ${out}`,
          `echo <F-USER>x<fid> >> ${out}`,
          `printf '%s\\n' "user=<F-USER> fid=<fid>" >> ${out}`,
        ].join("\n"),
        init: {},
      },
      { run, log: memoryLog() },
    );
    for (const v of HOSTILE) {
      writeFileSync(out, "");
      const info: ActionInfo = { ip: "10.0.0.9", fid: v, matches: [v], data: { user: v } };
      await act.ban(info);
      // run in `dir` semantics: any `touch PWNED` would land in the test's cwd or dir
      expect(existsSync("PWNED")).toBe(false);
      expect(existsSync(join(dir, "PWNED"))).toBe(false);
      const lines = readFileSync(out, "utf8");
      expect(lines).toContain(`user=${v} fid=${v}\n`); // exact value, not a mangled or executed one
      expect(lines.split(`${v}`).length).toBeGreaterThan(3);
    }
  });

  test("the static tags fail2ban escapes (matches in properties) are backslash-escaped", () => {
    expect(replaceStaticTags("<matches>", { matches: "$(touch x)" }, "")).toBe("\\$\\(touch x\\)");
  });

  test("a command exceeding the action timeout is killed with a clear error", async () => {
    const act = shellAction({ name: "slow", actionban: "sleep 30", init: { timeout: "1" } }, { run, log: memoryLog() });
    const t0 = performance.now();
    await expect(act.ban({ ip: "10.0.0.1" })).rejects.toThrow(/ban of 10.0.0.1 failed/);
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 10_000);

  test("tags from [Init], jail options and the ticket reach the command", async () => {
    const out = join(dir, "tags.txt");
    const act = shellAction(
      {
        name: "tags",
        actionban: `echo "<name> <port> <protocol> <ip> <family> <failures> <bantime> <time> <F-ID> <F-MISSING>|<ipmatches>" > ${out}`,
        init: { name: "sshd", port: "ssh", protocol: "tcp" },
      },
      { run, log: memoryLog(), now: () => 1700000000 },
    );
    await act.ban({ ip: "2001:db8::1", failures: 5, bantime: 600, matches: ["l1", "l2"], fid: "2001:db8::1" });
    expect(readFileSync(out, "utf8")).toBe("sshd ssh tcp 2001:db8::1 inet6 5 600 1700000000 2001:db8::1 |l1\nl2\n");
  });

  test("conditional [Init?family=inet6] values choose the command per address family; start on demand", async () => {
    const out = join(dir, "fam.txt");
    writeFileSync(out, "");
    const act = shellAction(
      {
        actionstart: `echo start <set> >> ${out}`,
        actionstop: `echo stop <set> >> ${out}`,
        actionban: `echo ban <set> <ip> >> ${out}`,
        init: { name: "j", set: "s4-<name>", "set?family=inet6": "s6-<name>" },
      },
      { run, log: memoryLog() },
    );
    await act.start(); // on demand: nothing yet
    expect(readFileSync(out, "utf8")).toBe("");
    await act.ban({ ip: "10.1.1.1" });
    await act.ban({ ip: "fd00::1" });
    await act.ban({ ip: "10.1.1.2" });
    await act.stop();
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual([
      "start s4-j",
      "ban s4-j 10.1.1.1",
      "start s6-j",
      "ban s6-j fd00::1",
      "ban s4-j 10.1.1.2",
      "stop s4-j",
      "stop s6-j",
    ]);
  });

  test("a failing ban runs actioncheck, then actionrepair, then retries once", async () => {
    const state = join(dir, "state");
    const out = join(dir, "repair.txt");
    writeFileSync(out, "");
    const act = shellAction(
      {
        actionban: `test -f ${state} && echo ban <ip> >> ${out}`,
        actioncheck: `test -f ${state}`,
        actionrepair: `echo repair >> ${out}; touch ${state}`,
        actionunban: `false`,
        init: {},
      },
      { run, log: memoryLog() },
    );
    await act.start();
    await act.ban({ ip: "10.2.2.2" });
    expect(readFileSync(out, "utf8")).toBe("repair\nban 10.2.2.2\n");
    rmSync(state);
    // unban does not repair unless actionrepair_on_unban
    await expect(act.unban({ ip: "10.2.2.2" })).rejects.toThrow(/unban/);
    expect(readFileSync(out, "utf8")).toBe("repair\nban 10.2.2.2\n");
  });

  test("without actionrepair a broken environment is restored by stop + start", async () => {
    const state = join(dir, "state2");
    const act = shellAction(
      {
        actionstart: `touch ${state}`,
        actionstop: `rm -f ${state}`,
        actioncheck: `test -f ${state}`,
        actionban: `test -f ${state}`,
        init: {},
      },
      { run, log: memoryLog() },
    );
    await act.start();
    rmSync(state);
    await act.ban({ ip: "10.3.3.3" });
    expect(existsSync(state)).toBe(true);
    expect(await act.flush()).toBe(false);
  });

  test("the loadAction shape from src/config is accepted", async () => {
    const out = join(dir, "loaded.txt");
    const act = shellAction(
      {
        name: "x",
        commands: { actionban: `echo <blocktype> <ip> > ${out}` },
        properties: { blocktype: "REJECT", "blocktype?family=inet6": "REJECT6" },
      },
      { run, log: memoryLog() },
    );
    await act.ban({ ip: "fd00::5" });
    expect(readFileSync(out, "utf8")).toBe("REJECT6 fd00::5\n");
  });
});
