import { describe, expect, test } from "bun:test";
import { logFrom, memoryLog } from "../../src/system/log.ts";
import { createBackend, dummyBackend, planBanaction } from "../../src/action/banaction.ts";
import { chainRules } from "../../src/action/ipset.ts";
import { fitName, normaliseSpec, parseAddr, parseBlocktype, parseHooks, parsePorts, parseProtocols } from "../../src/action/spec.ts";
import type { CommandRunner } from "../../src/system/command.ts";

const services = (name: string): number | null => ({ ssh: 22, http: 80, https: 443, smtp: 25 })[name] ?? null;

describe("fail2ban port/protocol/blocktype/chain options", () => {
  test("ports: lists, ranges, service names, all ports", () => {
    expect(parsePorts("ssh", "tcp", services)).toEqual([{ from: 22, to: 22 }]);
    expect(parsePorts("http,https, 8000:8100", "tcp", services)).toEqual([
      { from: 80, to: 80 },
      { from: 443, to: 443 },
      { from: 8000, to: 8100 },
    ]);
    expect(parsePorts("0:65535", "tcp", services)).toBeNull();
    expect(parsePorts("1:65535", "tcp", services)).toBeNull();
    expect(parsePorts("all", "tcp", services)).toBeNull();
    expect(() => parsePorts("nosuchservice", "tcp", services)).toThrow(/unknown service name "nosuchservice"/);
    expect(() => parsePorts("70000", "tcp", services)).toThrow(/out of range/);
    expect(() => parsePorts("90:80", "tcp", services)).toThrow(/reversed/);
  });

  test("service names resolve through /etc/services by default", () => {
    expect(parsePorts("ssh,http")).toEqual([
      { from: 22, to: 22 },
      { from: 80, to: 80 },
    ]);
  });

  test("protocols, blocktypes and chains", () => {
    expect(parseProtocols("tcp")).toEqual(["tcp"]);
    expect(parseProtocols("tcp,udp")).toEqual(["tcp", "udp"]);
    expect(parseProtocols("all")).toEqual([]);
    expect(() => parseProtocols("tcp;rm")).toThrow(/unsupported protocol/);
    expect(parseBlocktype("REJECT --reject-with icmp-port-unreachable")).toBe("reject");
    expect(parseBlocktype("reject")).toBe("reject");
    expect(parseBlocktype("DROP")).toBe("drop");
    expect(parseBlocktype("REJECT --reject-with tcp-reset")).toBe("tcp-reset");
    expect(() => parseBlocktype("ACCEPT")).toThrow(/blocktype/);
    expect(parseHooks(["INPUT"])).toEqual(["input"]);
    expect(parseHooks(["INPUT,FORWARD"])).toEqual(["input", "forward"]);
    expect(parseHooks(["DOCKER-USER"])).toEqual(["forward"]);
    expect(() => parseHooks(["OUTPUT"])).toThrow(/unsupported chain/);
  });

  test("jail names that cannot name a firewall object are refused", () => {
    const base = { ports: "ssh", protocol: "tcp", allports: false, chains: [], blocktype: "reject" };
    expect(() => normaliseSpec({ ...base, jail: "a;b" }, services)).toThrow(/jail name/);
    expect(() => normaliseSpec({ ...base, jail: "-x" }, services)).toThrow(/jail name/);
    expect(normaliseSpec({ ...base, jail: "nginx-http-auth.v2" }, services).jail).toBe("nginx-http-auth.v2");
  });

  test("addresses and networks", () => {
    expect(parseAddr("10.0.0.1")).toEqual({ family: "v4", addr: "10.0.0.1", text: "10.0.0.1" });
    expect(parseAddr("10.0.0.0/8").text).toBe("10.0.0.0/8");
    expect(parseAddr("10.0.0.1/32").text).toBe("10.0.0.1");
    expect(parseAddr("2001:db8::/32")).toEqual({ family: "v6", addr: "2001:db8::", prefix: 32, text: "2001:db8::/32" });
    for (const bad of ["10.0.0.256", "1.2.3.4/33", "x", "1.2.3.4; rm -rf /", "::1/129", ""]) expect(() => parseAddr(bad)).toThrow();
  });

  test("long names are shortened with a stable hash and stay distinct", () => {
    const a = fitName("f2b-", "a-very-long-jail-name-number-one", "-v4", 31);
    const b = fitName("f2b-", "a-very-long-jail-name-number-two", "-v4", 31);
    expect(a.length).toBeLessThanOrEqual(31);
    expect(a).not.toBe(b);
    expect(fitName("f2b-", "a-very-long-jail-name-number-one", "-v4", 31)).toBe(a);
    expect(fitName("f2b-", "sshd", "-v4", 31)).toBe("f2b-sshd-v4");
  });

  test("iptables multiport rules split at 15 ports (a range counts twice)", () => {
    const ports = Array.from({ length: 20 }, (_, i) => String(1000 + i)).join(",");
    const s = normaliseSpec({ jail: "many", ports, protocol: "tcp", allports: false, chains: ["INPUT"], blocktype: "reject" }, services);
    const rules = chainRules(s, "v4");
    expect(rules.length).toBe(3);
    expect(rules[0]).toContain("--dports 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014 ");
    expect(rules[1]).toContain("--dports 1015,1016,1017,1018,1019 ");
    expect(rules[2]).toBe("-A f2b-many -j RETURN");
    expect(chainRules({ ...s, block: "drop", ports: null }, "v6")[0]).toBe("-A f2b-many -p tcp -m set --match-set f2b-many-v6 src -j DROP");
  });
});

