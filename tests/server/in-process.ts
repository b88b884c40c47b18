// Servers run inside the test process (real files, SQLite, firewall-free actions) and stopped
// after each test.
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { diskFS } from "../../src/config/fs.ts";
import { systemClock } from "../../src/system/clock.ts";
import { ActionFactory } from "../../src/server/build-actions.ts";
import { ServerController } from "../../src/server/controller.ts";
import { F2bServer } from "../../src/server/server.ts";

export interface Running {
  server: F2bServer;
  ctl: ServerController;
}

export class ServerPool {
  private servers: F2bServer[] = [];

  async start(confDir: string): Promise<Running> {
    const fs = diskFS(confDir);
    const server = new F2bServer({ fs, conf: loadFail2banConf(fs), clock: systemClock, actions: new ActionFactory() });
    await server.start();
    this.servers.push(server);
    return { server, ctl: new ServerController(server, systemClock, { shutdown() {} }) };
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
