// A throw-away f2b config root for server tests: our own tiny filter, dummy or native actions,
// real log files, a real SQLite file and a real control socket in a temp dir.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
export { until } from "../helpers/wait.ts";

export interface TestRoot {
  dir: string;
  conf: string;
  log: string;
  socket: string;
  db: string;
  f2bLog: string;
  writeJailLocal(text: string): void;
  fail(ip: string, n?: number, user?: string): void;
  cleanup(): void;
}

const FILTER = `
[Definition]
failregex = ^\\s*testd\\[\\d+\\]: login failed for <F-USER>\\S+</F-USER> from <HOST>$
ignoreregex =
datepattern = {^LN-BEG}%%Y-%%m-%%d %%H:%%M:%%S
`;

export function makeRoot(jailLocal: string): TestRoot {
  const dir = mkdtempSync(join(tmpdir(), "f2b-srv-"));
  const conf = join(dir, "conf");
  mkdirSync(join(conf, "filter.d"), { recursive: true });
  mkdirSync(join(conf, "action.d"), { recursive: true });
  const root: TestRoot = {
    dir,
    conf,
    log: join(dir, "test.log"),
    socket: join(dir, "run", "f2b.sock"),
    db: join(dir, "f2b.sqlite3"),
    f2bLog: join(dir, "f2b.log"),
    writeJailLocal: (text) => writeFileSync(join(conf, "jail.local"), text),
    fail(ip, n = 1, user = "root") {
      const now = new Date();
      const p = (x: number): string => String(x).padStart(2, "0");
      const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
      let text = "";
      for (let i = 0; i < n; i++) text += `${stamp} testd[${100 + i}]: login failed for ${user} from ${ip}\n`;
      appendFileSync(root.log, text);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  writeFileSync(join(conf, "filter.d", "testd.conf"), FILTER);
  writeFileSync(join(conf, "action.d", "dummy.conf"), "[Definition]\n");
  writeFileSync(
    join(conf, "fail2ban.conf"),
    `[Definition]\nloglevel = INFO\nlogtarget = ${root.f2bLog}\nsocket = ${root.socket}\npidfile = ${join(dir, "run", "f2b.pid")}\ndbfile = ${root.db}\ndbpurgeage = 1d\n`,
  );
  writeFileSync(
    join(conf, "jail.conf"),
    `[DEFAULT]\nbantime = 10m\nfindtime = 10m\nmaxretry = 3\nbackend = auto\nusedns = no\nignoreself = false\nbanaction = dummy\naction = %(banaction)s\n\n[testd]\nenabled = true\nfilter = testd\nlogpath = ${root.log}\n`,
  );
  writeFileSync(root.log, "");
  root.writeJailLocal(jailLocal);
  return root;
}
