// Differential test: a copy of /etc/fail2ban with a jail.local enabling several jails, read by
// `fail2ban-client -c DIR -d` (its parsed command stream) and by loadJails/loadFail2banConf.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitJournalMatch } from "../../src/config/filter-reader.ts";
import { diskFS } from "../../src/config/fs.ts";
import { loadJails, type JailConfig } from "../../src/config/jail-reader.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { splitWords } from "../../src/config/options.ts";

const available = existsSync("/usr/bin/fail2ban-client") && existsSync("/etc/fail2ban/jail.conf");
if (!available) console.warn("jail-compat: skipped, needs fail2ban-client and /etc/fail2ban");

const dir = mkdtempSync(join(tmpdir(), "f2b-jailcompat-"));
afterAll(() => (process.env["KEEP_TMP"] ? undefined : rmSync(dir, { recursive: true, force: true })));

function setup(): void {
  cpSync("/etc/fail2ban", join(dir, "conf"), { recursive: true });
  const logs = join(dir, "logs");
  mkdirSync(logs);
  for (const f of ["auth.log", "mail.log", "web-1.log", "web-2.log", "f2b.log"]) writeFileSync(join(logs, f), "");
  const conf = join(dir, "conf");
  writeFileSync(
    join(conf, "jail.local"),
    `[DEFAULT]
ignoreip = 127.0.0.1/8 ::1, 10.0.0.0/8
bantime.increment = true
bantime.factor = 2
destemail = admin@example.org

[sshd]
enabled = true
mode = aggressive
port = 2222
backend = polling
logpath = ${logs}/auth.log
          ${logs}/web-*.log tail
maxretry = 3

[nginx-http-auth]
enabled = true
banaction = nftables-multiport
logpath = ${logs}/web-1.log head

[postfix]
enabled = true
mode = aggressive
backend = auto
logpath = ${logs}/mail.log
action = %(action_mwl)s

[recidive]
enabled = true
logpath = ${logs}/f2b.log
bantime = 2w

[dovecot]
enabled = true
backend = systemd
banaction = nftables-allports
maxlines = 3
ignoreregex = ^ignored <HOST>$

[apache-auth]
enabled = true
logpath = ${logs}/web-2.log
action = iptables-multiport[name=WEB, port="http,https", protocol=tcp]
         hostsdeny[daemon_list=ALL]
failregex = %(known/failregex)s
            ^extra failure from <HOST>$
datepattern = {^LN-BEG}%%Y-%%m-%%d

[apache-badbots]
enabled = false

[brokenjail]
enabled = true
filter = no-such-filter
logpath = ${logs}/auth.log
`,
  );
  writeFileSync(join(conf, "jail.d", "zz-custom.local"), "[sshd]\nfindtime = 1h\nusedns = no\n");
  writeFileSync(join(conf, "filter.d", "nginx-http-auth.local"), "[Definition]\nignoreregex = ^never <HOST>$\n");
  writeFileSync(join(conf, "fail2ban.local"), "[Definition]\nloglevel = NOTICE\ndbpurgeage = 2d\n\n[api]\nlisten = 127.0.0.1:9191\n");
}

type View = { backend?: string; filter: Record<string, unknown>; opts: Record<string, string>; ignoreip: string[]; logpaths: string[]; actions: Record<string, Record<string, string>> };
const newView = (): View => ({ filter: { failregex: [], ignoreregex: [], journalmatch: [] }, opts: {}, ignoreip: [], logpaths: [], actions: {} });
const py = (v: unknown): string => (v === true ? "True" : v === false ? "False" : String(v));

/** fail2ban's command stream folded per jail (later `set` wins, `add…` appends). */
function viewOfStream(stream: unknown[][]): { global: Record<string, string>; jails: Record<string, View>; started: string[]; errors: string[] } {
  const global: Record<string, string> = {};
  const jails: Record<string, View> = {};
  const started: string[] = [];
  const errors: string[] = [];
  for (const cmd of stream) {
    const [op, a, b, ...rest] = cmd as [string, string, string, ...unknown[]];
    if (op === "config-error") errors.push(String(a));
    else if (op === "start") started.push(a);
    else if (op === "add") (jails[a] ??= newView()).backend = b;
    else if (cmd.length === 3) global[a] = py(b);
    else {
      const v = (jails[a] ??= newView());
      const vals = op === "multi-set" && b !== "action" ? (rest[0] as unknown[]) : rest;
      if (b === "addfailregex" || b === "addignoreregex") (v.filter[b.slice(3)] as unknown[]).push(...vals);
      else if (b === "addjournalmatch") (v.filter["journalmatch"] as unknown[]).push(vals);
      else if (b === "addlogpath") v.logpaths.push(`${vals[0]} ${vals[1]}`);
      else if (b === "addignoreip") v.ignoreip.push(...vals.map(String));
      else if (b === "addaction") v.actions[String(vals[0])] = {};
      else if (b === "action") {
        const pairs = op === "multi-set" ? (rest[1] as [string, unknown][]) : [rest.slice(1) as [string, unknown]];
        for (const [k, val] of pairs) v.actions[String(rest[0])]![k] = py(val);
      } else if (["usedns", "prefregex", "maxlines", "datepattern"].includes(b)) v.filter[b] = py(vals[0]);
      else v.opts[b] = py(vals[0]);
    }
  }
  return { global, jails, started, errors };
}

