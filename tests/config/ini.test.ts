import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ConfigError } from "../../src/config/errors.ts";
import { diskFS, embeddedFS } from "../../src/config/fs.ts";
import { IniConfig } from "../../src/config/ini.ts";
import { parseIni } from "../../src/config/ini-parse.ts";

const root = mkdtempSync(join(tmpdir(), "f2b-ini-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(root, "t-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("parsing errors name file and line", () => {
  test("missing section header", () => {
    const e = errorOf(() => parseIni("# fine\nkey = value\n", "/etc/x.conf"));
    expect(e.message).toBe('/etc/x.conf:2: missing section header before this line: "key = value"');
    expect([e.file, e.line]).toEqual(["/etc/x.conf", 2]);
  });

  test("line that is neither option, section nor continuation", () => {
    expect(errorOf(() => parseIni("[a]\nok = 1\njust words\n", "f.conf")).message).toMatch(/^f\.conf:3: expected `name = value`.*"just words"$/);
    expect(errorOf(() => parseIni("[a]\n= 1\n", "f.conf")).message).toMatch(/^f\.conf:2: option line without a name/);
  });

  test("duplicates inside one file (Python's strict mode)", () => {
    expect(errorOf(() => parseIni("[a]\nx = 1\nX = 2\n", "f.conf")).message).toMatch(/^f\.conf:3: option 'x' appears twice in section \[a\]/);
    expect(errorOf(() => parseIni("[a]\n[b]\n[a]\n", "f.conf")).line).toBe(3);
  });

  test("hostile lines: huge, NUL bytes, spaces; never slow or crashing", () => {
    const huge = `[a]\nk = ${"x ".repeat(500_000)}=\nnul = a\u0000b\n`;
    const t0 = performance.now();
    const ini = parseIni(huge, "h.conf");
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(ini.sections.get("a")!.get("nul")!.value).toBe("a\u0000b");
    const spaces = `[a]\n${"a" + " ".repeat(300_000) + "b"}\n`;
    expect(errorOf(() => parseIni(spaces, "s.conf")).line).toBe(2);
  });

  test("invalid UTF-8 on disk", () => {
    const dir = tree({ "jail.conf": new Uint8Array([0x5b, 0x61, 0x5d, 0x0a, 0x6b, 0x3d, 0xff, 0xfe, 0x0a]) });
    const e = errorOf(() => new IniConfig(diskFS(dir)).readNamed("jail"));
    expect(e.message).toBe(`${dir}/jail.conf: file is not valid UTF-8`);
  });
});

describe("interpolation", () => {
  const cfgOf = (files: Record<string, string>): IniConfig => {
    const cfg = new IniConfig(embeddedFS(files));
    cfg.readNamed("x");
    return cfg;
  };

  test("%(name)s from section, DEFAULT, vars; %% and __name__; case-insensitive names", () => {
    const cfg = cfgOf({ "x.conf": "[DEFAULT]\nDir = /var\n[s]\nlog = %(DIR)s/%(file)s 100%%\nfile = a.log\nme = %(__name__)s\n" });
    expect(cfg.get("s", "LOG")).toBe("/var/a.log 100%");
    expect(cfg.get("s", "log", { vars: { File: "b.log" } })).toBe("/var/b.log 100%");
    expect(cfg.get("s", "me")).toBe("s");
  });

  test("unknown key names file, line, key and the raw value", () => {
    const cfg = cfgOf({ "x.conf": "[s]\n\nlog = %(nope)s/x\n" });
    const e = errorOf(() => cfg.get("s", "log"));
    expect(e.message).toBe(`embedded:x.conf:3: unknown interpolation key 'nope' in option 'log' of [s]: "%(nope)s/x"`);
  });

  test("recursion ends with a clear error", () => {
    const cfg = cfgOf({ "x.conf": "[s]\na = %(b)s\nb = x%(a)s\n" });
    expect(errorOf(() => cfg.get("s", "a")).message).toMatch(/^embedded:x\.conf:2: interpolation of 'a' in \[s\] nests deeper than 10 levels/);
  });

  test("values that explode through nested references stop with an error", () => {
    const lines = ["[s]", "v0 = 0123456789"];
    for (let i = 1; i <= 10; i++) lines.push(`v${i} = ${`%(v${i - 1})s`.repeat(10)}`);
    const cfg = cfgOf({ "x.conf": `${lines.join("\n")}\n` });
    const t0 = performance.now();
    expect(errorOf(() => cfg.get("s", "v10")).message).toBe("embedded:x.conf:12: interpolated value of 'v10' in [s] exceeds 4194304 characters");
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(cfg.get("s", "v2")).toHaveLength(1000);
  });

  test("bad % syntax", () => {
    const cfg = cfgOf({ "x.conf": "[s]\na = 50% off\nb = %(open\n" });
    expect(errorOf(() => cfg.get("s", "a")).message).toMatch(/^embedded:x\.conf:2: '%' must be followed by '%' or '\('/);
    expect(errorOf(() => cfg.get("s", "b")).message).toMatch(/^embedded:x\.conf:3: bad interpolation reference/);
  });

  test("known/ is the value before the override; default/ and Section/ name other sections", () => {
    const cfg = cfgOf({
      "x.conf": "[DEFAULT]\nd = D\n[s]\nv = one\nw = W\n[t]\nv = T\n",
      "x.local": "[s]\nv = %(known/v)s+two\nu = %(default/d)s %(t/v)s %(known/d)s\nz = %(known/w)s\n",
    });
    expect(cfg.get("s", "v")).toBe("one+two");
    expect(cfg.get("s", "u")).toBe("D T D");
    // known/ holds only options a later file overrode; w was not, so this is unknown.
    expect(() => cfg.get("s", "z")).toThrow(/unknown interpolation key 'known\/w'/);
    expect(cfg.getEx("s", "known/v")).toBe("one");
  });
});

describe("read order and includes", () => {
  test("X.conf, X.d/*.conf sorted, X.local, X.d/*.local sorted; later wins", () => {
    const files = {
      "jail.conf": "[j]\na = conf\nb = conf\nc = conf\nd = conf\n",
      "jail.d/2.conf": "[j]\na = d2\n",
      "jail.d/10.conf": "[j]\na = d10\nb = d10\n",
      "jail.local": "[j]\nb = local\nc = local\n",
      "jail.d/a.local": "[j]\nc = dlocal\n",
    };
    const cfg = new IniConfig(embeddedFS(files));
    expect(cfg.readNamed("jail")).toBe(true);
    expect(cfg.files).toEqual(["jail.conf", "jail.d/10.conf", "jail.d/2.conf", "jail.local", "jail.d/a.local"].map((f) => `embedded:${f}`));
    expect(["a", "b", "c", "d"].map((k) => cfg.get("j", k))).toEqual(["d2", "local", "dlocal", "conf"]);
    expect(new IniConfig(embeddedFS(files)).readNamed("nothing")).toBe(false);
  });

  test("before/after relative to the including file, with their .local; cycles stop", () => {
    const dir = tree({
      "filter.d/f.conf": "[INCLUDES]\nbefore = common.conf\nafter = sub/after.conf\n[Definition]\nv = f\n",
      "filter.d/common.conf": "[INCLUDES]\nbefore = f.conf\n[Definition]\nv = common\nc = common\n",
      "filter.d/common.local": "[Definition]\nc = common-local\n",
      "filter.d/sub/after.conf": "[INCLUDES]\nbefore = ../../top.conf\n[Definition]\nlast = after\n",
      "top.conf": "[Definition]\ntop = yes\n",
    });
    const cfg = new IniConfig(diskFS(dir));
    cfg.readNamed("filter.d/f");
    expect(cfg.get("Definition", "c")).toBe("common-local");
    expect(cfg.get("Definition", "v")).toBe("f");
    expect(cfg.get("Definition", "top")).toBe("yes");
    expect(cfg.files.map((f) => f.slice(dir.length + 1))).toEqual([
      "filter.d/common.conf",
      "filter.d/common.local",
      "filter.d/f.conf",
      "top.conf",
      "filter.d/sub/after.conf",
    ]);
  });

  test("an include that does not exist is an error (a missing .local is not)", () => {
    const dir = tree({ "x.conf": "[INCLUDES]\nbefore = opt.local\n\nafter = gone.conf\n[a]\nk = v\n" });
    const e = errorOf(() => new IniConfig(diskFS(dir)).readNamed("x"));
    expect(e.message).toBe(`${dir}/x.conf:4: [INCLUDES] after: file not found (${dir}/gone.conf): "gone.conf"`);
  });

  test("include loops fail2ban would recurse on forever are a clear error", () => {
    const fs = embeddedFS({
      "a.conf": "[INCLUDES]\nbefore = b.conf\n[s]\nv = a\n",
      "b.conf": "[INCLUDES]\nbefore = a.conf\n[s]\nv = b\n",
      "b.local": "[INCLUDES]\nafter = b.conf\n[s]\nv = b-local\n",
    });
    const e = errorOf(() => new IniConfig(fs).readNamed("a"));
    expect(e.message).toMatch(/^embedded:b\.local:2: \[INCLUDES\] after: include loop \(a\.conf → b\.local → b\.local/);
  });

  test("conditional sections merge as name?cond options", () => {
    const cfg = new IniConfig(embeddedFS({ "a.conf": "[Init]\nx = 4\n[Init?family=inet6]\nx = 6\n" }));
    cfg.readNamed("a");
    expect(cfg.options("Init")).toEqual(["x", "x?family=inet6"]);
    expect(cfg.headers.get("Init")).toEqual({ file: "embedded:a.conf", line: 1 });
  });
});

describe("ConfigFS", () => {
  test("embeddedFS lists, reads and describes", () => {
    const fs = embeddedFS({ "filter.d/a.conf": "A", "filter.d/b.conf": "B", "filter.d/x.d/1.conf": "1", "jail.conf": "J" });
    expect(fs.list("filter.d")).toEqual(["a.conf", "b.conf", "x.d"]);
    expect(fs.list("nope")).toEqual([]);
    expect(fs.read("filter.d/a.conf")).toBe("A");
    expect(fs.read("filter.d/zz.conf")).toBeUndefined();
    expect(fs.exists("jail.conf")).toBe(true);
    expect(fs.describe("jail.conf")).toBe("embedded:jail.conf");
  });

  test("diskFS sorts by code point and reports missing dirs as empty", () => {
    const dir = tree({ "d/b.conf": "", "d/B.conf": "", "d/a.conf": "" });
    const fs = diskFS(dir);
    expect(fs.list("d")).toEqual(["B.conf", "a.conf", "b.conf"]);
    expect(fs.list("missing")).toEqual([]);
    expect(fs.exists("d")).toBe(false);
    expect(fs.describe("d/a.conf")).toBe(`${dir}/d/a.conf`);
  });

  test("f2b's shipped config is readable through embeddedFS", () => {
    const fs = embeddedFS();
    expect(fs.label).toBe("embedded");
    for (const name of fs.list("filter.d")) expect(typeof fs.read(`filter.d/${name}`)).toBe(name.includes(".") ? "string" : "undefined");
  });
});
