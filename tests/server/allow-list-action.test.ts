// `blocktype = RETURN` (fail2ban's stock pass2allow-ftp jail) makes the action's chain an allow
// list: banned addresses pass, everyone else gets `returntype`. The native sets only block, so
// such an action runs as fail2ban's own action.d file; a blocking blocktype stays native.
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { getLog } from "../../src/server/log.ts";
import { F2bServer } from "../../src/server/server.ts";
import { diskFS } from "../../src/config/fs.ts";
import type { CommandRunner } from "../../src/system/command.ts";
import { createSystemDeps } from "../../src/system/deps.ts";
import { makeRoot, type TestRoot } from "./helpers.ts";

const ACTIONS = "/etc/fail2ban/action.d";
const missing = existsSync(join(ACTIONS, "iptables-multiport.conf")) ? null : `needs fail2ban's ${ACTIONS}/iptables-multiport.conf`;
if (missing) console.warn(`allow-list action test skipped: ${missing}`);

/** Records every command; answers success (nothing reaches a real firewall). */
class Recorder implements CommandRunner {
  readonly argv: string[][] = [];
  async run(argv: string[]) {
    this.argv.push(argv);
    return { code: 0, stdout: "", stderr: "" };
  }
}

let root: TestRoot | null = null;
afterEach(() => {
  root?.cleanup();
  root = null;
});

async function startedWith(blocktype: string): Promise<string[][]> {
  root = makeRoot("");
  for (const f of ["iptables-multiport.conf", "iptables.conf"]) copyFileSync(join(ACTIONS, f), join(root.conf, "action.d", f));
  root.writeJailLocal(
    `[testd]\nport = ftp,ftp-data\nblocktype = ${blocktype}\nreturntype = DROP\naction = iptables-multiport[blocktype=%(blocktype)s, returntype=%(returntype)s, actionstart_on_demand=false]\n`,
  );
  const settings = F2bServer.loadSettings(diskFS(root.conf))[0]!;
  const runner = new Recorder();
  const actions = new ActionFactory({ system: createSystemDeps({ logger: getLog, runner }), table: "f2ballow" }).build(settings);
  expect(actions).toHaveLength(1);
  await actions[0]!.start();
  return runner.argv;
}

test.skipIf(!!missing)("blocktype = RETURN runs fail2ban's action.d file (an allow list); DROP stays native", async () => {
  const allow = await startedWith("RETURN");
  const shell = allow.filter((a) => a[1] === "-c");
  expect(shell.length).toBeGreaterThan(0);
  // the chain ends in returntype (DROP): everyone not on the list is dropped
  expect(shell.map((a) => a.join(" ")).join("\n")).toMatch(/-A f2b-testd -j DROP/u);
  expect(allow.some((a) => a[0] === "ipset" || a[0]?.endsWith("/ipset"))).toBe(false);

  const block = await startedWith("DROP");
  expect(block.some((a) => a[1] === "-c")).toBe(false);
  expect(block.length).toBeGreaterThan(0);
});
