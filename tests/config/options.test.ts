import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/errors.ts";
import { extractOptions, splitWithOptions, splitWords } from "../../src/config/options.ts";
import { substituteRecursiveTags } from "../../src/config/tags.ts";

import { oracles, PYTHON } from "../helpers/fail2ban-server.ts";

const hasFail2ban = Bun.spawnSync(["/usr/bin/python3", "-c", "import fail2ban"]).exitCode === 0;
if (!hasFail2ban) console.warn("options: differential cases skipped, /usr/bin/python3 cannot import fail2ban");
// fail2ban 1.1's splitwords splits on any white space (1.0.2: space, comma, new line only)
// and its option lists take conditional names (`blocktype?family=inet6=...`)
const SPACE_SAMPLES = [
  "a\tb",
  "a\x1cb\x85c",
  "a\u00a0b\u3000c,\u2028d",
  "a\ufeffb",
  " \r\n x\f\vy ",
  "act[\ta=1,\x85b=2]",
  "x\x1c[a=1]\u3000y",
  'iptables[blocktype=DROP, blocktype?family=inet6="REJECT --reject-with icmp6-port-unreachable"]',
  "act[a?family=inet6=1][b?x=y=2]",
  "act[a?family=inet6]",
  "act[a?=1]",
  "a[b?c=d=e]\n  f[g?h=i=j, k=l]",
];

const SAMPLES = [
  "sshd",
  "sshd[mode=aggressive]",
  'sshd[mode=aggressive, port="2222"]',
  `iptables-multiport[name=SSH, port="ssh,2222", protocol=tcp]`,
  `act[p1='single, quoted', p2="say \\"hi\\""]`,
  "act[a=1][b=2]",
  "act[a=[x]]",
  "act[a=1, b=2, ]",
  "act[a=1 b]",
  'act[a="1" b]',
  "act[=1]",
  "act[a]",
  "sshd[mode=aggressive",
  "[mode=x]",
  "",
  "  padded[ a = 1 , b = 2 ]  ",
  "act[data=x:y/z.q-1]",
  `%(banaction)s[port="http,https", protocol="tcp", chain="<known/chain>"]\n  sendmail-whois[name=x, dest="a@b"]\n\nother`,
  "a b\nc[x=1,\n  y=2] d",
  "one,two  three\n four",
];

describe("extractOptions / splitWithOptions / splitWords", () => {
  test("examples", () => {
    expect(extractOptions('sshd[mode=aggressive, port="2222"]')).toEqual({ name: "sshd", options: { mode: "aggressive", port: "2222" } });
    expect(extractOptions(`a[msg='x, y', b="c]d"]`)).toEqual({ name: "a", options: { msg: "x, y", b: "c]d" } });
    expect(extractOptions("act[a=1][b=2]").options).toEqual({ a: "1", b: "2" });
    expect(splitWithOptions('a[x=1, y="p q"]\n b')).toEqual(['a[x=1, y="p q"]\n', "b"]);
    expect(splitWords("127.0.0.1/8 ::1,10.0.0.1\n\n x")).toEqual(["127.0.0.1/8", "::1", "10.0.0.1", "x"]);
  });

  test("bad syntax is a ConfigError naming where", () => {
    const where = { file: "/etc/fail2ban/jail.local", line: 12 };
    expect(() => extractOptions("sshd[mode=aggressive", where)).toThrow(ConfigError);
    expect(() => extractOptions("sshd[mode=aggressive", where)).toThrow(/jail\.local:12: unexpected option syntax/);
    expect(() => extractOptions("act[a]", where)).toThrow(/jail\.local:12: expected option/);
    expect(() => extractOptions('act[a="1" b]', where)).toThrow(/unexpected syntax after option 'a'/);
  });

  for (const o of oracles("options"))
    test(`same results as fail2ban ${o.version}'s helpers for every sample`, () => {
      const samples = o.version === "1.0.2" ? SAMPLES : [...SAMPLES, ...SPACE_SAMPLES];
      const proc = Bun.spawnSync([PYTHON, `${import.meta.dir}/oracle/options.py`], {
        stdin: Buffer.from(JSON.stringify(samples)),
        env: { ...process.env, ...o.env },
      });
      const theirs = JSON.parse(proc.stdout.toString()) as { extract: unknown; split: string[]; words: string[] }[];
      const ours = samples.map((s) => {
        let extract: unknown;
        try {
          extract = extractOptions(s);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          extract = "error";
        }
        return { extract, split: splitWithOptions(s), words: splitWords(s) };
      });
      expect(ours).toEqual(theirs);
    }, 30_000);
});

