// How remote bans and the cluster link show in `f2b banned`, `f2b status` and /metrics.
import { describe, expect, test } from "bun:test";
import type { ClusterStatus } from "../../src/cluster/cluster.ts";
import { clusterMetrics } from "../../src/cluster/report.ts";
import { formatBanTable, formatStatus } from "../../src/cli/format.ts";

const status = (up: boolean): ClusterStatus => ({
  hostid: "pve1",
  stream: "f2b:bans",
  link: { up, since: 1_800_000_000, reconnects: 1, ...(up ? {} : { lastError: "Connection closed" }) },
  outbox: up ? 0 : 2,
  lastId: "1-0",
  peers: { pve2: 1_800_000_100, pve3: 1_800_000_100 },
  counters: {
    published: 3,
    received: 9,
    applied: 5,
    unbansApplied: 1,
    unsigned: 1,
    badSignature: 1,
    malformed: 0,
    replayed: 0,
    notShared: 0,
    refused: 0,
    expired: 1,
    rateLimited: 0,
    noJail: 0,
    ignored: 0,
  },
});

describe("cluster reporting", () => {
  test("f2b banned has a FROM column only when some ban came from a peer", () => {
    const ban = { jail: "sshd", ip: "192.0.2.1", timeOfBan: 1_800_000_000, bantime: 600, remaining: 60, banCount: 1 };
    expect(formatBanTable([ban])).not.toContain("FROM");
    const t = formatBanTable([ban, { ...ban, ip: "192.0.2.2", origin: "pve2" }]).split("\n");
    expect(t[0]).toMatch(/BANS\s+FROM$/u);
    expect(t[1]).toMatch(/192\.0\.2\.1 .* -$/u);
    expect(t[2]).toMatch(/192\.0\.2\.2 .* pve2$/u);
  });

  test("f2b status: the cluster line after fail2ban's rows, link up or down since when", () => {
    expect(formatStatus(["sshd"])).toBe("Status\n|- Number of jail:\t1\n`- Jail list:\tsshd");
    const up = formatStatus(["sshd"], undefined, { cluster: status(true) }).split("\n");
    expect(up[2]).toBe("|- Jail list:\tsshd");
    expect(up[3]).toBe("`- Cluster:\tpve1 on f2b:bans, link up since 2027-01-15T08:00:00Z, 2 peers, 3 sent, 5 applied, 2 forged dropped");
    expect(formatStatus(["sshd"], undefined, { cluster: status(false) })).toContain(
      "link DOWN since 2027-01-15T08:00:00Z (Connection closed), 2 peers, 3 sent, 5 applied, 2 forged dropped, 2 waiting",
    );
  });

  test("/metrics lines", () => {
    expect(clusterMetrics(null)).toBe("");
    const m = clusterMetrics(status(false));
    expect(m).toContain("f2b_cluster_link_up 0\n");
    expect(m).toContain('f2b_cluster_dropped_total{reason="bad_signature"} 1\n');
    expect(m).toContain("f2b_cluster_applied_total 5\n");
    expect(m).toContain("f2b_cluster_outbox 2\n");
  });
});
