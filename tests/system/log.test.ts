// prefixedLog: the jail prefix the server puts on filter and source messages keeps each level and
// the underlying log's threshold (a disabled level writes nothing).
import { expect, test } from "bun:test";
import { logFrom, memoryLog, prefixedLog } from "../../src/system/log.ts";

test("prefixedLog puts the prefix before every message and keeps the level number", () => {
  const mem = memoryLog();
  const log = prefixedLog(mem, "[sshd] ");
  log.warning("w");
  log.info("i");
  log.notice("n");
  log.log(5, "heavy");
  expect(mem.records).toEqual([
    { level: 30, msg: "[sshd] w" },
    { level: 20, msg: "[sshd] i" },
    { level: 25, msg: "[sshd] n" },
    { level: 5, msg: "[sshd] heavy" },
  ]);
});

test("prefixedLog follows the underlying log's threshold", () => {
  const written: string[] = [];
  const atWarning = logFrom(
    (_l, m) => written.push(m),
    (l) => l >= 30,
  );
  const log = prefixedLog(atWarning, "[x] ");
  log.info("dropped");
  log.error("kept");
  expect(log.isEnabled(20)).toBe(false);
  expect(log.isEnabled(40)).toBe(true);
  expect(written).toEqual(["[x] kept"]);
});