describe("substituteRecursiveTags", () => {
  const sub = (o: Record<string, string>, opts = {}) => Object.fromEntries(substituteRecursiveTags(new Map(Object.entries(o)), opts));

  test("nested and embedded tags (sshd's <mdre-<mode>>)", () => {
    expect(sub({ mode: "aggr", "mdre-aggr": "A <x>", x: "X", failregex: "<mdre-<mode>> <HOST>" })).toEqual({
      mode: "aggr",
      "mdre-aggr": "A X",
      x: "X",
      failregex: "A X <HOST>",
    });
  });

  test("unknown tags stay, ignored tags stay, fallback lookup is used", () => {
    expect(sub({ a: "<HOST> <b> <c>", b: "B", c: "C" }, { ignore: ["c"], addrepl: (t: string) => (t === "z" ? "Z" : undefined) })).toEqual({
      a: "<HOST> B <c>",
      b: "B",
      c: "C",
    });
    expect(sub({ a: "<z>" }, { addrepl: (t: string) => (t === "z" ? "Z" : undefined) })).toEqual({ a: "Z" });
  });

  test("conditional values win when asked for", () => {
    expect(sub({ cmd: "<ipt> -A", ipt: "iptables", "ipt?family=inet6": "ip6tables" }, { conditional: "family=inet6" })["cmd"]).toBe("ip6tables -A");
  });

  test("self reference and loops are errors, not hangs", () => {
    expect(() => sub({ a: "x<a>" })).toThrow(/refers to itself/);
    expect(() => sub({ a: "<b>", b: "<a>" })).toThrow(ConfigError);
    expect(() => sub({ a: "<b><b>", b: "<c><c>", c: "<d><d>", d: "<e>", e: "<a>" })).toThrow(ConfigError);
    const t0 = performance.now();
    expect(() => sub({ x: "<m>", m: "<n<m>><n<m>>" })).toThrow(/grows beyond 1048576 characters/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe.skipIf(!hasFail2ban)("substituteRecursiveTags vs fail2ban on seeded random tag maps", () => {
  test("300 random maps", () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const NAMES = ["a", "b", "c", "mode", "mdre-normal", "mdre-aggr", "x?family=inet6", "b?family=inet6"];
    const PIECES = ["<a>", "<b>", "<c>", "<mode>", "<mdre-<mode>>", "<HOST>", "<x>", "lit", " ", "<", ">", "<<a>>", "normal", "aggr"];
    const generated = Array.from({ length: 300 }, () => {
      const tags: Record<string, string> = {};
      for (let i = 0; i < 1 + rand() * 5; i++) tags[pick(NAMES)] = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(PIECES)).join("");
      return { tags, conditional: rand() < 0.3 ? "family=inet6" : "", ignore: rand() < 0.3 ? [pick(NAMES)] : [] };
    });
    const run = (c: (typeof generated)[number]) =>
      Object.fromEntries(substituteRecursiveTags(new Map(Object.entries(c.tags)), { conditional: c.conditional, ignore: c.ignore }));
    // Exponentially growing maps: we stop at 1 MB, fail2ban needs seconds and GBs to reach its error.
    const growing = (c: (typeof generated)[number]): boolean => {
      try {
        run(c);
        return false;
      } catch (e) {
        return /grows beyond/.test((e as Error).message);
      }
    };
    const cases = generated.filter((c) => !growing(c));
    const proc = Bun.spawnSync(["/usr/bin/python3", `${import.meta.dir}/oracle/tags.py`], { stdin: Buffer.from(JSON.stringify(cases)) });
    const theirs = JSON.parse(proc.stdout.toString()) as unknown[];
    const ours = cases.map((c): unknown => {
      try {
        return run(c);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return "error";
      }
    });
    const errors = theirs.filter((t) => t === "error").length;
    console.log(
      `tags: ${cases.length} random maps identical to fail2ban (${errors} rejected as recursive by both; ${generated.length - cases.length} exponential ones left out)`,
    );
    expect(ours).toEqual(theirs);
  }, 30_000);
});
