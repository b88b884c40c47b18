// Servers run inside the test process (real files, SQLite, firewall-free actions) and stopped
// after each test.
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { diskFS } from "../../src/config/fs.ts";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { ServerController } from "../../src/server/controller.ts";
import { afterEach } from "bun:test";
import { captureSink, getLog, setupLogging } from "../../src/server/log.ts";
import { F2bServer } from "../../src/server/server.ts";
import { createSystemDeps } from "../../src/system/deps.ts";

export interface Running {
  server: F2bServer;
  ctl: ServerController;
}

export class ServerPool {
  private servers: F2bServer[] = [];

  async start(confDir: string): Promise<Running> {
    const fs = diskFS(confDir);
    // The system deps exactly as `f2b server` builds them (src/server/main.ts): nothing replaced.
    const system = createSystemDeps({ logger: getLog });
    const server = new F2bServer({ fs, conf: loadFail2banConf(fs), system, actions: new ActionFactory({ system }) });
    await server.start();
    this.servers.push(server);
    return { server, ctl: new ServerController(server, system.clock, { shutdown() {} }) };
  }

  async stop(server: F2bServer): Promise<void> {
    await server.stop();
    this.servers = this.servers.filter((s) => s !== server);
  }

  async stopAll(): Promise<void> {
    for (const s of this.servers) await s.stop().catch(() => {});
    this.servers = [];
  }
}

/**
 * A test file's servers, test roots and captured log: after each test the servers stop, the roots
 * are removed and the captured lines cleared (each test looks at its own log lines).
 */
export function serverBed(): { pool: ServerPool; sink: ReturnType<typeof captureSink>; keep<T extends { cleanup(): void }>(root: T): T } {
  const pool = new ServerPool();
  const roots: Array<{ cleanup(): void }> = [];
  const sink = captureSink();
  setupLogging({ target: "STDOUT", level: "INFO", sink, reopenOnSignal: false });
  afterEach(async () => {
    await pool.stopAll();
    for (const r of roots.splice(0)) r.cleanup();
    sink.lines.length = 0;
  });
  return {
    pool,
    sink,
    keep: (root) => {
      roots.push(root);
      return root;
    },
  };
}
