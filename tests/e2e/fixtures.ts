// End-to-end fixtures: a real HTTP login service in the server namespace that logs failed
// logins, an attacker client bound to a chosen source address, and the compiled f2b binary.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PYTHON, type NetnsPair } from "../helpers/netns.ts";

export const REPO = join(import.meta.dir, "..", "..");
export const F2B = join(REPO, "dist", "f2b");

/** Builds dist/f2b when it is missing (scripts/test.ts builds it before the suite). */
export function ensureBinary(): string {
  if (!existsSync(F2B)) {
    const r = spawnSync(process.execPath, [join(REPO, "scripts", "build.ts")], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("building dist/f2b failed");
  }
  return F2B;
}

// A login form: wrong password → 401 and a log line naming the client address (as a web app's
// auth log would), right password → 200.
const WEBAPP = String.raw`
import http.server, socket, sys, time, os
port, logfile = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"hello\n")
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        form = dict(kv.split("=", 1) for kv in body.split("&") if "=" in kv)
        ip = self.client_address[0].removeprefix("::ffff:")
        if form.get("password") == "secret":
            self.send_response(200); self.end_headers(); self.wfile.write(b"welcome\n"); return
        with open(logfile, "a") as f:
            f.write("%s webapp[%d]: login failed for %s from %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), os.getpid(), form.get("user", "-"), ip))
        self.send_response(401); self.end_headers(); self.wfile.write(b"denied\n")
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
srv = S(("::", port), H)
print("ready", flush=True)
srv.serve_forever()
`;

// One login attempt from a given source address; prints the HTTP status, or why it failed.
const LOGIN = String.raw`
import http.client, sys, socket
src, dst, port, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection(dst, port, timeout=1.5, source_address=(src, 0))
try:
    c.request("POST", "/login", body="user=admin&password=" + password, headers={"Content-Type": "application/x-www-form-urlencoded"})
    print(c.getresponse().status)
except ConnectionRefusedError: print("refused")
except (socket.timeout, TimeoutError): print("timeout")
except OSError as e: print("error", e)
`;

export async function startWebapp(pair: NetnsPair, port: number, logfile: string): Promise<{ stop(): void }> {
  const proc = Bun.spawn(["ip", "netns", "exec", pair.server, PYTHON, "-c", WEBAPP, String(port), logfile], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const first = await proc.stdout.getReader().read();
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).includes("ready")) {
    proc.kill();
    throw new Error("webapp did not start");
  }
  return { stop: () => proc.kill() };
}

export async function login(pair: NetnsPair, src: string, dst: string, port: number, password: string): Promise<string> {
  const r = await pair.exec(pair.attacker, [PYTHON, "-c", LOGIN, src, dst, String(port), password]);
  return r.stdout.trim() || r.stderr.trim();
}

export interface E2eRoot {
  dir: string;
  conf: string;
  log: string;
  socket: string;
  db: string;
  f2bLog: string;
  cleanup(): void;
}

/** A config root with our webapp filter and one jail; `jail` adds/overrides options. */
export function e2eRoot(jail: Record<string, string>): E2eRoot {
  const dir = mkdtempSync(join(tmpdir(), "f2b-e2e-"));
  const conf = join(dir, "conf");
  mkdirSync(join(conf, "filter.d"), { recursive: true });
  const r: E2eRoot = {
    dir,
    conf,
    log: join(dir, "webapp.log"),
    socket: join(dir, "f2b.sock"),
    db: join(dir, "f2b.sqlite3"),
    f2bLog: join(dir, "f2b.log"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  writeFileSync(r.log, "");
  cpSync(join(REPO, "jails", "action.d"), join(conf, "action.d"), { recursive: true });
  writeFileSync(
    join(conf, "filter.d", "webapp.conf"),
    "[Definition]\nfailregex = ^\\s*webapp\\[\\d+\\]: login failed for <F-USER>\\S+</F-USER> from <HOST>$\n",
  );
  writeFileSync(
    join(conf, "fail2ban.conf"),
    `[Definition]\nloglevel = INFO\nlogtarget = ${r.f2bLog}\nsocket = ${r.socket}\npidfile = ${join(dir, "f2b.pid")}\ndbfile = ${r.db}\nreconcileinterval = 1\n`,
  );
  const options = { enabled: "true", filter: "webapp", logpath: r.log, usedns: "no", ignoreself: "false", ...jail };
  writeFileSync(
    join(conf, "jail.conf"),
    `[webapp]\n${Object.entries(options)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n")}\n`,
  );
  return r;
}
