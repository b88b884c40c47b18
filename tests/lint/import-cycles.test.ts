// The import-circle check that `npm run lint` runs (scripts/import-cycles.ts): it finds circles
// (type-only and through re-exports too) and src/ has none.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCycles, importGraph } from "../../scripts/import-cycles.ts";

const dir = mkdtempSync(join(tmpdir(), "f2b-cycles-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("finds a circle of type imports across folders, a re-export circle and a self-import", () => {
  const write = (path: string, text: string): void => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write("a/one.ts", 'import type { Two } from "../b/two.ts";\nexport interface One { two: Two }\n');
  write("b/two.ts", 'import {\n  type One,\n} from "../a/one.ts";\nexport interface Two { one?: One }\n');
  write("c/x.ts", 'export { y } from "./y.ts";\nexport const x = 1;\n');
  write("c/y.ts", 'export * from "./x.ts";\nexport const y = 2;\n');
  write("c/free.ts", 'import { x } from "./x.ts";\nexport const z = x;\n');
  write("d/self.ts", 'import "./self.ts";\n');
  const cycles = importCycles(importGraph(dir)).map((c) => c.map((f) => f.slice(dir.length + 1)));
  expect(cycles.sort()).toEqual([["a/one.ts", "b/two.ts"], ["c/x.ts", "c/y.ts"], ["d/self.ts"]]);
});

test("src/ has no import circle", () => {
  expect(importCycles(importGraph(join(import.meta.dir, "..", "..", "src")))).toEqual([]);
});
