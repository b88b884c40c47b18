// How the client finds the server's socket (-s, -c DIR, the default config root).
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SOCKET, resolveSocket } from "../../src/cli/socket-path.ts";

test("-s wins; -c reads fail2ban.conf/.local; the default root is used only when it holds jail.conf", () => {
  const root = mkdtempSync(join(tmpdir(), "f2b-sock-"));
  const none = join(root, "missing");
  expect(resolveSocket({ socket: "/x.sock", conf: root })).toBe("/x.sock");
  expect(resolveSocket({}, none)).toBe(DEFAULT_SOCKET);
  // a root without fail2ban.conf keeps f2b's default
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc", "jail.conf"), "[DEFAULT]\n");
  expect(resolveSocket({}, join(root, "etc"))).toBe(DEFAULT_SOCKET);
  writeFileSync(join(root, "etc", "fail2ban.conf"), "[Definition]\nsocket = /run/custom.sock\n");
  expect(resolveSocket({}, join(root, "etc"))).toBe("/run/custom.sock");
  mkdirSync(join(root, "etc", "fail2ban.d"));
  writeFileSync(join(root, "etc", "fail2ban.d", "zz.local"), "[Definition]\nsocket = /run/local.sock\n");
  expect(resolveSocket({ conf: join(root, "etc") })).toBe("/run/local.sock");
  // fail2ban's default when fail2ban.conf exists but sets no socket
  const f2bTree = join(root, "f2b");
  mkdirSync(f2bTree);
  writeFileSync(join(f2bTree, "fail2ban.conf"), "[Definition]\nloglevel = INFO\n");
  expect(resolveSocket({ conf: f2bTree })).toBe("/var/run/fail2ban/fail2ban.sock");
  writeFileSync(join(f2bTree, "fail2ban.conf"), "[Definition]\nloglevel = LOUD\n");
  expect(() => resolveSocket({ conf: f2bTree })).toThrow(/fail2ban\.conf.*loglevel/);
});
