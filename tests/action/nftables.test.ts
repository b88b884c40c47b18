import { createCommandRunner } from "../../src/system/command.ts";
import { memoryLog } from "../../src/system/log.ts";
import { nftablesBackend } from "../../src/action/nftables.ts";
import { backendSuite } from "./backend-suite.ts";

backendSuite({
  name: "nftables",
  make: (run) => nftablesBackend({ run, log: memoryLog() }),
  async dumpJail(pair, jail) {
    const r = await pair.exec(pair.server, ["nft", "list", "table", "inet", "f2b"]);
    // element expiry countdowns change between two dumps; the structure must not
    return r.stdout
      .split("\n")
      .filter((l) => l.includes(jail) || /^\s+(type|hook|meta|ip|flags|tcp|th)/.test(l))
      .map((l) => l.replace(/expires \S+/g, ""))
      .join("\n");
  },
  async createUnrelated(pair) {
    const run = createCommandRunner({ netns: pair.server });
    const r = await run.run(["nft", "-f", "-"], {
      input: [
        "table inet unrelated {",
        "  set keep { type ipv4_addr; elements = { 192.0.2.1 }; }",
        "  chain c {",
        "    type filter hook input priority 0; policy accept;",
        "    tcp dport 9 counter",
        "  }",
        "}",
      ].join("\n"),
    });
    if (r.code !== 0) throw new Error(r.stderr);
  },
  async unrelatedIntact(pair) {
    const r = await pair.exec(pair.server, ["nft", "list", "ruleset"]);
    return r.stdout.includes("table inet unrelated") && r.stdout.includes("192.0.2.1") && r.stdout.includes("tcp dport 9 counter");
  },
  async jailLeftovers(pair, jail) {
    const r = await pair.exec(pair.server, ["nft", "list", "ruleset"]);
    return r.stdout
      .split("\n")
      .filter((l) => l.includes(jail))
      .join("\n");
  },
});
