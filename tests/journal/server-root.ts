// A throw-away f2b config root whose jail reads real journal files: a tiny filter for "jtest"
// journal entries (matched by SYSLOG_IDENTIFIER), the dummy action, a real SQLite file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entry, type ExportEntry } from "./journal-files.ts";

export interface JournalRoot {
  dir: string;
  conf: string;
  /** Directory for journal files (journalpath). */
  jdir: string;
  db: string;
  f2bLog: string;
  cleanup(): void;
}

const FILTER = String.raw`[Definition]
failregex = ^\S+ jtest\[\d+\]: login failed for <F-USER>\S+</F-USER> from <HOST>$
journalmatch = SYSLOG_IDENTIFIER=jtest
`;

/** `jails` is jail.local text; %(jdir)s in it names the journal directory. */
export function journalRoot(jails: (r: JournalRoot) => string): JournalRoot {
  const dir = mkdtempSync(join(tmpdir(), "f2b-jsrv-"));
  const conf = join(dir, "conf");
  const r: JournalRoot = {
    dir,
    conf,
    jdir: join(dir, "journal"),
    db: join(dir, "f2b.sqlite3"),
    f2bLog: join(dir, "f2b.log"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  mkdirSync(join(conf, "filter.d"), { recursive: true });
  mkdirSync(join(conf, "action.d"), { recursive: true });
  mkdirSync(r.jdir);
  writeFileSync(join(conf, "filter.d", "jtest.conf"), FILTER);
  writeFileSync(join(conf, "filter.d", "testd.conf"), "[Definition]\nfailregex = ^testd: login failed from <HOST>$\ndatepattern = {NONE}\n");
  writeFileSync(join(conf, "action.d", "dummy.conf"), "[Definition]\n");
  writeFileSync(
    join(conf, "fail2ban.conf"),
    `[Definition]\nloglevel = INFO\nlogtarget = ${r.f2bLog}\nsocket = ${join(dir, "f2b.sock")}\npidfile = ${join(dir, "f2b.pid")}\ndbfile = ${r.db}\n`,
  );
  writeFileSync(
    join(conf, "jail.conf"),
    "[DEFAULT]\nbantime = 10m\nfindtime = 10m\nmaxretry = 3\nusedns = no\nignoreself = false\nbanaction = dummy\naction = %(banaction)s\n",
  );
  writeFileSync(join(conf, "jail.local"), jails(r));
  return r;
}

/** A "jtest" login failure naming `ip`, at `sec` (default: now). */
export function jfail(ip: string, sec = Date.now() / 1000, user = "admin"): ExportEntry {
  return entry(sec, `login failed for ${user} from ${ip}`, { SYSLOG_IDENTIFIER: "jtest", _COMM: "jtest", _SYSTEMD_UNIT: "jtest.service" });
}
