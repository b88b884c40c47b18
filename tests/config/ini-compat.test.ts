// Differential test of the INI layer against fail2ban's own parser (/usr/bin/python3): tricky
// syntax, includes, .d/ and .local order, KNOWN/, conditional sections, interpolation.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { diskFS } from "../../src/config/fs.ts";
import { IniConfig } from "../../src/config/ini.ts";

const hasFail2ban = Bun.spawnSync(["/usr/bin/python3", "-c", "import fail2ban"]).exitCode === 0;
if (!hasFail2ban) console.warn("ini-compat: skipped, /usr/bin/python3 cannot import fail2ban");

const root = mkdtempSync(join(tmpdir(), "f2b-inicompat-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "case-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

type Dump = { ok: boolean; sections: Record<string, Record<string, { raw: string; value: string | { error: string } }>> };

function ours(dir: string, name: string): Dump | { error: string } {
  const cfg = new IniConfig(diskFS(dir));
  let ok: boolean;
  try {
    ok = cfg.readNamed(name);
  } catch {
    return { error: "any" };
  }
  const out: Dump = { ok, sections: {} };
  const dump = (section: string, keys: string[]) => {
    const res: Dump["sections"][string] = {};
    for (const k of keys) {
      let value: string | { error: string };
      try {
        value = cfg.get(section, k);
      } catch {
        value = { error: "any" };
      }
      res[k] = { raw: cfg.get(section, k, { raw: true }), value };
    }
    return res;
  };
  out.sections["DEFAULT"] = dump("DEFAULT", [...cfg.defaults.keys()]);
  for (const s of cfg.sections.keys()) out.sections[s] = dump(s, [...cfg.sections.get(s)!.keys()]);
  return out;
}

function theirsAll(dirs: string[], name: string): (Dump | { error: string })[] {
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "oracle", "ini.py"), name, ...dirs]);
  if (proc.exitCode !== 0) throw new Error(`oracle exited ${proc.exitCode}: ${proc.stderr.toString().slice(-500)}`);
  const all = JSON.parse(proc.stdout.toString()) as (Dump | { error: string })[];
  for (const d of all) {
    if ("error" in d) d.error = "any";
    else for (const s of Object.values(d.sections)) for (const o of Object.values(s)) if (typeof o.value !== "string") o.value = { error: "any" };
  }
  return all;
}
const theirs = (dir: string, name: string): Dump | { error: string } => theirsAll([dir], name)[0]!;

const CASES: Record<string, Record<string, string>> = {
  syntax: {
    "x.conf": [
      "# comment",
      "; comment too",
      "[DEFAULT]",
      "base = /var/log",
      "Mixed_Case = v1 ; inline comment",
      "nocomment = a;b # hash stays",
      "colon: value with = sign",
      "empty =",
      "",
      "[Definition]",
      "failregex = ^first <HOST>$",
      "            ^second <HOST>$",
      "",
      "            ^after blank$",
      "  # comment inside value",
      "\t^tab indented$",
      "",
      "",
      "after = %(base)s/x.log %%literal",
      "name = %(__name__)s",
      "crlf = yes\r",
      "unicode = héllo ✓",
      "[DEFAULT]",
      "late = added later",
      "",
    ].join("\n"),
  },
  includes: {
    "jail.conf": "[INCLUDES]\nbefore = paths.conf\nafter = sub/after.conf\n\n[DEFAULT]\nlog = %(syslog)s\n\n[sshd]\nport = ssh\nlogpath = %(log)s\n",
    "paths.conf": "[INCLUDES]\nbefore = common.conf\n\n[DEFAULT]\nsyslog = /var/log/syslog\n",
    "common.conf": "[DEFAULT]\nsyslog = /var/log/common\nshared = c\n",
    "common.local": "[DEFAULT]\nshared = c-local\n",
    "sub/after.conf": "[INCLUDES]\nbefore = ../paths.conf\nafter = after.conf\n[sshd]\nport = 2222\n",
    "jail.d/b.conf": "[sshd]\nmaxretry = 2\n",
    "jail.d/a.conf": "[sshd]\nmaxretry = 1\nfindtime = 1h\n",
    "jail.d/a.local": "[sshd]\nfindtime = 2h\n",
    "jail.local": "[sshd]\nport = %(known/port)s,2022\nlogpath = %(known/logpath)s\n          /var/log/extra\n",
  },
  known: {
    "filter.d/f.conf":
      "[INCLUDES]\nbefore = common.conf\n[Init]\nmode = normal\n[Init?family=inet6]\nmode = six\n[Definition]\nfailregex = ^a <HOST>$\nx = %(default/shared)s %(Init/mode)s\ny = %(default/shared)s+%(known/failregex)s\n",
    "filter.d/common.conf": "[DEFAULT]\nshared = yes\n[Definition]\nfailregex = common\n",
    "filter.d/f.local":
      "[Definition]\nfailregex = %(known/failregex)s\n            ^b <HOST>$\nnewopt = %(known/newopt)s\n[Init]\nmode = %(known/mode)s-local\n",
  },
  cycle: {
    "a.conf": "[INCLUDES]\nbefore = b.conf\nafter = a.conf\n[s]\nv = a\nw = %(known/v)s\n",
    "b.conf": "[INCLUDES]\nbefore = a.conf\n[s]\nv = b\n",
  },
  errors: {
    "x.conf": "[s]\na = %(missing)s\nb = %(c)s\nc = %(b)s\nd = 100%\ne = %(d\nf = %%(ok)s\n",
  },
};

