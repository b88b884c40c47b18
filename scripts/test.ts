// Runs the whole test suite: `bun test` over tests/, then prints one closing summary line
// ("N passed, M failed, K skipped") that CI reads.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
// End-to-end tests run the compiled binary: build it from the current sources first.
const build = spawnSync(process.execPath, [new URL("./build.ts", import.meta.url).pathname], { stdio: "inherit" });
if (build.status !== 0) {
  console.log("\n0 passed, 1 failed (build of dist/f2b failed)");
  process.exit(1);
}
const res = spawnSync(process.execPath, ["test", "--timeout", "120000", ...args], {
  stdio: ["ignore", "inherit", "pipe"],
  encoding: "utf8",
  env: { ...process.env, FORCE_COLOR: "0" },
});
const out = res.stderr ?? "";
process.stderr.write(out);
const count = (word: string): number => {
  const m = out.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"));
  return m ? Number(m[1]) : 0;
};
const passed = count("pass");
const failed = count("fail");
const skipped = count("skip") + count("todo");
const status = res.status ?? 1;
const extra = status !== 0 && failed === 0 ? 1 : 0; // runner error outside any test
console.log(`\n${passed} passed, ${failed + extra} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
