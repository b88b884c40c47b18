// Test helper: a server/attacker pair of network namespaces joined by a veth pair (10.x and fd00::
// addresses that exist only inside them), a TCP listener in the server namespace and a TCP probe
// from the attacker. Mirrors scripts/netns.sh. Namespaces are removed by destroy() and, as a last
// resort, when the test process exits.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createCommandRunner, runChecked, type CommandResult, type CommandRunner, type RunOptions } from "../../src/system/command.ts";

export const PYTHON = "/usr/bin/python3";

export interface NetnsPair {
  suffix: string;
  server: string;
  attacker: string;
  serverIp4: string;
  attackerIp4: string;
  attacker2Ip4: string;
  serverIp6: string;
  attackerIp6: string;
  attacker2Ip6: string;
  /** with create({ inner: true }): a third namespace routed behind the server, which forwards */
  inner?: { ns: string; ip4: string; ip6: string };
  /** CommandRunner whose commands run inside the namespace */
  runner(ns: string): CommandRunner;
  exec(ns: string, argv: string[], opts?: RunOptions): Promise<CommandResult>;
  destroy(): Promise<void>;
}

const live = new Set<string>();
process.on("exit", () => {
  for (const ns of live) spawnSync("ip", ["netns", "del", ns]);
});

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  for (const tool of ["ip", "nft", "iptables", "ip6tables", "ipset"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} not installed`;
  }
  if (!existsSync(PYTHON)) return `${PYTHON} not installed`;
  const probe = `f2bprobe-${randomBytes(4).toString("hex")}`;
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (r.status !== 0) return `cannot create a network namespace: ${r.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

export async function create(opts: { inner?: boolean } = {}): Promise<NetnsPair> {
  const host = createCommandRunner();
  const suffix = randomBytes(6).toString("hex");
  const a = (parseInt(suffix.slice(0, 2), 16) % 200) + 20;
  const b = parseInt(suffix.slice(2, 4), 16);
  // no leading zeros: the firewall lists addresses in canonical form
  const h = (parseInt(suffix.slice(4, 8), 16) | 0x1000).toString(16);
  const server = `f2bs-${suffix}`;
  const attacker = `f2ba-${suffix}`;
  const pair = {
    suffix,
    server,
    attacker,
    serverIp4: `10.${a}.${b}.1`,
    attackerIp4: `10.${a}.${b}.2`,
    attacker2Ip4: `10.${a}.${b}.3`,
    serverIp6: `fd00:${h}::1`,
    attackerIp6: `fd00:${h}::2`,
    attacker2Ip6: `fd00:${h}::3`,
  };
  const ip = (...args: string[]): Promise<unknown> => runChecked(host, ["ip", ...args]);
  const innerNs = `f2bi-${suffix}`;
  const inner = opts.inner ? { ns: innerNs, ip4: `10.${a}.${b}.130`, ip6: `fd00:${h}:1::2` } : undefined;
  // server <-> inner on 10.a.b.128/25 and fd00:h:1::/64; the attacker reaches it through the server
  const addInner = async (): Promise<void> => {
    await ip("netns", "add", innerNs);
    live.add(innerNs);
    await ip("-n", innerNs, "link", "set", "lo", "up");
    const vi = `vi${suffix}`;
    const vj = `vj${suffix}`;
    await ip("link", "add", vi, "netns", server, "type", "veth", "peer", "name", vj, "netns", innerNs);
    await ip("-n", server, "addr", "add", `10.${a}.${b}.129/25`, "dev", vi);
    await ip("-n", server, "addr", "add", `fd00:${h}:1::1/64`, "dev", vi, "nodad");
    await ip("-n", innerNs, "addr", "add", `${inner!.ip4}/25`, "dev", vj);
    await ip("-n", innerNs, "addr", "add", `${inner!.ip6}/64`, "dev", vj, "nodad");
    await ip("-n", server, "link", "set", vi, "up");
    await ip("-n", innerNs, "link", "set", vj, "up");
    await ip("-n", innerNs, "route", "add", "default", "via", `10.${a}.${b}.129`);
    await ip("-n", innerNs, "-6", "route", "add", "default", "via", `fd00:${h}:1::1`);
    await ip("-n", attacker, "route", "add", `10.${a}.${b}.128/25`, "via", pair.serverIp4);
    await ip("-n", attacker, "-6", "route", "add", `fd00:${h}:1::/64`, "via", pair.serverIp6);
    await runChecked(host, ["ip", "netns", "exec", server, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
  };
  const destroy = async (): Promise<void> => {
    for (const ns of [server, attacker, ...(inner ? [innerNs] : [])]) {
      await host.run(["ip", "netns", "del", ns]);
      live.delete(ns);
    }
  };
  try {
    for (const ns of [server, attacker]) {
      await ip("netns", "add", ns);
      live.add(ns);
      await ip("-n", ns, "link", "set", "lo", "up");
    }
    const vs = `vs${suffix}`;
    const va = `va${suffix}`;
    await ip("link", "add", vs, "netns", server, "type", "veth", "peer", "name", va, "netns", attacker);
    await ip("-n", server, "addr", "add", `${pair.serverIp4}/24`, "dev", vs);
    await ip("-n", server, "addr", "add", `${pair.serverIp6}/64`, "dev", vs, "nodad");
    for (const addr of [pair.attackerIp4, pair.attacker2Ip4]) await ip("-n", attacker, "addr", "add", `${addr}/24`, "dev", va);
    for (const addr of [pair.attackerIp6, pair.attacker2Ip6]) await ip("-n", attacker, "addr", "add", `${addr}/64`, "dev", va, "nodad");
    // ICMP errors are rate limited per peer; tests reject many probes in a row and need every answer
    await runChecked(host, ["ip", "netns", "exec", server, "sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"]);
    await ip("-n", server, "link", "set", vs, "up");
    await ip("-n", attacker, "link", "set", va, "up");
    if (opts.inner) await addInner();
  } catch (e) {
    await destroy();
    throw e;
  }
  const runners = new Map<string, CommandRunner>();
  const runner = (ns: string): CommandRunner => {
    let r = runners.get(ns);
    if (!r) runners.set(ns, (r = createCommandRunner({ netns: ns, defaultTimeoutMs: 20_000 })));
    return r;
  };
  return { ...pair, inner, runner, exec: (ns, argv, runOpts) => runner(ns).run(argv, runOpts), destroy };
}

const LISTENER = String.raw`
import socket, sys, selectors
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.listen(64); sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        try: c.sendall(b"hi\n")
        except OSError: pass
        c.close()
`;

const PROBE = String.raw`
import socket, sys
src, dst, port, tmo = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(tmo); s.bind((src, 0))
try:
    s.connect((dst, port)); print("ok" if s.recv(3) == b"hi\n" else "garbled")
except ConnectionRefusedError: print("refused")
except (socket.timeout, TimeoutError): print("timeout")
except OSError as e: print("error", e)
`;

export interface Listener {
  stop(): void;
}

/** TCP listener on every address of a namespace (default: the server), answering "hi" on each port. */
export async function startListener(pair: NetnsPair, ports: number[], ns = pair.server): Promise<Listener> {
  const proc = Bun.spawn(["ip", "netns", "exec", ns, PYTHON, "-c", LISTENER, ...ports.map(String)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  const first = await reader.read();
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).includes("ready")) {
    proc.kill();
    throw new Error("listener did not start");
  }
  return { stop: () => proc.kill() };
}

export type ProbeResult = "ok" | "refused" | "timeout" | string;

/** One TCP connect from `src` (an attacker address) to the server; "ok" means the server answered. */
// IPv6 TCP ignores the ICMPv6 error answering the very first SYN here (the retransmit 1 s later
// gets "refused"), hence a probe timeout above one second.
export async function probe(pair: NetnsPair, src: string, dst: string, port: number, timeoutSec = 1.5): Promise<ProbeResult> {
  const r = await pair.exec(pair.attacker, [PYTHON, "-c", PROBE, src, dst, String(port), String(timeoutSec)]);
  return (r.stdout.trim() || r.stderr.trim()) as ProbeResult;
}
