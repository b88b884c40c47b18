/**
 * Bookkeeping of what the tailer has open: the watched paths, rotated files still being
 * drained, and recently replaced contents. It answers "have we already read this file under
 * another name?" — for renames (same inode) and copies (same first line).
 */
import { statSync } from "node:fs";
import type { FileHandle } from "./file-handle.ts";
import type { FileRegistry, TrackedFile } from "./tracked-file.ts";

const MAX_REPLACED = 100;

export class OpenFiles implements FileRegistry {
  readonly tracked = new Map<string, TrackedFile>();
  /** Files that left their path (rotated/deleted), read until their grace period ends. */
  draining: FileHandle[] = [];
  /** First-line hash → bytes read, of contents read again from 0 (most recent last). */
  private readonly replaced = new Map<string, number>();

  retire(h: FileHandle): void {
    this.draining.push(h);
  }

  rememberReplaced(hash: string, pos: number): void {
    const before = this.replaced.get(hash) ?? 0;
    this.replaced.delete(hash); // re-insert: the map's order is the eviction order
    this.replaced.set(hash, Math.max(pos, before));
    if (this.replaced.size > MAX_REPLACED) this.replaced.delete(this.replaced.keys().next().value!);
  }

  /** How far we read content starting with this first line, under another path. */
  recallContent(hash: string, by: TrackedFile): number | null {
    for (const t of this.tracked.values()) {
      const h = t.current;
      if (t !== by && h && h.hash === hash) return h.splitter.committed;
    }
    return this.replaced.get(hash) ?? null;
  }

  /** Hand over an open handle on this inode (the file was renamed onto `by`'s path). */
  claim(dev: number, ino: number, by: TrackedFile): FileHandle | null {
    const i = this.draining.findIndex((h) => h.dev === dev && h.ino === ino);
    if (i >= 0) return this.draining.splice(i, 1)[0] ?? null;
    for (const t of this.tracked.values()) {
      const h = t.current;
      // Only take it if the other path no longer names this file (a rename), not for links.
      if (t !== by && h && h.dev === dev && h.ino === ino && !namesInode(t.path, dev, ino)) {
        t.current = null;
        return h;
      }
    }
    return null;
  }

  closeAll(): void {
    for (const t of this.tracked.values()) t.close();
    for (const h of this.draining) h.close();
    this.draining = [];
  }
}

function namesInode(path: string, dev: number, ino: number): boolean {
  try {
    const st = statSync(path);
    return st.dev === dev && st.ino === ino;
  } catch {
    return false;
  }
}
