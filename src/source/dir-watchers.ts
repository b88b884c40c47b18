/**
 * inotify (through Bun's fs.watch) on directories. A directory watch reports creations,
 * renames, deletions and writes of every file inside it, so one watch per directory covers
 * the log files, their rotation and new glob matches. Watch failures are not fatal: the
 * tailer's periodic check covers the gap and calls ensure() again.
 */
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";

export class DirWatchers {
  private readonly watchers = new Map<string, { w: FSWatcher; ino: number }>();

  constructor(private readonly onEvent: (dir: string, path: string | null) => void) {}

  /**
   * Watch `dir` if not yet watched. "missing": the directory does not exist (yet);
   * "failed": it exists but cannot be watched (inotify limits...), so polling must cover it.
   */
  ensure(dir: string): "ok" | "missing" | "failed" {
    if (this.watchers.has(dir)) return "ok";
    // Looked for every second while missing: existsSync allocates no exception.
    if (!existsSync(dir)) return "missing";
    let w: FSWatcher;
    let ino: number;
    try {
      ino = statSync(dir).ino;
    } catch {
      return "missing";
    }
    try {
      w = watch(dir, { persistent: false }, (_event, name) => {
        this.onEvent(dir, name == null ? null : join(dir, String(name)));
      });
    } catch {
      return "failed";
    }
    w.on("error", () => this.drop(dir));
    this.watchers.set(dir, { w, ino });
    return "ok";
  }

  private drop(dir: string): void {
    const entry = this.watchers.get(dir);
    this.watchers.delete(dir);
    try {
      entry?.w.close();
    } catch {
      // already closed by the runtime
    }
  }

  /** Drop watches whose directory was removed or replaced, so ensure() can watch the new one. */
  revalidate(): void {
    for (const [dir, { ino }] of [...this.watchers]) {
      let now = -1;
      try {
        now = statSync(dir).ino;
      } catch {
        // gone: dropped below
      }
      if (now !== ino) this.drop(dir);
    }
  }

  closeAll(): void {
    for (const dir of [...this.watchers.keys()]) this.drop(dir);
  }

  size(): number {
    return this.watchers.size;
  }
}
