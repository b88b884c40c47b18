// Watches an nftables set from inside its namespace with raw netlink (a small Python helper):
// `has` looks single elements up (NFT_MSG_GETSETELEM without dump: a hash lookup, well under a
// millisecond at any set size); `count` dumps the set and counts its elements (the kernel's dump
// of a 100,000-element hash set takes ~0.5 s, `nft -j list set` about twice that).
import { onCleanup } from "./bench-daemon-env.ts";

const COUNTER = String.raw`
import socket, struct, sys
NFNL_SUBSYS_NFTABLES, GETSETELEM, NEWSETELEM = 10, 13, 12
table, setname = sys.argv[1].encode() + b"\0", sys.argv[2].encode() + b"\0"
def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * pad
def nested_count(buf, start, end):
    n, i, u = 0, start, struct.Struct("=H").unpack_from
    while i + 4 <= end:
        ln = u(buf, i)[0]
        if ln < 4: break
        n += 1
        i += (ln + 3) & ~3
    return n
def top_attrs(buf, start, end):
    i = start
    while i + 4 <= end:
        ln, t = struct.unpack_from("=HH", buf, i)
        if ln < 4: break
        yield t & 0x3fff, i + 4, i + ln
        i += (ln + 3) & ~3
def count():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    body = struct.pack("=BBH", 1, 0, 0) + attr(1, table) + attr(2, setname)
    s.send(struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_NFTABLES << 8) | GETSETELEM, 0x301, 1, 0) + body)
    n = 0
    try:
        while True:
            data = s.recv(1 << 20)
            i = 0
            while i + 16 <= len(data):
                ln, typ, _, _, _ = struct.unpack_from("=IHHII", data, i)
                if typ == 3: return n  # NLMSG_DONE
                if typ == 2:  # NLMSG_ERROR
                    return -1 if struct.unpack_from("=i", data, i + 16)[0] != 0 else n
                if typ == (NFNL_SUBSYS_NFTABLES << 8) | NEWSETELEM:
                    for t, a, b in top_attrs(data, i + 20, i + ln):
                        if t == 3: n += nested_count(data, a, b)
                i += (ln + 3) & ~3
    finally:
        s.close()
def present(s, ip):
    # a plain GET of one element is a hash lookup in the kernel (no dump)
    key = attr(0x8000 | 1, attr(1, socket.inet_aton(ip)))
    elems = attr(0x8000 | 3, attr(0x8000 | 1, key))
    body = struct.pack("=BBH", 1, 0, 0) + attr(1, table) + attr(2, setname) + elems
    s.send(struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_NFTABLES << 8) | GETSETELEM, 0x5, 2, 0) + body)
    found = False
    while True:
        data = s.recv(1 << 16)
        i = 0
        while i + 16 <= len(data):
            ln, typ, _, _, _ = struct.unpack_from("=IHHII", data, i)
            if typ == (NFNL_SUBSYS_NFTABLES << 8) | NEWSETELEM: found = True
            if typ == 2: return found and struct.unpack_from("=i", data, i + 16)[0] == 0
            i += (ln + 3) & ~3
lookup = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
for line in sys.stdin:
    words = line.split()
    if words and words[0] == "has":
        print(sum(1 for ip in words[1:] if present(lookup, ip)), flush=True)
    else:
        print(count(), flush=True)
`;

/** One long-running counter per namespace and set; count() answers -1 while the set is missing. */
export class SetCounter {
  private readonly proc: ReturnType<typeof Bun.spawn>;
  private readonly lines: AsyncIterator<string>;

  constructor(ns: string, table: string, set: string) {
    this.proc = Bun.spawn(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", COUNTER, table, set], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    onCleanup(() => this.stop());
    this.lines = splitLines(this.proc.stdout as ReadableStream<Uint8Array>);
  }

  private async ask(line: string): Promise<number> {
    const stdin = this.proc.stdin as import("bun").FileSink;
    stdin.write(`${line}\n`);
    await stdin.flush();
    const r = await this.lines.next();
    if (r.done) throw new Error("set counter exited");
    return Number(r.value);
  }

  /** Elements in the set (a full netlink dump: ~0.5 s of kernel time at 100,000), -1 when it is missing. */
  count(): Promise<number> {
    return this.ask("count");
  }

  /** How many of these IPv4 addresses are in the set (one hash lookup each: cheap at any size). */
  has(ips: string[]): Promise<number> {
    return this.ask(`has ${ips.join(" ")}`);
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

export async function* splitLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}
