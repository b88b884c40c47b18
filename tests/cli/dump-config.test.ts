// `f2b dump-config DIR` writes exactly the shipped files (filters/ → filter.d/, jails/ → root),
// the result passes `f2b -t`, and existing files are never overwritten.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const REPO = join(import.meta.dir, "..", "..");
const MAIN = join(REPO, "src", "cli", "main.ts");
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const run = (...args: string[]) => Bun.spawnSync([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });

test("dump-config writes the shipped config, which passes f2b -t; a second dump refuses", () => {
  dir = mkdtempSync(join(tmpdir(), "f2b-dump-"));
  const out = join(dir, "etc");
  expect(run("dump-config", out).exitCode).toBe(0);
  const expected = [...files(join(REPO, "jails")), ...files(join(REPO, "filters")).map((f) => `filter.d/${f}`)].sort();
  expect(files(out)).toEqual(expected);
  expect(readFileSync(join(out, "filter.d", "sshd.conf"), "utf8")).toBe(readFileSync(join(REPO, "filters", "sshd.conf"), "utf8"));
  const t = run("-t", "-c", out);
  expect(t.stdout.toString()).toContain("configuration test is successful");
  const again = run("dump-config", out);
  expect(again.exitCode).toBe(1);
  expect(again.stderr.toString()).toContain("nothing written");
});
