// The compiled f2b server running inside the server namespace, and its CLI.
import { readFileSync } from "node:fs";
import type { NetnsPair } from "../helpers/netns.ts";
import { F2B, type E2eRoot } from "./fixtures.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class F2bProcess {
  private constructor(
    private readonly proc: ReturnType<typeof Bun.spawn>,
    private readonly root: E2eRoot,
  ) {}

  static async start(pair: NetnsPair, root: E2eRoot, extra: string[] = []): Promise<F2bProcess> {
    const proc = Bun.spawn(["ip", "netns", "exec", pair.server, F2B, "server", "-c", root.conf, "-f", ...extra], {
      stdout: "inherit",
      stderr: "inherit",
    });
    const p = new F2bProcess(proc, root);
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) throw new Error(`f2b server exited with ${proc.exitCode}:\n${p.logTextSync()}`);
      if ((await p.cli(["ping"])).code === 0) return p;
      await Bun.sleep(50);
    }
    proc.kill();
    throw new Error(`f2b server did not answer within 15 s:\n${p.logTextSync()}`);
  }

  async cli(args: string[]): Promise<CliResult> {
    const p = Bun.spawn([F2B, "-s", this.root.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  }

  private async banned(jail: string): Promise<string[]> {
    const r = await this.cli(["get", jail, "banned", "--json"]);
    return r.code === 0 ? (JSON.parse(r.stdout) as string[]) : [];
  }

  async waitBanned(jail: string, ip: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if ((await this.banned(jail)).includes(ip)) return;
      await Bun.sleep(25);
    }
    throw new Error(`${ip} not banned in ${jail} within ${ms} ms:\n${this.logTextSync()}`);
  }

  async waitUnbanned(jail: string, ip: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!(await this.banned(jail)).includes(ip)) return;
      await Bun.sleep(50);
    }
    throw new Error(`${ip} still banned in ${jail} after ${ms} ms`);
  }

  logTextSync(): string {
    try {
      return readFileSync(this.root.f2bLog, "utf8");
    } catch {
      return "(no log)";
    }
  }

  async logText(): Promise<string> {
    return this.logTextSync();
  }

  exited(): Promise<number> {
    return this.proc.exited;
  }

  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.kill(signal);
    await this.proc.exited;
  }
}
