// The system resolver answers from NSS (here: /etc/hosts for localhost, no network traffic).
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { systemDnsResolver } from "../../src/filter/dns.ts";

const haveGetent = spawnSync("getent", ["ahosts", "localhost"]).status === 0;
if (!haveGetent) console.warn("dns: skipped, getent cannot resolve localhost here");

// (no lookup of unknown names here: that would query the configured DNS server)
test.skipIf(!haveGetent)("resolves localhost and caches the answer for 5 minutes", () => {
  let t = 1000;
  const r = systemDnsResolver(() => t);
  const ips = r.resolve("localhost");
  expect(ips.some((ip) => ip === "127.0.0.1" || ip === "::1")).toBe(true);
  expect(r.resolve("localhost")).toBe(ips); // cached object
  t += 301;
  expect(r.resolve("localhost")).not.toBe(ips); // expired after 5 minutes
});
