// Runs one batch of scenarios (one jail each) on one daemon and snapshots every jail after the
// history is read and after each phase. Waiting is by condition: a sentinel line from an ignored
// address is appended, and the daemon has read everything before it once its log says
// "[jail] Ignore <sentinel> by ip"; then the jail's state is polled until it stops changing.
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "../helpers/wait.ts";
import { fail2banConf } from "../helpers/fail2ban-server.ts";
import type { Daemon, Running } from "./daemons.ts";
import { fail2banBanLine, fail2banLogNoise, sshdFailure, sshdNoise } from "./log-lines.ts";
import { sentinelIp, type Event, type Scenario, type Template } from "./scenario.ts";

export interface Snapshot {
  label: string;
  /** `status JAIL` as the client prints it, address and file lists sorted. */
  status: string;
  /** Ban duration per banned address, from `get JAIL banip --with-time` (whole seconds unless
   * the scenario compares them exactly; prolonged durations are compared within a few seconds). */
  bantimes: string;
  /** What the client printed for this phase's banip/unbanip commands. */
  commands: string[];
  /** At start: `get JAIL maxretry|findtime|bantime` as the client prints them. */
  settings?: string;
  /** Set when the daemon never read a sentinel line (it stopped reading the log). */
  stuck?: string;
}

interface JailRun {
  s: Scenario;
  log: string;
  sentinels: number;
  commands: string[];
  stuck?: string;
}

function jailLocal(dir: string, scenarios: Scenario[]): string {
  let text = "[DEFAULT]\nbackend = polling\nusedns = no\naction =\n";
  for (const s of scenarios) {
    const j = s.jail;
    text += `\n[${s.id}]\nenabled = true\nfilter = ${j.filter ?? "sshd"}\nlogpath = ${join(dir, "logs", `${s.id}.log`)}\n`;
    const dur = (n: number): string => {
      if (!j.abbreviate || n <= 0) return String(n);
      const unit = (
        [
          [86400, "d"],
          [3600, "h"],
          [60, "m"],
        ] as const
      ).find(([u]) => n % u === 0);
      return unit ? `${n / unit[0]}${unit[1]}` : String(n);
    };
    text += `maxretry = ${j.maxretry}\nfindtime = ${dur(j.findtime)}\nbantime = ${dur(j.bantime)}\nignoreip = ${j.ignoreip.join(" ")}\n`;
    if (j.ignoreself !== undefined) text += `ignoreself = ${j.ignoreself}\n`;
    if (j.increment) {
      text += `bantime.increment = true\nbantime.factor = ${j.increment.factor}\n`;
      if (j.increment.multipliers) text += `bantime.multipliers = ${j.increment.multipliers}\n`;
    }
  }
  return text;
}

/** A fresh batch directory: the config (shared by both daemons) and empty logs. */
export function prepareBatch(dir: string, scenarios: Scenario[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "logs"), { recursive: true });
  fail2banConf(dir, { name: "fail2ban", jailLocal: jailLocal(dir, scenarios) });
}

export class BatchRun {
  private running!: Running;
  private readonly jails: JailRun[];

  constructor(
    private readonly daemon: Daemon,
    private readonly dir: string,
    private readonly tz: string,
    private readonly template: Template,
    scenarios: Scenario[],
  ) {
    this.jails = scenarios.map((s) => ({ s, log: join(dir, "logs", `${s.id}.log`), sentinels: 0, commands: [] }));
  }

  async run(): Promise<Map<string, Snapshot[]>> {
    rmSync(join(this.dir, "logs"), { recursive: true, force: true });
    mkdirSync(join(this.dir, "logs"));
    const out = new Map(this.jails.map((j) => [j.s.id, [] as Snapshot[]]));
    for (const j of this.jails) {
      writeFileSync(j.log, "");
      await this.apply(j, j.s.history, false);
    }
    this.running = await this.daemon.start(this.dir, this.tz);
    try {
      await this.settle("start", out);
      for (let i = 0; i < this.template.restartBefore.length; i++) {
        await Promise.all(this.jails.map((j) => this.waitUnbanned(j, j.s.phases[i]!.waitUnbanned ?? [])));
        if (this.template.restartBefore[i]) {
          await this.running.stop();
          for (const j of this.jails) await this.apply(j, j.s.phases[i]!.events, false);
          this.running = await this.daemon.start(this.dir, this.tz);
        } else {
          await Promise.all(this.jails.map((j) => this.apply(j, j.s.phases[i]!.events, true)));
        }
        await this.settle(`phase ${i + 1}${this.template.restartBefore[i] ? " (after restart)" : ""}`, out);
      }
    } finally {
      await this.running.end();
    }
    return out;
  }

