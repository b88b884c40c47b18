import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { EMBEDDED_CONFIG } from "./embedded.ts";
import { ConfigError } from "./errors.ts";

/**
 * Read-only view of a config root (fail2ban's layout: jail.conf, filter.d/…, action.d/…).
 * Paths are relative to the root ("filter.d/sshd.conf"); a disk root also accepts absolute
 * paths, because fail2ban's [INCLUDES] may name files anywhere.
 */
export interface ConfigFS {
  readonly label: string;
  read(rel: string): string | undefined;
  /** Sorted entry names of a directory, [] when missing. */
  list(relDir: string): string[];
  exists(rel: string): boolean;
  /** Path for messages: the real path on disk, or "embedded:filter.d/sshd.conf". */
  describe(rel: string): string;
}

/** Python's sorted() on str: code point order, not locale order. */
function codePointSort(names: string[]): string[] {
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function diskFS(root: string): ConfigFS {
  const base = resolve(root);
  const abs = (rel: string): string => (isAbsolute(rel) ? rel : join(base, rel));
  const isFile = (p: string): boolean => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  return {
    label: base,
    read(rel) {
      const p = abs(rel);
      if (!isFile(p)) return undefined;
      const bytes = readFileSync(p);
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new ConfigError("file is not valid UTF-8", { file: p });
      }
    },
    list(relDir) {
      try {
        return codePointSort(readdirSync(abs(relDir)));
      } catch {
        return [];
      }
    },
    exists: (rel) => isFile(abs(rel)),
    describe: abs,
  };
}

/** f2b's shipped config, compiled into the binary. */
export function embeddedFS(files: Readonly<Record<string, string>> = EMBEDDED_CONFIG): ConfigFS {
  const norm = (rel: string): string => rel.replace(/^\.\//, "").replace(/\/+$/, "");
  return {
    label: "embedded",
    read: (rel) => (Object.hasOwn(files, norm(rel)) ? files[norm(rel)] : undefined),
    list(relDir) {
      const prefix = `${norm(relDir)}/`;
      const names = new Set<string>();
      for (const key of Object.keys(files)) {
        if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split("/")[0]!);
      }
      return codePointSort([...names]);
    },
    exists: (rel) => Object.hasOwn(files, norm(rel)),
    describe: (rel) => `embedded:${norm(rel)}`,
  };
}
