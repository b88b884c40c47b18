// Cluster benchmark: three compiled f2b daemons (A, B, C), each in its own network namespace with
// real nftables, sharing bans through a redis-server in a fourth (tests/cluster/netns-fleet.ts).
//   propagation  one ban at a time on A (`f2b set webapp banip`); time from the address's
//                "add element" event in A's kernel to the same event in B's and C's
//                (`nft monitor new elements` in each namespace, read by this one process)
//   burst        N addresses banned on A in one command; time until all N are in A's set, and
//                until all N are in B's and C's
// Prints a Markdown table and writes it to .bench/cluster.md.
//   bun scripts/bench-cluster.ts [--quick] [--samples N] [--burst N]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { NAMES, startFleet, type Fleet, type Name } from "../tests/cluster/netns-fleet.ts";
import { redisBinaries, redisUnavailableReason } from "../tests/cluster/redis-server.ts";

const repo = join(import.meta.dir, "..");
const { values: args } = parseArgs({ options: { quick: { type: "boolean" }, samples: { type: "string" }, burst: { type: "string" } } });
const quick = args.quick ?? false;
const samples = Number(args.samples ?? (quick ? 40 : 300));
const burst = Number(args.burst ?? 10_000);
const step = (msg: string): void => console.error(`bench cluster: ${msg}`);

/** `nft monitor new elements` in one namespace: when each address was first added. */
class Monitor {
  readonly seen = new Map<string, number>();
  private readonly proc: ReturnType<typeof Bun.spawn>;
  constructor(ns: string) {
    this.proc = Bun.spawn(["ip", "netns", "exec", ns, "nft", "monitor", "new", "elements"], { stdout: "pipe", stderr: "ignore" });
    void this.read();
  }
  private async read(): Promise<void> {
    const dec = new TextDecoder();
    let rest = "";
    for await (const chunk of this.proc.stdout as ReadableStream<Uint8Array>) {
      const now = performance.now();
      rest += dec.decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const l of lines) for (const m of l.matchAll(/\b10\.\d+\.\d+\.\d+\b/gu)) if (!this.seen.has(m[0])) this.seen.set(m[0], now);
    }
  }
  stop(): void {
    this.proc.kill();
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
};

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await Bun.sleep(2);
  }
  return cond();
}

async function main(): Promise<void> {
  const why = redisUnavailableReason();
  if (why) throw new Error(why);
  const binary = redisBinaries()[0]!;
  step(`starting three daemons and ${binary} in network namespaces`);
  const fleet: Fleet = await startFleet(binary);
  const mon = Object.fromEntries(NAMES.map((n) => [n, new Monitor(fleet.ns[n])])) as Record<Name, Monitor>;
  try {
    await Bun.sleep(300);
    const ip = (i: number): string => `10.${240 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    const lat: number[] = [];
    let missed = 0;
    step(`propagation: ${samples} bans one at a time on A (after 5 warm-up bans)`);
    for (let i = 0; i < samples + 5; i++) {
      const a = ip(i + 1);
      await fleet.procs.A.cli(["set", "webapp", "banip", a]);
      const ok = await until(() => NAMES.every((n) => mon[n].seen.has(a)), 5000);
      if (i < 5) continue;
      if (!ok) {
        missed++;
        continue;
      }
      const t0 = mon.A.seen.get(a)!;
      for (const n of ["B", "C"] as const) lat.push(mon[n].seen.get(a)! - t0);
      await Bun.sleep(20);
    }
    step(`burst: ${burst.toLocaleString("en-US")} addresses in one banip on A`);
    const ips = Array.from({ length: burst }, (_, i) => `10.250.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const t0 = performance.now();
    const cli = fleet.procs.A.cli(["set", "webapp", "banip", ...ips]);
    const all = (n: Name): boolean => ips.every((x) => mon[n].seen.has(x));
    const done = await until(() => NAMES.every(all), 120_000);
    await cli;
    const lastOf = (n: Name): number => Math.max(...ips.map((x) => mon[n].seen.get(x) ?? NaN)) - t0;
    const firstB = Math.min(...ips.map((x) => mon.B.seen.get(x) ?? Infinity)) - t0;
    const batches = (fleet.procs.B.logTextSync().match(/\] Ban 10\.250\./gu) ?? []).length;
    const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const f = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "—");
    const s = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : "—");
    const md = [
      `# f2b cluster benchmark${quick ? " (--quick)" : ""}`,
      "",
      `${binary}, three f2b daemons with nftables, each in its own network namespace; load average ${loadavg}; ${new Date().toISOString()}`,
      "",
      "| metric | value |",
      "|---|---|",
      `| propagation p50 (A's kernel set → B's/C's kernel set) | ${f(pct(lat, 0.5))} |`,
      `| propagation p99 | ${f(pct(lat, 0.99))} |`,
      `| propagation max | ${f(pct(lat, 1))} |`,
      `| ${burst.toLocaleString("en-US")}-ban burst: all in A's set (from the banip command) | ${s(lastOf("A"))} |`,
      `| ${burst.toLocaleString("en-US")}-ban burst: first in B's set | ${s(firstB)} |`,
      `| ${burst.toLocaleString("en-US")}-ban burst: all in B's and C's sets | ${done ? s(Math.max(lastOf("B"), lastOf("C"))) : "not done in 120 s"} |`,
      "",
      `Goal p99 < 50 ms: ${pct(lat, 0.99) < 50 ? "met" : "**missed**"}. Samples: ${lat.length} (${samples} bans × 2 peers), missed ${missed}. ` +
        `B logged ${batches.toLocaleString("en-US")} "Ban" lines for the burst (one per address; the firewall gets them in batches).`,
      "",
    ].join("\n");
    console.log(md);
    mkdirSync(join(repo, ".bench"), { recursive: true });
    writeFileSync(join(repo, ".bench", "cluster.md"), md);
    step("written to .bench/cluster.md");
  } finally {
    for (const m of Object.values(mon)) m.stop();
    await fleet.destroy();
  }
}

try {
  await main();
} catch (e) {
  console.error(`bench cluster: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
}
