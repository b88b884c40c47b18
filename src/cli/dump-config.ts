// `f2b dump-config DIR`: writes the embedded default configuration (fail2ban layout: jail.conf,
// jail.d/, filter.d/, action.d/, fail2ban.conf) into DIR, so a binary alone can set up /etc/f2b.
// Existing files are never overwritten: install.sh stages into a fresh directory and merges.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EMBEDDED_CONFIG } from "../config/embedded.ts";

export function dumpConfig(argv: string[]): number {
  const at = argv.indexOf("dump-config");
  const dir = argv[at + 1];
  if (!dir || argv.length > at + 2) {
    process.stderr.write("usage: f2b dump-config DIR   (writes f2b's default configuration into DIR)\n");
    return 2;
  }
  const root = resolve(dir);
  const clashes = Object.keys(EMBEDDED_CONFIG).filter((rel) => existsSync(join(root, rel)));
  if (clashes.length) {
    process.stderr.write(`f2b dump-config: ${clashes.length} file(s) already exist in ${root} (e.g. ${clashes[0]}); nothing written\n`);
    return 1;
  }
  for (const [rel, text] of Object.entries(EMBEDDED_CONFIG)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  console.log(`wrote ${Object.keys(EMBEDDED_CONFIG).length} files to ${root}`);
  return 0;
}