  /** Writes the events' lines (sorted by time between non-line events, as a log is) and runs the rest. */
  private async apply(j: JailRun, events: Event[], live: boolean): Promise<void> {
    let lines: { at: number; text: string }[] = [];
    const now = Date.now() / 1000;
    const flush = (): void => {
      if (lines.length === 0) return;
      appendFileSync(
        j.log,
        lines
          .sort((a, b) => a.at - b.at)
          .map((l) => l.text + "\n")
          .join(""),
      );
      lines = [];
    };
    for (const e of events) {
      if (e.t === "fail") {
        for (const [k, age] of e.ages.entries()) lines.push({ at: now - age, text: this.failureLine(j, now - age, e.ip, k) });
      } else if (e.t === "noise") {
        for (let k = 0; k < e.n; k++) {
          const at = now - j.s.jail.findtime * 2 + k;
          lines.push({ at, text: j.s.jail.filter === "recidive" ? fail2banLogNoise(at, this.tz, k) : sshdNoise(at, this.tz, j.s.jail.style) });
        }
      } else {
        flush();
        if (e.t === "rotate") {
          renameSync(j.log, `${j.log}.1`);
          writeFileSync(j.log, "");
        } else if (e.t === "sync") {
          if (live && (!e.oracleOnly || this.daemon.name === "fail2ban")) await this.sync(j);
        } else {
          if (!live) throw new Error(`${e.t} needs a running daemon`);
          const r = await this.running.cmd(["set", j.s.id, e.t, e.ip]);
          j.commands.push(`${e.t} ${e.ip} -> ${r.code}: ${r.out}`);
        }
      }
    }
    flush();
  }

  private failureLine(j: JailRun, at: number, ip: string, k: number): string {
    return j.s.jail.filter === "recidive" ? fail2banBanLine(at, this.tz, ip, k) : sshdFailure(at, this.tz, j.s.jail.style, ip, k);
  }

  private async sync(j: JailRun): Promise<void> {
    const ip = sentinelIp(j.sentinels++);
    appendFileSync(j.log, this.failureLine(j, Date.now() / 1000, ip, 0) + "\n");
    const seen = new RegExp(`\\[${j.s.id}\\] Ignore ${ip.replaceAll(".", "\\.")} by `);
    try {
      await until(() => seen.test(this.running.logText()), `${this.daemon.label} reads ${j.log} up to the sentinel ${ip}`, 15_000, 50);
    } catch (e) {
      j.stuck = (e as Error).message;
    }
  }

  private async waitUnbanned(j: JailRun, ips: string[]): Promise<void> {
    if (ips.length === 0) return;
    const longest = j.s.jail.bantime * (j.s.jail.increment ? 9 : 1);
    await until(
      async () => {
        const st = await this.running.cmd(["status", j.s.id]);
        return ips.every((ip) => !banned(st.out).includes(ip));
      },
      `${ips.join(", ")} unbanned in ${j.s.id}`,
      (longest + 10) * 1000,
      200,
    ).catch(() => {});
  }

  private async snapshot(j: JailRun, label: string): Promise<Snapshot> {
    const [st, bt] = await Promise.all([this.running.cmd(["status", j.s.id]), this.running.cmd(["get", j.s.id, "banip", "--with-time"])]);
    const duration = (d: string): string => (j.s.exactBantimes ? d : String(Math.trunc(Number(d))));
    const bantimes = [...bt.out.matchAll(/^(\S+)\s.*? \+ (\S+) = /gm)]
      .map((m) => `${m[1]}=${duration(m[2]!)}`)
      .sort()
      .join(" ");
    const settings =
      label === "start"
        ? (await Promise.all(["maxretry", "findtime", "bantime"].map((k) => this.running.cmd(["get", j.s.id, k])))).map((r) => `${r.code}:${r.out}`).join(" ")
        : undefined;
    return {
      label,
      status: `${st.code}: ${normalizeStatus(st.out)}`,
      bantimes,
      commands: [...j.commands],
      ...(settings ? { settings } : {}),
      ...(j.stuck ? { stuck: j.stuck } : {}),
    };
  }

  /** Sentinel in every jail, then snapshots until they stay equal for the daemon's settle window
   * (bounded): a ticket handed from filter to actions is in neither count for a moment. */
  private async settle(label: string, out: Map<string, Snapshot[]>): Promise<void> {
    await Promise.all(this.jails.filter((j) => label !== "start" || !j.s.emptyAtStart).map((j) => this.sync(j)));
    let prev = "";
    let since = Date.now();
    let snaps: Snapshot[] = [];
    const end = Date.now() + 15_000;
    for (;;) {
      snaps = await Promise.all(this.jails.map((j) => this.snapshot(j, label)));
      const key = JSON.stringify(snaps);
      if (key !== prev) {
        prev = key;
        since = Date.now();
      } else if (Date.now() - since >= this.daemon.settleMs || Date.now() > end) break;
      await Bun.sleep(100);
    }
    this.jails.forEach((j, k) => {
      out.get(j.s.id)!.push(snaps[k]!);
      j.commands = [];
      delete j.stuck;
    });
  }
}

function banned(status: string): string[] {
  return /Banned IP list:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** Order of the address and file lists is not part of the answer. */
export function normalizeStatus(text: string): string {
  return text.replace(
    /^(.*(?:Banned IP list|File list):)[ \t]*(.*)$/gm,
    (_, head: string, list: string) => `${head}\t${list.trim().split(/\s+/).filter(Boolean).sort().join(" ")}`,
  );
}
