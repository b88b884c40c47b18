// f2b's own `linebudget`: fail2ban.conf/.local [Definition] default and a per-jail override, both
// validated with the file and line that set them.
import { expect, test } from "bun:test";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadJails } from "../../src/config/jail-reader.ts";
import { parseLineBudget } from "../../src/config/line-budget.ts";
import { jailSettings } from "../../src/server/settings.ts";

const conf = (local: string) => loadFail2banConf(embeddedFS({ "fail2ban.conf": "[Definition]\nloglevel = INFO\n", "fail2ban.local": local }));

test("values: ms, seconds, bare seconds; out of range and garbage refused", () => {
  expect(parseLineBudget("100ms")).toBe(100);
  expect(parseLineBudget(" 0.25s ")).toBe(250);
  expect(parseLineBudget("1")).toBe(1000);
  for (const bad of ["", "fast", "5ms", "2s", "-1", "100 ms x"]) expect(() => parseLineBudget(bad)).toThrow();
});

test("fail2ban.conf: 100ms by default; fail2ban.local sets it; a bad value names file and line", () => {
  expect(conf("").linebudget).toBe(100);
  expect(conf("[Definition]\nlinebudget = 40ms\n").linebudget).toBe(40);
  expect(() => conf("[Definition]\n\nlinebudget = soon\n")).toThrow('embedded:fail2ban.local:3: linebudget not a duration (e.g. 100ms, 0.5s): "soon"');
});

test("a jail's own linebudget overrides; a bad one names the jail's file and line", () => {
  const base = {
    "jail.conf": "[DEFAULT]\nbanaction = dummy\naction = %(banaction)s\n\n[demo]\nenabled = true\nfilter = demo\nlogpath = /var/log/demo.log\n",
    "filter.d/demo.conf": "[Definition]\nfailregex = fail from <HOST>$\n",
    "action.d/dummy.conf": "[Definition]\nactionban = true\n",
  };
  const settings = (local: string) =>
    loadJails(embeddedFS({ ...base, "jail.local": local }))
      .filter((j) => j.enabled)
      .map((j) => jailSettings(j));
  expect(settings("")[0]!.linebudget).toBeUndefined();
  expect(settings("[demo]\nlinebudget = 0.5s\n")[0]!.linebudget).toBe(500);
  expect(() => settings("[demo]\nlinebudget = 3s\n")).toThrow("embedded:jail.local:2: jail [demo] option 'linebudget': must be between 10ms and 1s: \"3s\"");
});
