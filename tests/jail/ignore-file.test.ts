// `ignoreip = file:/path` (fail2ban 1.1): read lazily, re-read when the file changes (at most
// once a second), comments, networks and host names; add/del at run time. Generated allow-lists
// and addresses are checked against fail2ban 1.1.1's own Filter.addIgnoreIP / inIgnoreIPList.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ignoreFileName, parseIgnoreFileText } from "../../src/jail/ignore-file.ts";
import { IgnoreList, type IgnoreDeps } from "../../src/jail/ignore.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { createCommandRunner } from "../../src/system/command.ts";
import { memoryLog } from "../../src/system/log.ts";
import { tableResolver } from "../../src/system/resolver.ts";
import { oracles, PYTHON } from "../helpers/fail2ban-server.ts";

const dir = mkdtempSync(join(tmpdir(), "f2b-ignorefile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SEED = Number(process.env["SEED"] ?? Date.now() % 1e9);

function deps(clock = new FakeClock(), log = memoryLog()): IgnoreDeps {
  // /etc/hosts's localhost, as the oracle's resolver sees it
  return { clock, resolver: tableResolver({ localhost: ["127.0.0.1"] }), localAddresses: { addresses: async () => [] }, runner: createCommandRunner(), log };
}

describe("ignoreip = file:/path", () => {
  test("addresses, networks and host names; # and ; comments; read only when first needed", async () => {
    const path = join(dir, "allow.txt");
    const ig = new IgnoreList({ jail: "j", ignoreip: [`file:${path}`] }, deps());
    // the file may appear after the jail started: nothing is read before the first check
    writeFileSync(path, "# admins\n192.0.2.7 10.1.0.0/16, 2001:db8::/32\nlocalhost ; the box itself\n198.51.100.1 # 198.51.100.2\n;203.0.113.5\n");
    expect(await ig.check({ id: "192.0.2.7" })).toBe(`file:/${path}`);
    expect(await ig.isIgnored("10.1.200.3")).toBe(true);
    expect(await ig.isIgnored("2001:db8:1::5")).toBe(true);
    expect(await ig.isIgnored("127.0.0.1")).toBe(true);
    expect(await ig.isIgnored("198.51.100.1")).toBe(true);
    expect(await ig.isIgnored("198.51.100.2")).toBe(false);
    expect(await ig.isIgnored("203.0.113.5")).toBe(false);
    expect(await ig.isIgnored("192.0.2.8")).toBe(false);
    expect(ig.entries()).toEqual([`file:/${path}`]);
    expect([...(await ig.ignoredAmong(["192.0.2.7", "192.0.2.8", "10.1.0.1", "127.0.0.1"])).keys()]).toEqual(["192.0.2.7", "10.1.0.1", "127.0.0.1"]);
  });

  test("re-read when it changes, at most once a second; a file that goes away keeps its last list and warns", async () => {
    const path = join(dir, "changing.txt");
    writeFileSync(path, "192.0.2.1\n");
    const clock = new FakeClock();
    const log = memoryLog();
    const ig = new IgnoreList({ jail: "j", ignoreip: [`file:${path}`] }, deps(clock, log));
    expect(await ig.isIgnored("192.0.2.1")).toBe(true);
    writeFileSync(path, "192.0.2.2 192.0.2.3\n");
    expect(await ig.isIgnored("192.0.2.2")).toBe(false); // same second: not looked at again
    clock.advance(1.5);
    expect(await ig.isIgnored("192.0.2.2")).toBe(true);
    expect(await ig.isIgnored("192.0.2.1")).toBe(false);
    unlinkSync(path);
    clock.advance(2);
    expect(await ig.isIgnored("192.0.2.3")).toBe(true);
    expect(log.records.filter((r) => r.level === 30).map((r) => r.msg)).toEqual([
      `[j] Retrieving IPs set from ${JSON.stringify(path)} failed: ENOENT: no such file or directory, stat '${path}'`,
    ]);
    writeFileSync(path, "192.0.2.4\n");
    clock.advance(2);
    expect(await ig.isIgnored("192.0.2.4")).toBe(false); // after an error: retried a minute later
    clock.advance(60);
    expect(await ig.isIgnored("192.0.2.4")).toBe(true);
  });

  test("addignoreip / delignoreip file:... at run time", async () => {
    const path = join(dir, "runtime.txt");
    writeFileSync(path, "192.0.2.9\n");
    const ig = new IgnoreList({ jail: "j", ignoreip: ["10.0.0.1"] }, deps());
    expect(await ig.isIgnored("192.0.2.9")).toBe(false);
    expect(ig.add(`file://${path}`)).toBe(true);
    expect(ig.add(`file:${path}`)).toBe(false); // the same file
    expect(await ig.isIgnored("192.0.2.9")).toBe(true);
    expect(ig.entries()).toEqual([`file:/${path}`, "10.0.0.1"]);
    expect(ig.del(`file:${path}`)).toBe(true);
    expect(await ig.isIgnored("192.0.2.9")).toBe(false);
    expect(ig.entries()).toEqual(["10.0.0.1"]);
  });
});

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ORACLE = String.raw`
import json, sys
from fail2ban.server.filter import Filter
from fail2ban.server.ipdns import FileIPAddrSet
cases = json.load(sys.stdin)
out = []
for c in cases:
    m = FileIPAddrSet.RE_FILE_IGN_IP.match(c["entry"])
    res = {"name": m.group(1) if m else None, "ignored": None}
    if c.get("ids") is not None:
        f = Filter(None); f.ignoreSelf = False
        f.addIgnoreIP(c["entry"])
        res["ignored"] = [f.inIgnoreIPList(ip, log_ignore=False) for ip in c["ids"]]
    out.append(res)
print(json.dumps(out))
`;

for (const o of oracles("ignore-file", ["1.1.1"])) {
  test(`generated allow-lists and file: spellings agree with fail2ban ${o.version} (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const v4 = (): string => `${pick(["192.0.2", "198.51.100", "203.0.113"])}.${Math.floor(r() * 256)}`;
    const v6 = (): string => `2001:db8:${Math.floor(r() * 4).toString(16)}::${Math.floor(r() * 65536).toString(16)}`;
    const token = (): string =>
      pick([v4, v4, v6, () => `${v4()}/${pick([24, 28, 30])}`, () => `${v6()}/${pick([48, 64, 120])}`, () => "localhost", () => `::ffff:${v4()}`])();
    const cases: { entry: string; ids?: string[]; path?: string }[] = [];
    for (let i = 0; i < 30; i++) {
      let text = "";
      for (let n = 0; n < 1 + Math.floor(r() * 12); n++) {
        text += token() + pick([" ", ",", ", ", "\n", "\t", "\n\n"]);
        if (r() < 0.15) text += `${pick(["#", ";"])} ${token()} ${token()}\n`;
        if (r() < 0.1) text += ` ${pick(["#", ";"])}${token()}\n`;
      }
      const path = join(dir, `gen-${i}.txt`);
      writeFileSync(path, text);
      const ids = Array.from({ length: 40 }, () => pick([v4, v4, v6, () => "127.0.0.1"])());
      cases.push({ entry: `file:${pick(["", "/", "//"])}${path}`, ids, path });
    }
    // spellings of the entry itself
    for (const e of [
      "file:/etc/x",
      "file://etc/x",
      "file:///etc/x",
      "file:etc/x",
      "file:./x",
      "file:../x",
      "file:/../x",
      "file:/./x",
      "file:////x",
      "files:/x",
      "file:",
      " file:/x",
      "FILE:/x",
    ])
      cases.push({ entry: e });
    const py = Bun.spawnSync([PYTHON, "-c", ORACLE], { stdin: Buffer.from(JSON.stringify(cases)), env: { ...process.env, ...o.env } });
    if (py.exitCode !== 0) throw new Error(py.stderr.toString());
    const theirs = JSON.parse(py.stdout.toString()) as { name: string | null; ignored: boolean[] | null }[];
    let ignoredCount = 0;
    for (const [i, c] of cases.entries()) {
      const t = theirs[i]!;
      // fail2ban matches the raw entry; f2b's config splitting has already trimmed it
      if (!c.entry.startsWith(" ")) expect({ entry: c.entry, name: ignoreFileName(c.entry) }).toEqual({ entry: c.entry, name: t.name });
      if (!c.ids) continue;
      const ig = new IgnoreList({ jail: "j", ignoreip: [c.entry] }, deps());
      const ours = await Promise.all(c.ids.map((id) => ig.isIgnored(id)));
      ignoredCount += ours.filter(Boolean).length;
      expect({ seed: SEED, entries: parseIgnoreFileText(await Bun.file(c.path!).text()), ids: c.ids, ignored: ours }).toEqual({
        seed: SEED,
        entries: parseIgnoreFileText(await Bun.file(c.path!).text()),
        ids: c.ids,
        ignored: t.ignored!,
      });
    }
    expect(ignoredCount).toBeGreaterThan(20);
  });
}