const INTS = new Set(["maxretry", "maxmatches"]);
const BOOLS = new Set(["bantime.increment", "bantime.overalljails", "ignoreself"]);
const STREAMED = ["maxretry", "maxmatches", "findtime", "bantime", "bantime.increment", "bantime.factor", "bantime.formula", "bantime.multipliers", "bantime.maxtime", "bantime.rndtime", "bantime.overalljails", "ignorecommand", "ignoreself", "ignorecache", "logtimezone", "logencoding"];

function viewOfJail(j: JailConfig): View {
  const v = newView();
  v.backend = j.backend;
  const f = j.filterDef!;
  v.filter = { failregex: f.failregex, ignoreregex: f.ignoreregex, journalmatch: f.journalmatch ? splitJournalMatch(f.journalmatch) : [] };
  for (const k of ["usedns", "prefregex", "maxlines", "datepattern"] as const) if (f[k] !== undefined) v.filter[k] = String(f[k]);
  for (const k of STREAMED) {
    const val = j.options[k];
    if (val === undefined) continue;
    v.opts[k] = INTS.has(k) ? String(parseInt(val, 10)) : BOOLS.has(k) ? py(["1", "on", "true", "yes"].includes(val.toLowerCase())) : val;
  }
  if (j.options["ignoreip"] !== undefined) v.ignoreip = splitWords(j.options["ignoreip"]);
  for (const lp of j.logpaths) {
    const found = /[*?[]/u.test(lp.path) ? [...new Bun.Glob(lp.path).scanSync({ cwd: "/", absolute: true })] : existsSync(lp.path) ? [lp.path] : [];
    for (const p of found) v.logpaths.push(`${p} ${lp.start ?? "head"}`);
  }
  for (const a of j.actions) {
    const d = a.definition!;
    const props: Record<string, string> = { ...d.commands };
    if (d.actionstartOnDemand !== undefined) props["actionstart_on_demand"] = py(d.actionstartOnDemand);
    if (d.actionrepairOnUnban !== undefined) props["actionrepair_on_unban"] = py(d.actionrepairOnUnban);
    if (d.norestored !== undefined) props["norestored"] = py(d.norestored);
    v.actions[d.name] = { ...props, ...d.properties };
  }
  return v;
}

describe.skipIf(!available)("loadJails vs fail2ban-client -d", () => {
  test("same jails, filters, options, log paths and actions as fail2ban's parsed stream", () => {
    setup();
    const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "oracle", "client-d.py"), join(dir, "conf")]);
    const out = JSON.parse(proc.stdout.toString()) as { rc: number; stderr: string; stream: unknown[][] };
    expect(out.stream.length).toBeGreaterThan(20);
    const theirs = viewOfStream(out.stream);

    const fs = diskFS(join(dir, "conf"));
    const jails = loadJails(fs);
    const enabled = jails.filter((j) => j.enabled);
    const ok = enabled.filter((j) => !j.error);
    expect(ok.map((j) => j.name)).toEqual(theirs.started);
    expect(enabled.filter((j) => j.error).map((j) => j.name)).toEqual(["brokenjail"]);
    expect(theirs.errors.length).toBe(1);
    expect(jails.find((j) => j.name === "apache-badbots")?.enabled).toBe(false);
    let compared = 0;
    for (const j of ok) {
      const ours = viewOfJail(j);
      const t = theirs.jails[j.name]!;
      ours.logpaths.sort();
      t.logpaths.sort();
      expect({ jail: j.name, ...ours }).toEqual({ jail: j.name, ...t });
      compared += Object.keys(t.actions).length + 1;
    }
    console.log(`jail-compat: ${ok.length} jails (${compared} jail+action definitions) identical to fail2ban-client -d`);

    const conf = loadFail2banConf(fs);
    const ourGlobal: Record<string, string> = { syslogsocket: conf.syslogsocket, loglevel: conf.loglevel, logtarget: conf.logtarget, allowipv6: conf.allowipv6, dbfile: conf.dbfile, dbmaxmatches: String(conf.dbmaxmatches), dbpurgeage: conf.dbpurgeage };
    expect(ourGlobal).toEqual(theirs.global);
    expect(conf.sections["api"]).toMatchObject({ listen: "127.0.0.1:9191" });
  });
});
