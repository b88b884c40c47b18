import { prefixSuite } from "./prefix-suite.ts";

prefixSuite({
  name: "iptables+ipset",
  banaction: "iptables-multiport",
  breakBans: async (pair) => {
    await pair.exec(pair.server, ["ipset", "flush", "f2b-webapp-v6"]);
  },
  elements: async (pair) => {
    const out: string[] = [];
    for (const set of ["f2b-webapp-v4", "f2b-webapp-v6"]) {
      const r = await pair.exec(pair.server, ["ipset", "save", set]);
      for (const line of r.stdout.split("\n")) {
        const m = /^add \S+ (\S+)/u.exec(line);
        if (m) out.push(m[1]!);
      }
    }
    return out.sort();
  },
});