describe.skipIf(!hasFail2ban)("IniConfig vs fail2ban's SafeConfigParserWithIncludes", () => {
  for (const [label, files] of Object.entries(CASES)) {
    test(label, () => {
      const dir = write(files);
      const name = Object.keys(files)[0]!.replace(/\.conf$/u, "");
      expect(ours(dir, name)).toEqual(theirs(dir, name));
    }, 30_000);
  }
});

// Seeded random configs mixing every syntax feature, compared in one oracle run.
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTree(rand: () => number): Record<string, string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const OPTS = ["a", "b", "C", "port", "fail_regex", "known_x"];
  const SECTS = ["s", "t", " s ", "Definition", "Init", "Init?family=inet6", "DEFAULT"];
  const PIECES = [
    "word",
    "%(a)s",
    "%(b)s",
    "%(c)s",
    "%(port)s",
    "%(known/a)s",
    "%(known/port)s",
    "%(default/b)s",
    "%(t/a)s",
    "%(s/C)s",
    "%%",
    "%(__name__)s",
    " ; inline",
    " # kept",
    ";glued",
    "<a>",
    "x%y",
    "%(missing)s",
    "é✓",
    "w2",
    "w3",
    "%(a)s",
    "%(known/b)s",
  ];
  const value = (): string => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(PIECES)).join(rand() < 0.5 ? " " : "");
  const file = (withIncludes: boolean): string => {
    const lines: string[] = [];
    if (withIncludes && rand() < 0.5) lines.push("[INCLUDES]", `${pick(["before", "after"])} = ${pick(["inc.conf", "inc.local", "sub/inc2.conf"])}`);
    const nSect = 1 + Math.floor(rand() * 3);
    const sects = new Set<string>();
    for (let i = 0; i < nSect; i++) {
      const sect = pick(SECTS);
      if (sects.has(sect) && rand() < 0.9) continue;
      sects.add(sect);
      lines.push(`[${sect}]`);
      const used = new Set<string>();
      for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) {
        const opt = pick(OPTS);
        if (used.has(opt.toLowerCase()) && rand() < 0.9) continue;
        used.add(opt.toLowerCase());
        lines.push(`${opt}${pick([" = ", "=", ": ", "\t=\t"])}${value()}`);
        if (rand() < 0.3) lines.push(`${pick(["  ", "\t", "        "])}${value()}`);
        if (rand() < 0.15) lines.push(pick(["", "# c", "  ; c"]), `   ${value()}`);
      }
      if (rand() < 0.2) lines.push("");
    }
    if (rand() < 0.03) lines.unshift("orphan = 1");
    return lines.join(rand() < 0.1 ? "\r\n" : "\n") + "\n";
  };
  const tree: Record<string, string> = { "x.conf": file(true) };
  if (rand() < 0.6) tree["x.local"] = file(true);
  if (rand() < 0.4) tree["x.d/1.conf"] = file(false);
  if (rand() < 0.3) tree["x.d/2.local"] = file(false);
  tree["inc.conf"] = file(false);
  if (rand() < 0.5) tree["inc.local"] = file(false);
  tree["sub/inc2.conf"] = rand() < 0.5 ? "[INCLUDES]\nbefore = ../inc.conf\n[t]\na = sub\n" : file(false);
  return tree;
}

describe.skipIf(!hasFail2ban)("IniConfig vs fail2ban on seeded random configs", () => {
  test("150 random trees", () => {
    const rand = mulberry32(20261122);
    const dirs = Array.from({ length: 150 }, () => write(randomTree(rand)));
    const all = theirsAll(dirs, "x");
    let same = 0;
    const diffs: string[] = [];
    dirs.forEach((dir, i) => {
      if (Bun.deepEquals(ours(dir, "x"), all[i])) same++;
      else diffs.push(dir);
    });
    const failedReads = all.filter((d) => "error" in d).length;
    const values = all.flatMap((d) => ("error" in d ? [] : Object.values(d.sections).flatMap((s) => Object.values(s))));
    const interpolated = values.filter((v) => typeof v.value === "string").length;
    console.log(
      `ini-compat: ${same}/${dirs.length} random config trees read identically to fail2ban (${failedReads} rejected by both; ${interpolated}/${values.length} values interpolate)`,
    );
    expect(diffs).toEqual([]);
  }, 60_000);
});
