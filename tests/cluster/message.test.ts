// The signed encoding: every field is covered by the signature, the encoding is canonical, and
// the address check refuses what a peer must never make a host ban.
import { describe, expect, test } from "bun:test";
import { addressRefusal, encode, sign, verify, type ClusterMessage } from "../../src/cluster/message.ts";
import { rng } from "../helpers/rng.ts";

const KEY = Buffer.from("0123456789abcdef0123456789abcdef");

function randomMessage(r: (n: number) => number): ClusterMessage {
  const v6 = r(2) === 1;
  return {
    kind: r(2) ? "ban" : "unban",
    origin: `host${r(1000)}`,
    seq: 1_700_000_000_000_000 + r(1e9),
    jail: ["sshd", "recidive", "nginx-http-auth"][r(3)]!,
    address: v6 ? `2001:db8::${r(65536).toString(16)}` : `192.0.2.${r(256)}`,
    time: 1_800_000_000 + r(1e6) / 1000,
    end: r(5) === 0 ? -1 : 1_800_003_600 + r(1e6),
    failures: r(50),
  };
}

describe("cluster messages", () => {
  test("round trip, and any changed field breaks the signature (seeded)", () => {
    const seed = Date.now() % 1_000_000;
    const r = rng(seed);
    for (let i = 0; i < 300; i++) {
      const m = randomMessage(r);
      const payload = encode(m);
      const sig = sign(payload, KEY);
      expect(verify(payload, sig, KEY), `seed ${seed}`).toEqual({ ok: true, msg: m });
      const other = randomMessage(r);
      const field = (Object.keys(m) as Array<keyof ClusterMessage>)[r(8)]!;
      if (other[field] === m[field]) continue;
      const forged = encode({ ...m, [field]: other[field] });
      expect(verify(forged, sig, KEY).ok, `seed ${seed} field ${field}`).toBe(false);
      expect(verify(payload, sig, Buffer.from("another-key-another-key-another")).ok).toBe(false);
    }
  });

  test("unsigned, garbage signature, malformed or future-version payloads", () => {
    const p = encode(randomMessage(rng(1)));
    expect(verify(p, undefined, KEY)).toEqual({ ok: false, why: "unsigned" });
    expect(verify(p, "zz", KEY)).toEqual({ ok: false, why: "bad-signature" });
    for (const bad of [
      "not json",
      '[2,"ban"]',
      JSON.stringify([2, "ban", "h", 1, "j", "192.0.2.1", 1, 2, 3]),
      JSON.stringify([1, "kill", "h", 1, "j", "192.0.2.1", 1, 2, 3]),
    ]) {
      expect(verify(bad, sign(bad, KEY), KEY)).toEqual({ ok: false, why: "malformed" });
    }
  });

  test("addresses: single addresses and networks down to /8 (v4) and /32 (v6) only", () => {
    expect(addressRefusal("192.0.2.1")).toBeNull();
    expect(addressRefusal("2001:db8::1")).toBeNull();
    expect(addressRefusal("10.0.0.0/8")).toBeNull();
    expect(addressRefusal("2001:db8::/32")).toBeNull();
    expect(addressRefusal("10.0.0.0/7")).toBe("network wider than /8");
    expect(addressRefusal("0.0.0.0/0")).toBe("network wider than /8");
    expect(addressRefusal("2000::/3")).toBe("network wider than /32");
    expect(addressRefusal("192.0.2.0/33")).toBe("bad prefix length");
    expect(addressRefusal("192.0.2.0/")).toBe("bad prefix length");
    expect(addressRefusal("example.org")).toBe("not an address");
    expect(addressRefusal("; rm -rf /")).toBe("not an address");
  });
});
