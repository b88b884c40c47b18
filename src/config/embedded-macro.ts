// Bun macro: runs at bundle/transpile time and inlines the shipped config (filters/, jails/) as a
// path → text map, so the compiled binary carries it and running from source sees edits at once.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const repo = join(import.meta.dir, "..", "..");

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
}

/** Maps the repo layout onto fail2ban's: filters/X → filter.d/X, jails/Y → Y. */
export function shippedConfig(): Record<string, string> {
  const files: Record<string, string> = {};
  const add = (base: string, prefix: string): void => {
    const found: string[] = [];
    walk(join(repo, base), found);
    for (const p of found) files[prefix + relative(join(repo, base), p)] = readFileSync(p, "utf8");
  };
  add("filters", "filter.d/");
  add("jails", "");
  return files;
}
