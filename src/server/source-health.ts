// Is the jail reading? Per file: size, read position, last line read, and why not (missing,
// empty, unreadable); for the journal: the match and the last entry's time. Built on the
// running source's description (source-status.ts), so `status` and the health never disagree.
import { statSync } from "node:fs";
import type { SourceFileHealth, SourceHealth } from "../api/insight.ts";
import type { SourceState } from "../source/types.ts";
import type { JailSettings } from "./settings.ts";
import { sourceStatus, type LineTimes, type SourceDescription } from "./source-status.ts";

function problemOf(problems: readonly string[], path: string): string | undefined {
  const p = problems.find((x) => x.startsWith(`${path}: `));
  return p?.slice(path.length + 2);
}

function fileHealth(path: string, problems: readonly string[], state: SourceState | null, lines: LineTimes | undefined): SourceFileHealth {
  const position = state?.kind === "files" ? (state.positions.find((p) => p.path === path)?.pos ?? null) : null;
  const lastLineAt = lines?.of(path) ?? null;
  const reason = problemOf(problems, path);
  let size: number | null = null;
  let modifiedAt: number | null = null;
  let missing = false;
  try {
    const st = statSync(path);
    size = st.size;
    modifiedAt = Math.floor(st.mtimeMs) / 1000;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    missing = code === "ENOENT" || code === "ENOTDIR";
    if (!missing) return { path, state: "unreadable", reason: reason ?? (e as Error).message, size, position, lastLineAt, modifiedAt };
  }
  if (missing) return { path, state: "missing", reason: reason ?? "does not exist", size, position, lastLineAt, modifiedAt };
  if (reason) return { path, state: "unreadable", reason, size, position, lastLineAt, modifiedAt };
  if (size === 0) return { path, state: "empty", reason: "the file is empty", size, position, lastLineAt, modifiedAt };
  return { path, state: "ok", size, position, lastLineAt, modifiedAt };
}

/**
 * The health of a jail's source. An empty file is a problem only while the jail has nothing else
 * to read and has read nothing since it started: a file just rotated is empty too, and fine.
 */
export function sourceHealth(s: JailSettings, running: SourceDescription | null, state: SourceState | null, now: number): SourceHealth {
  const desc = sourceStatus(s, running);
  const lines = running?.lines;
  const problems = [...desc.problems];
  const lastLineAt = lines?.latest ?? null;
  const lastLineAgeSec = lastLineAt === null ? null : Math.max(0, Math.round(now - lastLineAt));
  const startedAt = lines?.startedAt;
  const silentSec = lastLineAgeSec ?? (startedAt === undefined ? null : Math.max(0, Math.round(now - startedAt)));
  if (!running) {
    const kind = desc.journalMatches !== undefined ? "journal" : "none";
    return {
      kind,
      ok: false,
      problems,
      files: [],
      ...(desc.journalMatches !== undefined ? { journalMatch: desc.journalMatches } : {}),
      lastLineAt,
      lastLineAgeSec,
      silentSec: null,
    };
  }
  if (desc.journalMatches !== undefined) {
    return { kind: "journal", ok: problems.length === 0, problems, files: [], journalMatch: desc.journalMatches, lastLineAt, lastLineAgeSec, silentSec };
  }
  const files = (desc.fileList ?? []).map((p) => fileHealth(p, desc.problems, state, lines));
  const readable = files.some((f) => f.state === "ok");
  if (!readable && lastLineAt === null) {
    for (const f of files) if (f.state === "empty") problems.push(`${f.path}: ${f.reason}`);
  }
  if (files.length === 0 && problems.length === 0) problems.push("no log file to read");
  return { kind: "files", ok: problems.length === 0, problems: problems.sort(), files, lastLineAt, lastLineAgeSec, silentSec };
}
