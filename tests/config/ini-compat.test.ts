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

function ours(dir: string, name: string): Dump {
  const cfg = new IniConfig(diskFS(dir));
  const out: Dump = { ok: cfg.readNamed(name), sections: {} };
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

function theirs(dir: string, name: string): Dump {
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "oracle", "ini.py"), dir, name]);
  if (proc.exitCode !== 0) throw new Error(proc.stderr.toString());
  const d = JSON.parse(proc.stdout.toString()) as Dump;
  for (const s of Object.values(d.sections)) for (const o of Object.values(s)) if (typeof o.value !== "string") o.value = { error: "any" };
  return d;
}

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
    "filter.d/f.conf": "[INCLUDES]\nbefore = common.conf\n[Init]\nmode = normal\n[Init?family=inet6]\nmode = six\n[Definition]\nfailregex = ^a <HOST>$\nx = %(default/shared)s %(Init/mode)s\ny = %(default/shared)s+%(known/failregex)s\n",
    "filter.d/common.conf": "[DEFAULT]\nshared = yes\n[Definition]\nfailregex = common\n",
    "filter.d/f.local": "[Definition]\nfailregex = %(known/failregex)s\n            ^b <HOST>$\nnewopt = %(known/newopt)s\n[Init]\nmode = %(known/mode)s-local\n",
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