describe("banaction names", () => {
  test("fail2ban banactions map to native backends with the right allports flag", () => {
    const cases: [string, string | null, boolean][] = [
      ["nftables", "nftables", false],
      ["nftables-multiport", "nftables", false],
      ["nftables-allports", "nftables", true],
      ["nftables[type=allports]", "nftables", true],
      ["iptables", "iptables-ipset", false],
      ["iptables-multiport", "iptables-ipset", false],
      ["iptables-allports", "iptables-ipset", true],
      ["iptables-new", "iptables-ipset", false],
      ["iptables-ipset", "iptables-ipset", false],
      ["iptables-ipset-proto4", "iptables-ipset", false],
      ["iptables-ipset-proto6", "iptables-ipset", false],
      ["iptables-ipset-proto6-allports", "iptables-ipset", true],
      ["iptables-ipset[type=allports]", "iptables-ipset", true],
      ['iptables-multiport[name=x, port="http,https"]', "iptables-ipset", false],
    ];
    for (const [name, backend, allports] of cases) {
      expect([name, planBanaction(name)?.backend ?? null]).toEqual([name, backend]);
      expect([name, planBanaction(name)?.allports]).toEqual([name, allports]);
    }
    for (const other of ["firewallcmd-ipset", "ufw", "iptables-xt_recent-echo", "route", "sendmail-whois"]) {
      expect([other, planBanaction(other)]).toEqual([other, null]);
    }
    expect(planBanaction("dummy")).toEqual({ backend: "dummy", allports: false });
  });

  test("dummy is a dry run that only logs", async () => {
    const lines: string[] = [];
    const calls: string[][] = [];
    const run: CommandRunner = {
      run: async (argv) => {
        calls.push(argv);
        return { code: 0, stdout: "", stderr: "" };
      },
    };
    const log = logFrom((_level, m) => lines.push(m));
    const fw = createBackend(planBanaction("dummy")!, { run, log });
    const spec = { jail: "sshd", ports: "ssh", protocol: "tcp", allports: false, chains: ["INPUT"], blocktype: "reject" };
    await fw.start(spec);
    await fw.ban(spec, [
      { ip: "192.0.2.7", timeout: 600 },
      { ip: "2001:db8::/64", timeout: null },
    ]);
    expect(await fw.list(spec)).toEqual(["192.0.2.7", "2001:db8::/64"]);
    await fw.unban(spec, ["192.0.2.7"]);
    await fw.stop(spec);
    expect(calls).toEqual([]);
    expect(lines).toContain("[sshd] dummy: ban 192.0.2.7 for 600 s");
    expect(lines).toContain("[sshd] dummy: ban 2001:db8::/64 permanently");
    expect(lines).toContain("[sshd] dummy: unban 192.0.2.7");
    await expect(dummyBackend(memoryLog()).ban(spec, [{ ip: "not-an-ip", timeout: 1 }])).rejects.toThrow(/not an IP/);
  });
});
