/**
 * logpath patterns: plain paths and shell globs (`*`, `?`, `[...]`, like Python's glob: no
 * match on leading dots). A glob is scanned from its longest literal directory prefix.
 */
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { Glob } from "bun";

const MAGIC = /[*?[]/;

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

export interface PathPattern {
  pattern: string;
  glob: Glob | null;
  /** Deepest directory without glob characters: where scanning starts. */
  baseDir: string;
  /** The directory to watch for new matches, when the pattern only has magic in its last part. */
  watchDir: string | null;
}

export function parsePattern(raw: string): PathPattern {
  const pattern = isAbsolute(raw) ? raw : resolve(raw);
  if (!isGlob(pattern)) return { pattern, glob: null, baseDir: dirname(pattern), watchDir: dirname(pattern) };
  const parts = pattern.split(sep);
  const firstMagic = parts.findIndex((p) => MAGIC.test(p));
  const baseDir = parts.slice(0, firstMagic).join(sep) || sep;
  const watchDir = firstMagic === parts.length - 1 ? baseDir : null;
  return { pattern, glob: new Glob(parts.slice(firstMagic).join(sep)), baseDir, watchDir };
}

/** Current matches of a glob pattern (regular files only), sorted; [] if its base is missing. */
export function expandPattern(p: PathPattern): string[] {
  if (!p.glob) return [p.pattern];
  const out: string[] = [];
  try {
    for (const rel of p.glob.scanSync({ cwd: p.baseDir, onlyFiles: true, dot: false, followSymlinks: true })) {
      out.push(join(p.baseDir, rel));
    }
  } catch {
    // A missing or unreadable base directory simply has no matches yet.
    return [];
  }
  return out.sort();
}

/** Whether `path` (absolute) matches the pattern. */
export function matchesPattern(p: PathPattern, path: string): boolean {
  if (!p.glob) return path === p.pattern;
  const prefix = p.baseDir.endsWith(sep) ? p.baseDir : p.baseDir + sep;
  return path.startsWith(prefix) && p.glob.match(path.slice(prefix.length));
}
