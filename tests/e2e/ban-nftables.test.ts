import { banSuite } from "./ban-suite.ts";

banSuite({
  name: "nftables",
  banaction: "nftables-multiport",
  addForeign: async (pair) => {
    await pair.exec(pair.server, ["nft", "add table inet keepme; add chain inet keepme c { type filter hook input priority 10; }"]);
  },
  breakBans: async (pair) => {
    await pair.exec(pair.server, ["nft", "delete", "table", "inet", "f2b"]);
  },
  state: async (pair) => {
    const t = (await pair.exec(pair.server, ["nft", "list", "tables"])).stdout;
    return { f2b: t.includes("table inet f2b"), foreign: t.includes("table inet keepme") };
  },
});
