// Differential test: a copy of /etc/fail2ban with a jail.local enabling several jails, read by
// `fail2ban-client -c DIR -d` (its parsed command stream) and by loadJails/loadFail2banConf.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { loadJails } from "../../src/config/jail-reader.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { viewOfJail, viewOfStream } from "./stream-view.ts";

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

describe.skipIf(!available)("loadJails vs fail2ban-client -d", () => {
  test("same jails, filters, options, log paths and actions as fail2ban's parsed stream", () => {
    setup();
    const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "oracle", "client-d.py"), join(dir, "conf")]);
    const out = JSON.parse(proc.stdout.toString()) as { rc: number; stderr: string; stream: unknown[][] };
    expect(out.rc).toBe(0);
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
  }, 60_000);
});

// Every jail of the stock jail.conf, force-enabled, through fail2ban's JailsReader; then again
// with [DEFAULT] overrides that change every jail's filter mode, banaction and action shortcut.
const VARIANTS: Record<string, string | undefined> = {
  stock: undefined,
  "nftables + action_mwl + aggressive": "[DEFAULT]\nbanaction = nftables-multiport\nbanaction_allports = nftables-allports\naction = %(action_mwl)s\nmode = aggressive\nport = 1:1000\n",
  "iptables-ipset + action_xarf + systemd": "[DEFAULT]\nbanaction = iptables-ipset-proto6\naction = %(action_xarf)s\n         %(action_blocklist_de)s\n         smtp.py[host=localhost]\nbackend = systemd\nblocklist_de_apikey = KEY\n",
};

describe.skipIf(!available)("loadJails({forceEnable}) vs fail2ban JailsReader, every stock jail", () => {
  const confs = Object.entries(VARIANTS).map(([label, local]) => {
    const conf = join(dir, `all-${label.replace(/\W+/gu, "-")}`);
    return { label, local, conf };
  });
  // One Python process for all variants: interpreter start-up dominates otherwise.
  let streams: { stream: unknown[][] }[] = [];
  beforeAll(() => {
    for (const { local, conf } of confs) {
      cpSync("/etc/fail2ban", conf, { recursive: true });
      if (local) writeFileSync(join(conf, "jail.local"), local);
    }
    const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "oracle", "jails.py"), ...confs.map((c) => c.conf)]);
    if (proc.exitCode !== 0) throw new Error(`oracle exited ${proc.exitCode} (${proc.signalCode ?? "no signal"}): ${proc.stderr.toString().slice(-500)}`);
    streams = JSON.parse(proc.stdout.toString()) as { stream: unknown[][] }[];
  }, 60_000);
  confs.forEach(({ label, conf }, index) => {
    test(label, () => {
      const theirs = viewOfStream(streams[index]!.stream);
      const jails = loadJails(diskFS(conf), { forceEnable: true });
      const ok = jails.filter((j) => !j.error);
      expect(ok.map((j) => j.name)).toEqual(theirs.started);
      expect(jails.length - ok.length).toBe(theirs.errors.length);
      let same = 0;
      const diffs: string[] = [];
      for (const j of ok) {
        const ours = viewOfJail(j);
        const t = theirs.jails[j.name]!;
        ours.logpaths.sort();
        t.logpaths.sort();
        if (Bun.deepEquals(ours, t)) same++;
        else diffs.push(j.name);
      }
      console.log(`jail-compat [${label}]: ${same}/${ok.length} jails identical to fail2ban's JailsReader (${theirs.errors.length} skipped by both)`);
      expect(diffs).toEqual([]);
      expect(same).toBeGreaterThan(50);
    });
  });
});
