// Log input for `f2b regex`: a file read in chunks (so a million-line log is not held in memory
// at once) and decoded as UTF-8 with invalid bytes replaced, or a literal line (or "\n"-joined lines).
import { closeSync, openSync, readSync } from "node:fs";

// Small chunks: each line is a substring that keeps its whole decoded chunk alive, and the filter
// keeps some lines for a while (F-MLFID sessions' matches): 1 MiB chunks cost ~20 MiB more peak RSS.
const CHUNK = 1 << 16;

/** Calls `each` with every line of a file, without its "\n" (and a trailing "\r", as fail2ban strips both). */
export function forEachFileLine(path: string, each: (line: string) => void): void {
  const fd = openSync(path, "r");
  try {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const buf = Buffer.allocUnsafe(CHUNK);
    // pieces of a line that spans chunks, joined once at its end (no re-scan of a growing line)
    const pending: string[] = [];
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      const text = n > 0 ? decoder.decode(buf.subarray(0, n), { stream: true }) : decoder.decode();
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        let line = text.slice(start, nl);
        if (pending.length) {
          pending.push(line);
          line = pending.join("");
          pending.length = 0;
        }
        each(stripCR(line));
        start = nl + 1;
      }
      if (start < text.length) pending.push(text.slice(start));
      if (n <= 0) break;
    }
    const rest = pending.join("");
    if (rest !== "") each(stripCR(rest));
  } finally {
    closeSync(fd);
  }
}

function stripCR(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** A literal LOG argument: one line, or several separated by "\n". */
export function literalLines(text: string): string[] {
  return text.split("\n").map(stripCR);
}
