// An existing fail2ban installation's config, unchanged (a copy of Debian's /etc/fail2ban, plus the
// jail.local an admin would write), runs under the compiled f2b: the stock sshd jail with its
// default banaction iptables-multiport bans an attacker's SSH port in real iptables+ipset.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, netnsUnavailableReason, probe, startListener, type Listener, type NetnsPair } from "../helpers/netns.ts";
import { ensureBinary, type E2eRoot } from "./fixtures.ts";
import { F2bProcess } from "./f2b-process.ts";

const why = netnsUnavailableReason() ?? (existsSync("/etc/fail2ban/jail.conf") ? null : "no /etc/fail2ban (apt-get install fail2ban)");
if (why) console.warn(`SKIP e2e with the stock fail2ban tree: ${why}`);

let pair: NetnsPair;
let root: E2eRoot;
let listener: Listener;
let f2b: F2bProcess;

function syslogStamp(d = new Date()): string {
  const mon = d.toLocaleString("en-US", { month: "short" });
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${mon} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

beforeAll(async () => {
  if (why) return;
  ensureBinary();
  pair = await create();
  const dir = mkdtempSync(join(tmpdir(), "f2b-f2btree-"));
  const conf = join(dir, "fail2ban");
  cpSync("/etc/fail2ban", conf, { recursive: true });
  root = {
    dir,
    conf,
    log: join(dir, "auth.log"),
    socket: join(dir, "f2b.sock"),
    db: join(dir, "f2b.sqlite3"),
    f2bLog: join(dir, "f2b.log"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  writeFileSync(root.log, "");
  // What an admin adds: paths for this test host. Nothing of fail2ban's own files is changed.
  writeFileSync(
    join(conf, "fail2ban.local"),
    `[Definition]\nlogtarget = ${root.f2bLog}\nsocket = ${root.socket}\npidfile = ${join(dir, "f2b.pid")}\ndbfile = ${root.db}\n`,
  );
  writeFileSync(join(conf, "jail.local"), `[DEFAULT]\nignoreself = false\n\n[sshd]\nlogpath = ${root.log}\nmaxretry = 3\n`);
  listener = await startListener(pair, [22, 8080]);
  f2b = await F2bProcess.start(pair, root);
});

afterAll(async () => {
  if (why) return;
  await f2b?.kill();
  listener?.stop();
  await pair?.destroy();
  root?.cleanup();
});

test.skipIf(!!why)("stock sshd jail + iptables-multiport from /etc/fail2ban ban the attacker's SSH port", async () => {
  const { attackerIp4: atk, attacker2Ip4: other, serverIp4: srv } = pair;
  expect(await probe(pair, atk, srv, 22)).toBe("ok");
  const lines = [
    `${syslogStamp()} srv sshd[4101]: Invalid user admin from ${atk} port 50100`,
    `${syslogStamp()} srv sshd[4101]: Failed password for invalid user admin from ${atk} port 50100 ssh2`,
    `${syslogStamp()} srv sshd[4102]: Failed password for root from ${atk} port 50102 ssh2`,
    `${syslogStamp()} srv sshd[4103]: Accepted publickey for deploy from ${other} port 50200 ssh2: ED25519 SHA256:abc`,
  ];
  appendFileSync(root.log, `${lines.join("\n")}\n`);
  await f2b.waitBanned("sshd", atk);
  expect(await probe(pair, atk, srv, 22)).toBe("refused"); // iptables-multiport's blocktype: REJECT
  expect(await probe(pair, atk, srv, 8080)).toBe("ok"); // only port ssh
  expect(await probe(pair, other, srv, 22)).toBe("ok");
  const st = await f2b.cli(["status", "sshd"]);
  expect(st.stdout).toContain("Total failed:\t3");
  const sets = await pair.exec(pair.server, ["ipset", "list", "-n"]);
  expect(sets.stdout).toMatch(/f2b-sshd/u);
  await f2b.cli(["stop"]);
  await f2b.exited();
  expect((await pair.exec(pair.server, ["iptables", "-S"])).stdout).not.toMatch(/f2b-sshd/u);
  expect(await probe(pair, atk, srv, 22)).toBe("ok");
});
