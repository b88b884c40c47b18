import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadAction } from "../../src/config/action-reader.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { loadFilter } from "../../src/config/filter-reader.ts";
import { journalMatchWords } from "./stream-view.ts";
import { embeddedFS } from "../../src/config/fs.ts";
import { loadJails, parseLogpaths } from "../../src/config/jail-reader.ts";

const root = mkdtempSync(join(tmpdir(), "f2b-readers-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "t-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const FILTER = {
  "filter.d/common.conf": "[DEFAULT]\n_daemon = \\S*\n__prefix = (?:%(_daemon)s: )?\n",
  "filter.d/demo.conf": [
    "[INCLUDES]",
    "before = common.conf",
    "[Init]",
    "mode = normal",
    "maxlines = 2",
    "[Definition]",
    "_daemon = demo",
    "mdre-normal = ^%(__prefix)sfail from <HOST>$",
    "mdre-extra = ^%(__prefix)sbad user <F-USER>\\S+</F-USER> from <HOST>$",
    "mdre-aggressive = <mdre-normal>",
    "                  <mdre-extra>",
    "failregex = <mdre-<mode>>",
    "",
    "ignoreregex =",
    "datepattern = {^LN-BEG}",
    'journalmatch = _SYSTEMD_UNIT=demo.service + _COMM="demo d"',
    "",
  ].join("\n"),
};

describe("loadFilter", () => {
  test("by name from an embedded tree: [Init] defaults, passed options, recursive tags", () => {
    const fs = embeddedFS(FILTER);
    const normal = loadFilter(fs, "demo");
    expect(normal.failregex).toEqual(["^(?:demo: )?fail from <HOST>$"]);
    expect(normal.ignoreregex).toEqual([]);
    expect(normal.maxlines).toBe(2);
    expect(normal.file).toBe("embedded:filter.d/demo.conf");
    expect(normal.options["known/mode"]).toBe("normal");
    expect(normal.where!["failregex"]).toEqual({ file: "embedded:filter.d/demo.conf", line: 12 });
    const aggr = loadFilter(fs, "demo", { mode: "aggressive", maxlines: "5" });
    expect(aggr.failregex).toEqual(["^(?:demo: )?fail from <HOST>$", "^(?:demo: )?bad user <F-USER>\\S+</F-USER> from <HOST>$"]);
    expect(aggr.maxlines).toBe(5);
    expect(journalMatchWords(aggr.journalmatch)).toEqual([["_SYSTEMD_UNIT=demo.service", "+", "_COMM=demo d"]]);
  });

  test("by path: inside a filter.d (root = its parent, .local applies) and a foreign file", () => {
    const dir = tree({
      ...FILTER,
      "filter.d/demo.local": "[Init]\nmode = extra\n",
      "elsewhere/mine.conf": "[Definition]\nfailregex = ^x <HOST>$\n  ^y <HOST>$\n",
    });
    expect(loadFilter(embeddedFS({}), join(dir, "filter.d/demo.conf")).failregex).toEqual(["^(?:demo: )?bad user <F-USER>\\S+</F-USER> from <HOST>$"]);
    const mine = loadFilter(embeddedFS({}), join(dir, "elsewhere/mine.conf"));
    expect([mine.name, mine.file, mine.failregex]).toEqual(["mine", join(dir, "elsewhere/mine.conf"), ["^x <HOST>$", "^y <HOST>$"]]);
    expect(loadFilter(embeddedFS({}), join(dir, "elsewhere/mine")).failregex).toHaveLength(2);
  });

  test("errors: unknown filter, missing path, self-referencing tags, bad interpolation", () => {
    expect(() => loadFilter(embeddedFS(FILTER), "nope")).toThrow("filter 'nope' not found in embedded (no filter.d/nope.conf or filter.d/nope.local)");
    expect(() => loadFilter(embeddedFS({}), "/no/such/filter.conf")).toThrow("/no/such/filter.conf: filter file not found");
    const loop = embeddedFS({ "filter.d/l.conf": "[Definition]\na = <b>\nb = x<a>\nfailregex = <a>\n" });
    expect(() => loadFilter(loop, "l")).toThrow(/^embedded:filter\.d\/l\.conf: <\w+> refers to itself/);
    const bad = embeddedFS({ "filter.d/b.conf": "[Definition]\n\nfailregex = %(undefined_thing)s <HOST>\n" });
    expect(() => loadFilter(bad, "b")).toThrow("embedded:filter.d/b.conf:3: unknown interpolation key 'undefined_thing' in option 'failregex' of [Definition]");
  });
});

const ACTION = {
  "action.d/demo.conf": [
    "[Definition]",
    "actionstart = <ipt> -N f2b-<name>",
    "actionban = <ipt> -I f2b-<name> -s <ip> -j <blocktype> # <matches>",
    "actionunban = <ipt> -D f2b-<name> -s <ip> -j <blocktype>",
    "actionstart_on_demand = true",
    "[Init]",
    "blocktype = REJECT",
    "ipt = iptables",
    "port = ssh",
    "[Init?family=inet6]",
    "ipt = ip6tables",
    "",
  ].join("\n"),
};

describe("loadAction", () => {
  test("commands keep run-time tags; properties are the [Init] + passed options", () => {
    const def = loadAction(embeddedFS(ACTION), "demo", { port: "2222", blocktype: "DROP" }, { name: "sshd" });
    expect(def.name).toBe("demo");
    expect(def.commands.actionstart).toBe("<ipt> -N f2b-sshd");
    expect(def.commands.actionban).toBe("<ipt> -I f2b-sshd -s <ip> -j DROP # <matches>");
    expect(def.actionstartOnDemand).toBe(true);
    expect(def.properties).toEqual({ port: "2222", blocktype: "DROP", name: "sshd", actname: "demo", ipt: "iptables", "ipt?family=inet6": "ip6tables" });
  });

  test("a second instance with another name gets a distinct actname", () => {
    expect(loadAction(embeddedFS(ACTION), "demo", { name: "sshd-web" }, { name: "sshd" }).name).toBe("demo-web");
    expect(loadAction(embeddedFS(ACTION), "demo", { name: "other" }, { name: "sshd" }).name).toBe("demo-other");
    expect(() => loadAction(embeddedFS(ACTION), "missing")).toThrow(/action 'missing' not found/);
  });
});

describe("loadJails", () => {
  const JAILS = {
    ...FILTER,
    ...ACTION,
    "jail.conf": [
      "[DEFAULT]",
      "banaction = demo",
      'action = %(banaction)s[port="%(port)s"]',
      "port = 0:65535",
      "logpath = /var/log/%(__name__)s.log",
      "filter = %(__name__)s[mode=%(mode)s]",
      "mode = normal",
      "[demo]",
      "enabled = true",
      "mode = aggressive",
      "port = 22",
      "logpath = /var/log/a.log",
      "          /var/log/b*.log tail",
      "[off]",
      "filter = demo",
      "[badfilter]",
      "enabled = yes",
      "filter = demo[mode=x",
      "[noaction]",
      "enabled = true",
      "filter = demo",
      "action = missing-action",
      "[pyact]",
      "enabled = true",
      "filter = demo",
      "backend = systemd",
      "action = smtp.py[host=mail, actname=mailer]",
      "",
    ].join("\n"),
  };

  test("jails with resolved filter, actions, log paths and where they are declared", () => {
    const jails = loadJails(embeddedFS(JAILS));
    expect(jails.map((j) => [j.name, j.enabled, j.line])).toEqual([
      ["demo", true, 8],
      ["off", false, 14],
      ["badfilter", true, 16],
      ["noaction", true, 19],
      ["pyact", true, 23],
    ]);
    const demo = jails[0]!;
    expect(demo.file).toBe("embedded:jail.conf");
    expect(demo.filter).toEqual({ name: "demo", options: { mode: "aggressive" } });
    expect(demo.filterDef!.failregex).toHaveLength(2);
    expect(demo.actions.map((a) => [a.name, a.options, a.definition!.properties["port"]])).toEqual([["demo", { port: "22" }, "22"]]);
    const at = { file: "embedded:jail.conf", line: 12 }; // the logpath line, for messages about a path
    expect(demo.logpaths).toEqual([
      { path: "/var/log/a.log", where: at },
      { path: "/var/log/b*.log", start: "tail", where: at },
    ]);
    expect(demo.options["port"]).toBe("22");
    expect([demo.where["port"], demo.where["banaction"]]).toEqual([
      { file: "embedded:jail.conf", line: 11 },
      { file: "embedded:jail.conf", line: 2 },
    ]);
    expect(demo.options["fail2ban_confpath"]).toBe("embedded");
  });

  test("broken jails carry an error naming file and line; others are unaffected", () => {
    const jails = loadJails(embeddedFS(JAILS));
    const bad = jails.find((j) => j.name === "badfilter")!;
    expect(bad.error).toBeInstanceOf(ConfigError);
    expect(bad.error!.message).toMatch(/^embedded:jail\.conf:18: jail \[badfilter\]: filter: .*unexpected option syntax/);
    expect(jails.find((j) => j.name === "noaction")!.error!.message).toMatch(
      /^embedded:jail\.conf:22: jail \[noaction\]: action 'missing-action': action 'missing-action' not found/,
    );
    expect(jails.find((j) => j.name === "off")!.error).toBeUndefined();
  });

  test("python actions are reported with their path; systemd jails have no log paths", () => {
    const py = loadJails(embeddedFS(JAILS), { only: ["pyact"] })[0]!;
    expect(py.actions).toEqual([{ name: "mailer", options: { host: "mail", actname: "mailer" }, python: "embedded:action.d/smtp.py" }]);
    expect(py.logpaths).toEqual([]);
    expect(py.backend).toBe("systemd");
  });

  test("forceEnable, and missing jail.conf", () => {
    expect(loadJails(embeddedFS(JAILS), { forceEnable: true, only: ["off"] })[0]!.filterDef?.failregex).toHaveLength(1);
    expect(() => loadJails(embeddedFS({}))).toThrow("no jail.conf or jail.local in embedded");
  });

  test("logpath: head/tail word, anything else is an error", () => {
    expect(parseLogpaths("/a\n/b HEAD\n\n/c tail")).toEqual([{ path: "/a" }, { path: "/b", start: "head" }, { path: "/c", start: "tail" }]);
    expect(() => parseLogpaths("/my logs/x.log", { file: "j.conf", line: 3 })).toThrow(/^j\.conf:3: logpath: the word after a space must be 'head' or 'tail'/);
  });
});

describe("loadFail2banConf", () => {
  test("fail2ban's defaults when nothing is configured", () => {
    const c = loadFail2banConf(embeddedFS({}));
    expect([c.loglevel, c.logtarget, c.socket, c.pidfile, c.dbfile, c.dbpurgeage, c.dbmaxmatches]).toEqual([
      "INFO",
      "STDERR",
      "/var/run/fail2ban/fail2ban.sock",
      "/var/run/fail2ban/fail2ban.pid",
      "/var/lib/fail2ban/fail2ban.sqlite3",
      "1d",
      undefined,
    ]);
  });

  test("fail2ban.conf + fail2ban.d + fail2ban.local, [Thread], raw sections like [api]", () => {
    const c = loadFail2banConf(
      embeddedFS({
        "fail2ban.conf": "[DEFAULT]\nloglevel = INFO\n[Definition]\ndbmaxmatches = 10\n[Thread]\nstacksize = 128\n",
        "fail2ban.d/a.conf": "[Definition]\nlogtarget = SYSLOG\n",
        "fail2ban.local": "[Definition]\nloglevel = DEBUG\n[api]\ntoken = %(dir)s/token\ndir = /etc/f2b\n",
      }),
    );
    expect([c.loglevel, c.logtarget, c.dbmaxmatches, c.stacksize]).toEqual(["DEBUG", "SYSLOG", 10, 128]);
    expect(c.sections["api"]).toEqual({ token: "/etc/f2b/token", dir: "/etc/f2b", loglevel: "INFO" });
  });

  test("invalid values name file and line", () => {
    expect(() => loadFail2banConf(embeddedFS({ "fail2ban.conf": "[Definition]\nloglevel = LOUD\n" }))).toThrow(
      /^embedded:fail2ban\.conf:2: invalid loglevel.*: "LOUD"$/,
    );
    expect(() => loadFail2banConf(embeddedFS({ "fail2ban.conf": "[Definition]\n\ndbmaxmatches = ten\n" }))).toThrow(
      /^embedded:fail2ban\.conf:3: dbmaxmatches must be an integer/,
    );
  });
});

describe("f2b's shipped config (embedded)", () => {
  test("every jail resolves when force-enabled, every filter loads, fail2ban.conf reads", () => {
    const fs = embeddedFS();
    const jails = loadJails(fs, { forceEnable: true });
    expect(jails.length).toBeGreaterThan(0);
    expect(jails.filter((j) => j.error || !j.filterDef).map((j) => `${j.name}: ${j.error?.message ?? "no filter"}`)).toEqual([]);
    const filters = fs.list("filter.d").filter((f) => f.endsWith(".conf") && f !== "common.conf");
    for (const f of filters) expect(loadFilter(fs, f.slice(0, -5)).failregex.length).toBeGreaterThan(0);
    expect(loadFail2banConf(fs).files).toContain("embedded:fail2ban.conf");
  });
});
