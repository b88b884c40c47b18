import { afterAll, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { writeFileSync } from "node:fs";
import { resolveEncoding } from "../../src/source/encoding.ts";
import { Collector, tailer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function readAll(bytes: Uint8Array, encoding = "utf-8") {
  const f = tmp.path(`f${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(f, bytes);
  const c = new Collector();
  const t = tailer("polling", c, { patterns: [f], encoding });
  await t.start();
  await t.stop();
  return c;
}

test("latin-1 is true ISO-8859-1 (not windows-1252), under all its fail2ban spellings", async () => {
  const bytes = Buffer.from([0x75, 0x73, 0xe9, 0x72, 0x80, 0x0a]);
  for (const enc of ["latin-1", "latin1", "ISO-8859-1", "iso8859-1"]) {
    const c = await readAll(bytes, enc);
    expect(c.texts()).toEqual(["us\u00e9r\u0080"]);
    expect(c.warnings).toEqual([]);
  }
});

test("utf-8 and auto decode multi-byte text", async () => {
  for (const enc of ["utf-8", "UTF8", "auto"]) {
    const c = await readAll(Buffer.from("user é 日本 🙂\n"), enc);
    expect(c.texts()).toEqual(["user é 日本 🙂"]);
  }
});

test("invalid UTF-8 becomes U+FFFD with one warning per file, line and positions intact", async () => {
  const c = await readAll(Buffer.concat([Buffer.from("bad \xff\xfe here\n", "latin1"), Buffer.from("x\xc3\n", "latin1"), Buffer.from("ok\n")]));
  expect(c.texts()).toEqual(["bad \uFFFD\uFFFD here", "x\uFFFD", "ok"]);
  expect(c.lines.map((l) => l.pos)).toEqual([12, 15, 18]);
  expect(c.warnings.length).toBe(1);
  expect(c.warnings[0]).toContain("U+FFFD");
});

test("ascii replaces every byte >= 0x80 like Python's ascii codec", async () => {
  const c = await readAll(Buffer.from("a\xe9b\n", "latin1"), "ascii");
  expect(c.texts()).toEqual(["a\uFFFDb"]);
});

test("NUL bytes neither end nor break lines", async () => {
  const c = await readAll(Buffer.from("a\0b\n\0\0\nc\n"));
  expect(c.texts()).toEqual(["a\0b", "\0\0", "c"]);
  expect(c.lines.map((l) => l.pos)).toEqual([4, 7, 9]);
});

test("a 1 MiB line keeps its first 64 KiB, warns, and the next lines are unaffected", async () => {
  const big = Buffer.alloc(1 << 20, 0x41);
  const c = await readAll(Buffer.concat([Buffer.from("before\n"), big, Buffer.from("\nafter\n")]));
  expect(c.texts().length).toBe(3);
  expect(c.texts()[1]!.length).toBe(64 * 1024);
  expect(c.texts()[2]).toBe("after");
  expect(c.lines[1]!.pos).toBe(7 + (1 << 20) + 1);
  expect(c.warnings.join("\n")).toContain(`${1 << 20} bytes long`);
});

test("a huge line arriving in pieces is capped while held (memory stays bounded)", async () => {
  const { LineSplitter } = await import("../../src/source/line-splitter.ts");
  const log = memoryLog();
  const s = new LineSplitter({ source: "t", encoding: resolveEncoding("utf-8"), maxLineBytes: 100, log });
  for (let i = 0; i < 1000; i++) expect(s.push(Buffer.alloc(1000, 0x42))).toEqual([]);
  const out = s.push(Buffer.from("\nnext\n"));
  expect(out.map((l) => [l.text.length, l.pos])).toEqual([
    [100, 1_000_001],
    [4, 1_000_006],
  ]);
  expect(log.records.filter((r) => r.level === 30)).toHaveLength(1);
});

test("unknown and unsupported encodings are refused with a clear message", () => {
  expect(() => resolveEncoding("klingon")).toThrow('unknown logencoding "klingon"');
  expect(() => resolveEncoding("utf-16")).toThrow("not supported");
  expect(resolveEncoding("windows-1251").decode(Buffer.from([0xc0, 0xe1]), 0, 2)).toBe("Аб");
});
