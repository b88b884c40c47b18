// End to end, as root, from the journal: an attacker fails logins against a real HTTP service in a
// network namespace; each failure the service logs is stored as a journal entry (what journald
// does for it: systemd-journal-remote writes a real journal file); the compiled f2b with
// `backend = systemd[journalfiles=...]` bans the attacker in real nftables and its next
// connection really fails. Entries of another identifier naming a second client ban nothing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create, netnsUnavailableReason, type NetnsPair } from "../helpers/netns.ts";
import { appendJournal, entry, journalToolsMissing } from "../journal/journal-files.ts";
import { ensureBinary, e2eRoot, login, startWebapp, type E2eRoot } from "./fixtures.ts";
import { F2bProcess } from "./f2b-process.ts";

const why = netnsUnavailableReason() ?? journalToolsMissing();
if (why) console.warn(`SKIP e2e journal: ${why}`);

const WEB = 8080;
let pair: NetnsPair;
let root: E2eRoot;
let journal: string;
let web: { stop(): void };
let f2b: F2bProcess;
let copied = 0;

/** journald's part: every line the webapp logged since the last call becomes a journal entry. */
function forwardToJournal(): number {
  const lines = readFileSync(root.log, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const fresh = lines.slice(copied);
  copied = lines.length;
  const entries = fresh.map((l) => {
    const m = /^\S+ \S+ webapp\[(\d+)\]: (.*)$/u.exec(l);
    if (!m) throw new Error(`unexpected webapp log line: ${l}`);
    return entry(Date.now() / 1000, m[2]!, { SYSLOG_IDENTIFIER: "webapp", _COMM: "python3", _PID: m[1]!, _SYSTEMD_UNIT: "webapp.service" });
  });
  if (entries.length) appendJournal(journal, entries);
  return entries.length;
}

beforeAll(async () => {
  if (why) return;
  ensureBinary();
  pair = await create();
  root = e2eRoot({
    filter: "jwebapp",
    backend: "", // set below, once the journal path is known
    port: String(WEB),
    maxretry: "3",
    findtime: "10m",
    bantime: "1h",
    banaction: "nftables-multiport",
    action: '%(banaction)s[port="%(port)s", protocol=tcp]',
  });
  journal = join(root.dir, "webapp.journal");
  writeFileSync(
    join(root.conf, "filter.d", "jwebapp.conf"),
    "[Definition]\nfailregex = ^\\S+ webapp\\[\\d+\\]: login failed for <F-USER>\\S+</F-USER> from <HOST>$\njournalmatch = SYSLOG_IDENTIFIER=webapp\n",
  );
  const jailConf = readFileSync(join(root.conf, "jail.conf"), "utf8").replace(/^backend = $/mu, `backend = systemd[journalfiles=${journal}]`);
  writeFileSync(join(root.conf, "jail.conf"), jailConf);
  // the journal exists before f2b starts, with something unrelated in it
  appendJournal(journal, [entry(Date.now() / 1000, "Server listening on 0.0.0.0 port 22.")]);
  web = await startWebapp(pair, WEB, root.log);
  f2b = await F2bProcess.start(pair, root);
});

afterAll(async () => {
  if (why) return;
  await f2b?.kill();
  web?.stop();
  await pair?.destroy();
  root?.cleanup();
});

test.skipIf(!!why)("journal entries naming the attacker ban it in nftables; its next connection fails; another identifier bans nobody", async () => {
  const { attackerIp4: atk, attacker2Ip4: friend, serverIp4: srv } = pair;
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("200");
  // the same message from another program: not matched by the jail's journalmatch
  appendJournal(
    journal,
    Array.from({ length: 5 }, () => entry(Date.now() / 1000, `login failed for admin from ${friend}`, { SYSLOG_IDENTIFIER: "other", _COMM: "other" })),
  );
  for (let i = 0; i < 3; i++) expect(await login(pair, atk, srv, WEB, `guess${i}`)).toBe("401");
  expect(forwardToJournal()).toBe(3);
  await f2b.waitBanned("webapp", atk, 10_000);
  expect(await login(pair, atk, srv, WEB, "secret")).toBe("refused");
  expect(await login(pair, friend, srv, WEB, "secret")).toBe("200");
  const log = await f2b.logText();
  expect(log).toMatch(new RegExp(`NOTICE  \\[webapp\\] Ban ${atk.replaceAll(".", "\\.")}`, "u"));
  expect(log.match(/\[webapp\] Found /gu)?.length).toBe(3);
  const set = await pair.exec(pair.server, ["nft", "list", "ruleset"]);
  expect(set.stdout).toContain(atk);
  expect(set.stdout).not.toContain(friend);
});
