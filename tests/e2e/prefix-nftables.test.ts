import { prefixSuite } from "./prefix-suite.ts";

prefixSuite({
  name: "nftables",
  banaction: "nftables-multiport",
  breakBans: async (pair) => {
    await pair.exec(pair.server, ["nft", "flush", "set", "inet", "f2b", "net-webapp-v6"]);
  },
  elements: async (pair) => {
    const out: string[] = [];
    for (const set of ["addr-webapp-v4", "addr-webapp-v6", "net-webapp-v4", "net-webapp-v6"]) {
      const r = await pair.exec(pair.server, ["nft", "-j", "list", "set", "inet", "f2b", set]);
      const doc = JSON.parse(r.stdout || "{}") as { nftables?: { set?: { elem?: unknown[] } }[] };
      for (const item of doc.nftables ?? []) {
        for (const e of item.set?.elem ?? []) {
          const v = (typeof e === "object" && e !== null && "elem" in e ? (e as { elem: { val: unknown } }).elem.val : e) as
            | string
            | { prefix: { addr: string; len: number } };
          out.push(typeof v === "string" ? v : `${v.prefix.addr}/${v.prefix.len}`);
        }
      }
    }
    return out.sort();
  },
});
