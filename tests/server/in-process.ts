// Servers run inside the test process (real files, SQLite, firewall-free actions) and stopped
// after each test.
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { diskFS } from "../../src/config/fs.ts";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { ServerController } from "../../src/server/controller.ts";
import { getLog } from "../../src/server/log.ts";
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
