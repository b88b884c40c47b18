import { ipsetBackend } from "../../src/action/ipset.ts";
import { memoryLog } from "../../src/system/log.ts";
import { backendSuite } from "./backend-suite.ts";

backendSuite({
  name: "iptables-ipset",
  make: (run) => ipsetBackend({ run, log: memoryLog() }),
  async dumpJail(pair, jail) {
    const parts: string[] = [];
    for (const tool of ["iptables-save", "ip6tables-save"]) {
      const r = await pair.exec(pair.server, [tool, "-t", "filter"]);
      parts.push(
        r.stdout
          .split("\n")
          .filter((l) => l.includes(jail))
          .join("\n"),
      );
    }
    const sets = await pair.exec(pair.server, ["ipset", "-n", "list"]);
    return (
      parts.join("\n") +
      "\n" +
      sets.stdout
        .split("\n")
        .filter((l) => l.includes(jail))
        .join("\n")
    );
  },
  async createUnrelated(pair) {
    for (const argv of [
      ["ipset", "create", "keep", "hash:ip"],
      ["ipset", "add", "keep", "192.0.2.1"],
      ["iptables", "-N", "UNRELATED"],
      ["iptables", "-A", "UNRELATED", "-p", "tcp", "--dport", "9", "-j", "ACCEPT"],
      ["iptables", "-A", "INPUT", "-j", "UNRELATED"],
      ["ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "ACCEPT"],
    ]) {
      const r = await pair.exec(pair.server, argv);
      if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
    }
  },
  async unrelatedIntact(pair) {
    const v4 = (await pair.exec(pair.server, ["iptables-save", "-t", "filter"])).stdout;
    const v6 = (await pair.exec(pair.server, ["ip6tables-save", "-t", "filter"])).stdout;
    const set = (await pair.exec(pair.server, ["ipset", "list", "keep"])).stdout;
    return (
      v4.includes("-A INPUT -j UNRELATED") &&
      v4.includes("-A UNRELATED -p tcp -m tcp --dport 9 -j ACCEPT") &&
      v6.includes("-A INPUT -p tcp -m tcp --dport 9 -j ACCEPT") &&
      set.includes("192.0.2.1")
    );
  },
  async jailLeftovers(pair, jail) {
    const r = await pair.exec(pair.server, ["sh", "-c", "iptables-save; ip6tables-save; ipset -n list"]);
    return r.stdout
      .split("\n")
      .filter((l) => l.includes(jail))
      .join("\n");
  },
});
