// Differential test, for each fail2ban oracle (1.0.2, 1.1.1): a copy of its stock config with a
// jail.local enabling several jails, read by its `fail2ban-client -c DIR -d` (the parsed command
// stream) and by loadJails/loadFail2banConf; then every stock jail force-enabled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { FAIL2BAN_VERSION, loadJails, type JailConfig } from "../../src/config/jail-reader.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { viewOfJail as viewOfOurJail, viewOfStream, type View } from "./stream-view.ts";
import { oracles, PYTHON, type Oracle } from "../helpers/fail2ban-server.ts";

const tmp = mkdtempSync(join(tmpdir(), "f2b-jailcompat-"));
afterAll(() => (process.env["KEEP_TMP"] ? undefined : rmSync(tmp, { recursive: true, force: true })));

/** Our view with `%(fail2ban_version)s` spelled as the oracle's: a name, not a behaviour. */
function viewOfJail(j: JailConfig, o: Oracle): ReturnType<typeof viewOfOurJail> {
  const v = viewOfOurJail(j);
  return o.version === FAIL2BAN_VERSION ? v : (JSON.parse(JSON.stringify(v).replaceAll(`Fail2Ban/${FAIL2BAN_VERSION}`, `Fail2Ban/${o.version}`)) as typeof v);
}

/**
 * 1.0.2 only: where a jail passes `opt` to an action whose [Init] has `opt?cond` variants, f2b
 * (as 1.1.1) gives the variants the passed value; 1.0.2 kept the file's. Those entries take 1.0.2's
 * value here and are counted, so every other difference still fails.
 */
function as102(ours: View, theirs: View | undefined): number {
  let n = 0;
  for (const [act, opts] of Object.entries(ours.actions)) {
    for (const [k, v] of Object.entries(opts)) {
      const cond = /^(\w+)\?/u.exec(k);
      const their = theirs?.actions[act]?.[k];
      if (cond && their !== undefined && their !== v && v === opts[cond[1]!]) {
        opts[k] = their;
        n++;
      }
    }
  }
  return n;
}

function setup(o: Oracle, dir: string): void {
  cpSync(o.etc, join(dir, "conf"), { recursive: true });
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
  // 1.1's option lists take conditional names (1.0.2 rejects the jail)
  if (o.version !== "1.0.2") {
    writeFileSync(
      join(conf, "jail.d", "zz-cond.local"),
      `[pure-ftpd]\nenabled = true\nbackend = polling\nlogpath = ${logs}/f2b.log\naction = iptables-multiport[name=ftp, port="ftp", blocktype?family=inet6=DROP]\n\t iptables-allports[name=all,\tblocktype=DROP]\n`,
    );
  }
  writeFileSync(join(conf, "filter.d", "nginx-http-auth.local"), "[Definition]\nignoreregex = ^never <HOST>$\n");
  writeFileSync(join(conf, "fail2ban.local"), "[Definition]\nloglevel = NOTICE\ndbpurgeage = 2d\n\n[api]\nlisten = 127.0.0.1:9191\n");
}

for (const o of oracles("jail-compat")) {
  const dir = join(tmp, o.version);
  mkdirSync(dir);

  describe(`loadJails vs fail2ban-client -d of ${o.version}`, () => {
    test("same jails, filters, options, log paths and actions as fail2ban's parsed stream", () => {
      setup(o, dir);
      const proc = Bun.spawnSync([PYTHON, join(import.meta.dir, "oracle", "client-d.py"), join(dir, "conf"), o.python, o.client], {
        env: { ...process.env, ...o.env },
      });
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
        const ours = viewOfJail(j, o);
        const t = theirs.jails[j.name]!;
        ours.logpaths.sort();
        t.logpaths.sort();
        expect({ jail: j.name, ...ours }).toEqual({ jail: j.name, ...t });
        compared += Object.keys(t.actions).length + 1;
      }
      console.log(`jail-compat ${o.version}: ${ok.length} jails (${compared} jail+action definitions) identical to fail2ban-client -d`);

      const conf = loadFail2banConf(fs);
      const ourGlobal: Record<string, string> = {
        syslogsocket: conf.syslogsocket,
        loglevel: conf.loglevel,
        logtarget: conf.logtarget,
        allowipv6: conf.allowipv6,
        dbfile: conf.dbfile,
        dbmaxmatches: String(conf.dbmaxmatches),
        dbpurgeage: conf.dbpurgeage,
      };
      expect(ourGlobal).toEqual(theirs.global);
      expect(conf.sections["api"]).toMatchObject({ listen: "127.0.0.1:9191" });
    }, 60_000);
  });

  // Every jail of the stock jail.conf, force-enabled, through fail2ban's JailsReader; then again
  // with [DEFAULT] overrides that change every jail's filter mode, banaction and action shortcut.
  const VARIANTS: Record<string, string | undefined> = {
    stock: undefined,
    "nftables + action_mwl + aggressive":
      "[DEFAULT]\nbanaction = nftables-multiport\nbanaction_allports = nftables-allports\naction = %(action_mwl)s\nmode = aggressive\nport = 1:1000\n",
    "iptables-ipset + action_xarf + systemd":
      "[DEFAULT]\nbanaction = iptables-ipset-proto6\naction = %(action_xarf)s\n         %(action_blocklist_de)s\n         smtp.py[host=localhost]\nbackend = systemd\nblocklist_de_apikey = KEY\n",
  };

  describe(`loadJails({forceEnable}) vs fail2ban ${o.version} JailsReader, every stock jail`, () => {
    const confs = Object.entries(VARIANTS).map(([label, local]) => {
      const conf = join(dir, `all-${label.replace(/\W+/gu, "-")}`);
      return { label, local, conf };
    });
    // One Python process for all variants: interpreter start-up dominates otherwise.
    let streams: { stream: unknown[][] }[] = [];
    beforeAll(() => {
      for (const { local, conf } of confs) {
        cpSync(o.etc, conf, { recursive: true });
        if (local) writeFileSync(join(conf, "jail.local"), local);
      }
      const proc = Bun.spawnSync([PYTHON, join(import.meta.dir, "oracle", "jails.py"), ...confs.map((c) => c.conf)], { env: { ...process.env, ...o.env } });
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
        let condArgs = 0;
        const diffs: string[] = [];
        for (const j of ok) {
          const ours = viewOfJail(j, o);
          const t = theirs.jails[j.name]!;
          if (o.version === "1.0.2") condArgs += as102(ours, t);
          ours.logpaths.sort();
          t.logpaths.sort();
          if (Bun.deepEquals(ours, t)) same++;
          else if (diffs.push(j.name) === 1) expect({ jail: j.name, ...ours }).toEqual({ jail: j.name, ...t }); // shows the first difference
        }
        console.log(
          `jail-compat ${o.version} [${label}]: ${same}/${ok.length} jails identical to fail2ban's JailsReader (${theirs.errors.length} skipped by both)${condArgs ? `; ${condArgs} conditional [Init] options take the jail's argument as in 1.1 (1.0.2 kept the file's)` : ""}`,
        );
        expect(diffs).toEqual([]);
        expect(same).toBeGreaterThan(50);
      });
    });
  });
}
