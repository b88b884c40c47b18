// `f2b regex LOG NAME` without -c reads the installed root (/etc/f2b, like `f2b server`) when it
// exists, else the embedded config; /etc/fail2ban serves names neither has.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveFilter } from "../../src/cli/regex-load.ts";
import { installedConfDir } from "../../src/cli/socket-path.ts";

const dir = mkdtempSync(join(tmpdir(), "f2b-regex-root-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the installed root wins over the embedded config; without a jail.conf it is not a root", () => {
  mkdirSync(join(dir, "filter.d"));
  writeFileSync(join(dir, "filter.d", "sshd.conf"), "[Definition]\nfailregex = ^local sshd rule <HOST>$\n");
  expect(installedConfDir(dir)).toBeUndefined(); // no jail.conf yet
  const embedded = resolveFilter("sshd", undefined, {}, "auto", installedConfDir(dir));
  expect(embedded.notes[0]).toContain("basedir: embedded config");
  writeFileSync(join(dir, "jail.conf"), "[DEFAULT]\n");
  expect(installedConfDir(dir)).toBe(dir);
  const local = resolveFilter("sshd", undefined, {}, "auto", installedConfDir(dir));
  expect(local.notes[0]).toBe(`Use   failregex filter file : sshd, basedir: ${dir}`);
  expect(local.def.failregex).toEqual(["^local sshd rule <HOST>$"]);
  // -c DIR still wins over both
  expect(resolveFilter("sshd", dir, {}, "auto", undefined).def.failregex).toEqual(["^local sshd rule <HOST>$"]);
});
