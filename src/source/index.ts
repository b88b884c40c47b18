/** Log sources: everything that turns files, the journal or a stream into LogLine batches. */
export type { FilePosition, JournalSourceOptions, LogLine, LogSource, SourceDeps, SourceState, StartMode } from "./types.ts";
export { FileTailer, type FileTailerOptions } from "./file-tailer.ts";
export type { SeekTime } from "./seek-time.ts";
export { JournalSource, journalctlArgs, type JournalOptions, type Spawner } from "./journal.ts";
export { formatEntry as formatJournalEntry } from "./journal-entry.ts";
export { StreamSource, type StreamSourceOptions } from "./stream-source.ts";
export { stdinSource } from "./stdin.ts";
export { resolveEncoding, type LogEncoding } from "./encoding.ts";
export { DEFAULT_MAX_LINE_BYTES } from "./line-splitter.ts";
export { parseJournalMatch } from "./journal-match.ts";
