// The shipped jails: `f2b -t` passes on the embedded config (only sshd on), and with every
// jail.d example and recidive force-enabled; each enabled jail's filter compiles with the
// options its jail passes (mode=..., logtype=journal for systemd backends).
import { afterAll, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskFS, embeddedFS } from "../../src/config/fs.ts";
import { Filter } from "../../src/filter/filter.ts";
import { F2bServer } from "../../src/server/server.ts";
import { tableResolver } from "../../src/system/resolver.ts";

const REPO = join(import.meta.dir, "..", "..");
const BUN = join(REPO, "node_modules", ".bin", "bun");
const JAIL_D = join(REPO, "jails", "jail.d");
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function f2bTest(args: string[]): { code: number; out: string } {
  const p = Bun.spawnSync([BUN, join(REPO, "src", "cli", "main.ts"), "-t", ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: `${p.stdout.toString()}${p.stderr.toString()}` };
}

/** Jail sections declared in jails/jail.d/*.conf. */
function exampleJails(): string[] {
  const names: string[] = [];
  for (const f of readdirSync(JAIL_D).filter((x) => x.endsWith(".conf"))) {
    for (const m of readFileSync(join(JAIL_D, f), "utf8").matchAll(/^\[([^\]]+)\]/gm)) names.push(m[1]!);
  }
  return names;
}

/** A config root like the installer writes: jails/ at the top, filters/ as filter.d/, plus a jail.local. */
function configRoot(jailLocal: string): string {
  const root = mkdtempSync(join(tmpdir(), "f2b-jails-"));
  roots.push(root);
  cpSync(join(REPO, "jails"), root, { recursive: true });
  cpSync(join(REPO, "filters"), join(root, "filter.d"), { recursive: true });
  writeFileSync(join(root, "jail.local"), jailLocal);
  return root;
}

function compileAll(root: string): string[] {
  return F2bServer.loadSettings(diskFS(root)).map((s) => {
    new Filter(s.filter, { now: () => 0, dns: tableResolver({}), log: memoryLog() });
    return s.name;
  });
}

test("embedded config: f2b -t passes, sshd is the only jail on", () => {
  const r = f2bTest([]);
  expect(r.out).toContain("configuration test is successful");
  expect(r.code).toBe(0);
  expect(F2bServer.loadSettings(embeddedFS()).map((s) => s.name)).toEqual(["sshd"]);
});

test("every jail.d example is documented and off by default", () => {
  const files = readdirSync(JAIL_D).filter((x) => x.endsWith(".conf"));
  expect(files.length).toBeGreaterThan(10);
  for (const f of files) {
    const text = readFileSync(join(JAIL_D, f), "utf8");
    expect({ f, reads: /^# Reads:/m.test(text), on: /^# Turn on:/m.test(text) }).toEqual({ f, reads: true, on: true });
    const sections = [...text.matchAll(/^\[[^\]]+\]$/gm)].length;
    expect({ f, off: [...text.matchAll(/^enabled\s*=\s*false$/gm)].length }).toEqual({ f, off: sections });
  }
});

test("all jails force-enabled: f2b -t passes and every filter compiles", () => {
  const all = [...exampleJails(), "recidive"];
  const root = configRoot(all.map((j) => `[${j}]\nenabled = true\n`).join("\n"));
  const r = f2bTest(["-c", root]);
  expect(r.out).toContain("configuration test is successful");
  expect(r.code).toBe(0);
  for (const j of all) expect(r.out).toContain(j);
  expect(compileAll(root).sort()).toEqual([...all, "sshd"].sort());
});

test("the compile check fails on a broken shipped filter", () => {
  const root = configRoot("[grafana]\nenabled = true\n");
  const file = join(root, "filter.d", "grafana.conf");
  writeFileSync(file, readFileSync(file, "utf8").replace(/^failregex = .*$/m, "failregex = ^(unclosed <HOST>"));
  expect(() => compileAll(root)).toThrow(/grafana/);
});
