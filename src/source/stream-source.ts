/**
 * A source over a byte stream: stdin for `f2b regex -` and piping. Lines are delivered as they
 * complete; at end of stream a final unterminated line is delivered too (as fail2ban-regex does).
 */
import { resolveEncoding } from "./encoding.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter.ts";
import { prefixedLog } from "../system/log.ts";
import type { LogSource, SourceDeps, SourceState } from "./types.ts";

export interface StreamSourceOptions {
  /** Bytes to read: a web ReadableStream or any async iterable of chunks (process.stdin). */
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  encoding: string;
  /** LogLine.source of every line; "-" by default. */
  name?: string;
  maxLineBytes?: number;
}

export class StreamSource implements LogSource {
  private readonly splitter: LineSplitter;
  private stopped = false;
  private reader: { cancel(): Promise<void> } | null = null;
  private iterator: AsyncIterator<Uint8Array> | null = null;
  private pump: Promise<void> | null = null;

  constructor(
    private readonly opts: StreamSourceOptions,
    private readonly deps: SourceDeps,
  ) {
    const name = opts.name ?? "-";
    this.splitter = new LineSplitter({
      source: name,
      encoding: resolveEncoding(opts.encoding),
      maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      log: prefixedLog(deps.log, `${name}: `),
    });
  }

  /** Starts reading in the background; see done() for the end of the stream. */
  start(): Promise<void> {
    this.pump ??= this.run();
    return Promise.resolve();
  }

  /** Resolves once the whole stream was delivered (or the source was stopped). */
  done(): Promise<void> {
    return this.pump ?? this.start().then(() => this.pump ?? undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reader?.cancel().catch(() => undefined);
    await this.iterator?.return?.().catch(() => undefined);
  }

  state(): SourceState {
    return { kind: "stream" };
  }

  private async run(): Promise<void> {
    try {
      for await (const chunk of this.chunks()) {
        if (this.stopped) return;
        await this.deliver(this.splitter.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      }
      if (!this.stopped) await this.deliver(this.splitter.flush());
    } catch (err) {
      if (!this.stopped) this.deps.onError(this.splitter.source, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    const input = this.opts.input;
    if (input instanceof ReadableStream) {
      const reader = input.getReader();
      this.reader = reader;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    }
    const it = input[Symbol.asyncIterator]();
    this.iterator = it;
    for (;;) {
      const { done, value } = await it.next();
      if (done) return;
      yield value;
    }
  }

  /** A promise from onLines (backpressure) is waited for before the next chunk is read. */
  private async deliver(lines: ReturnType<LineSplitter["push"]>): Promise<void> {
    if (lines.length === 0) return;
    try {
      await this.deps.onLines(lines);
    } catch (err) {
      this.deps.onError(this.splitter.source, err instanceof Error ? err : new Error(String(err)));
    }
  }
}
