/** The process's standard input as a log source (`f2b regex -`, `tail -f x | f2b ...`). */
import { StreamSource } from "./stream-source.ts";
import type { SourceDeps } from "./types.ts";

export function stdinSource(deps: SourceDeps, encoding = "utf-8"): StreamSource {
  return new StreamSource({ input: Bun.stdin.stream(), encoding, name: "-" }, deps);
}
