import { expect, test } from "bun:test";
import { Readable } from "node:stream";
import { StreamSource } from "../../src/source/stream-source.ts";
import { Collector } from "./helpers.ts";

function webStream(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(ctl) {
      for (const ch of chunks) ctl.enqueue(new TextEncoder().encode(ch));
      ctl.close();
    },
  });
}

test("lines split across chunks, final line without newline delivered at end of stream", async () => {
  const c = new Collector();
  const s = new StreamSource({ input: webStream(["a1\na", "2\r\n", "", "a3"]), encoding: "utf-8" }, c.deps);
  await s.start();
  await s.done();
  expect(c.texts()).toEqual(["a1", "a2", "a3"]);
  expect(c.lines.map((l) => [l.source, l.pos])).toEqual([
    ["-", 3],
    ["-", 7],
    ["-", 9],
  ]);
  expect(s.state()).toEqual({ kind: "stream" });
});

test("node Readable (process.stdin style) with latin-1", async () => {
  const c = new Collector();
  const input = Readable.from([Buffer.from("caf\xe9\n", "latin1")]);
  const s = new StreamSource({ input, encoding: "latin-1", name: "pipe" }, c.deps);
  await s.done();
  expect(c.texts()).toEqual(["café"]);
  expect(c.lines[0]!.source).toBe("pipe");
});

test("real stdin of a child process", async () => {
  const script = `
    import { stdinSource } from "${import.meta.dir}/../../src/source/stdin.ts";
    const s = stdinSource({ onLines: (l) => { for (const x of l) console.log(JSON.stringify(x.text)); }, onError: (p, e) => console.error(p, e.message) });
    await s.done();
  `;
  const p = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe" });
  p.stdin.write("one\ntw");
  await Bun.sleep(20);
  p.stdin.write("o\n\xff-three");
  await p.stdin.end();
  const out = await new Response(p.stdout).text();
  expect(await p.exited).toBe(0);
  expect(out.trim().split("\n")).toEqual(['"one"', '"two"', '"ÿ-three"']);
});

test("stop() ends an endless stream", async () => {
  const c = new Collector();
  let pull = 0;
  const input = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      await Bun.sleep(5);
      ctl.enqueue(new TextEncoder().encode(`line ${pull++}\n`));
    },
  });
  const s = new StreamSource({ input, encoding: "utf-8" }, c.deps);
  await s.start();
  await c.waitLines(3);
  await s.stop();
  await s.done();
  const n = c.lines.length;
  await Bun.sleep(30);
  expect(c.lines.length).toBe(n);
});
