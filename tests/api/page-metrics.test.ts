// /metrics: the ban-latency histogram (f2b_ban_latency_seconds), served over real HTTP by the
// API app from a Controller that offers banLatency(), and absent when it does not.
import { expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { createApi } from "../../src/api/app.ts";
import type { LatencySnapshot } from "../../src/api/controller.ts";
import { BAN_LATENCY_BUCKETS, Histogram } from "../../src/api/metrics.ts";
import { FakeController } from "./fake-controller.ts";

class LatencyController extends FakeController {
  readonly hist = new Map<string, Histogram>([
    ["sshd", new Histogram()],
    ['we"ird\\jail', new Histogram([0.1, 1])],
  ]);
  banLatency(): LatencySnapshot[] {
    return [...this.hist].map(([jail, h]) => h.snapshot(jail));
  }
}

const metricsOf = async (ctl: FakeController): Promise<string[]> => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApi({ controller: ctl, mode: "unix", log: memoryLog() }).fetch });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    return (await res.text()).split("\n");
  } finally {
    await server.stop(true);
  }
};

test("observations land in the right buckets, cumulative, with +Inf, sum and count", async () => {
  const ctl = new LatencyController();
  const h = ctl.hist.get("sshd")!;
  for (const s of [0.0004, 0.001, 0.003, 0.003, 0.2, 30, -1, NaN]) h.observe(s);
  const lines = await metricsOf(ctl);
  expect(lines).toContain("# TYPE f2b_ban_latency_seconds histogram");
  const sshd = lines.filter((l) => l.startsWith('f2b_ban_latency_seconds_bucket{jail="sshd"'));
  expect(sshd).toHaveLength(BAN_LATENCY_BUCKETS.length + 1);
  const at = (le: string): number => Number(sshd.find((l) => l.includes(`le="${le}"}`))!.split(" ")[1]);
  // le is inclusive; a negative or NaN duration (clock step) is dropped
  expect([at("0.001"), at("0.0025"), at("0.005"), at("0.1"), at("0.25"), at("10"), at("+Inf")]).toEqual([2, 2, 4, 4, 5, 5, 6]);
  expect(lines).toContain('f2b_ban_latency_seconds_count{jail="sshd"} 6');
  const sum = Number(lines.find((l) => l.startsWith('f2b_ban_latency_seconds_sum{jail="sshd"}'))!.split(" ")[1]);
  expect(sum).toBeCloseTo(0.0004 + 0.001 + 0.003 + 0.003 + 0.2 + 30, 9);
  // buckets never decrease
  const values = sshd.map((l) => Number(l.split(" ")[1]));
  expect(values).toEqual([...values].sort((a, b) => a - b));
});

test("jail labels are escaped; an empty histogram renders zeros", async () => {
  const lines = await metricsOf(new LatencyController());
  expect(lines).toContain('f2b_ban_latency_seconds_bucket{jail="we\\"ird\\\\jail",le="0.1"} 0');
  expect(lines).toContain('f2b_ban_latency_seconds_bucket{jail="we\\"ird\\\\jail",le="+Inf"} 0');
  expect(lines).toContain('f2b_ban_latency_seconds_count{jail="we\\"ird\\\\jail"} 0');
});

test("without banLatency on the Controller there is no histogram, the counters remain", async () => {
  const lines = await metricsOf(new FakeController());
  expect(lines.some((l) => l.includes("f2b_ban_latency_seconds"))).toBe(false);
  expect(lines).toContain('f2b_bans_total{jail="sshd"} 0');
});
