import { banSuite } from "./ban-suite.ts";

banSuite({
  name: "iptables+ipset",
  banaction: "iptables-multiport",
  addForeign: async (pair) => {
    await pair.exec(pair.server, ["iptables", "-N", "keepme"]);
    await pair.exec(pair.server, ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "7777", "-j", "keepme"]);
  },
  breakBans: async (pair) => {
    await pair.exec(pair.server, ["ipset", "flush", "f2b-webapp-v4"]);
  },
  state: async (pair) => {
    const rules = (await pair.exec(pair.server, ["iptables", "-S"])).stdout;
    const sets = (await pair.exec(pair.server, ["ipset", "list", "-n"])).stdout;
    return { f2b: rules.includes("f2b-webapp") && sets.includes("f2b-webapp"), foreign: rules.includes("-A INPUT -p tcp -m tcp --dport 7777 -j keepme") };
  },
});
