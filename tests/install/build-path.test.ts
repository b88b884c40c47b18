// install.sh in a source checkout without a prebuilt binary: it installs the build dependencies
// with `npm ci` (which brings Bun) only when Bun is missing, builds dist/f2b with Bun and installs
// that; without Node.js/npm it says so. npm and the build script are stand-ins here (a real
// `npm ci` + compile takes minutes of CPU); install.sh itself and Bun are real.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, REPO } from "../e2e/fixtures.ts";
import { staged } from "./helpers.ts";

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("SKIP install.sh build path: not root");

const dir = mkdtempSync(join(tmpdir(), "f2b-build-path-"));
const checkout = join(dir, "checkout");
const fakebin = join(dir, "fakebin");
const npmLog = join(dir, "npm.log");
/** /usr/bin and /usr/sbin minus node and npm: a host without Node.js. */
const nonode = join(dir, "nonode");

beforeAll(() => {
  if (!isRoot) return;
  mkdirSync(join(checkout, "scripts"), { recursive: true });
  for (const f of ["install.sh", "package.json"]) cpSync(join(REPO, f), join(checkout, f));
  for (const d of ["jails", "filters", "packaging"]) cpSync(join(REPO, d), join(checkout, d), { recursive: true });
  // the "build": what scripts/build.ts produces, dist/f2b (a copy of the real binary)
  writeFileSync(
    join(checkout, "scripts", "build.ts"),
    `import { copyFileSync, mkdirSync } from "node:fs";\nmkdirSync("dist", { recursive: true });\ncopyFileSync(${JSON.stringify(ensureBinary())}, "dist/f2b");\nconsole.log("built dist/f2b");\n`,
  );
  mkdirSync(fakebin);
  // `npm ci` brings Bun into node_modules/.bin, as the real one does from the registry
  writeFileSync(
    join(fakebin, "npm"),
    `#!/bin/sh\necho "npm $*" >> ${npmLog}\nid -u > npm.uid\nmkdir -p node_modules/.bin && ln -sf ${process.execPath} node_modules/.bin/bun\n`,
  );
  chmodSync(join(fakebin, "npm"), 0o755);
  mkdirSync(nonode);
  for (const d of ["/usr/bin", "/usr/sbin"]) {
    for (const f of readdirSync(d)) {
      if (["node", "nodejs", "npm", "npx"].includes(f) || existsSync(join(nonode, f))) continue;
      symlinkSync(join(d, f), join(nonode, f));
    }
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (path: string, root: string) =>
  spawnSync("sh", [join(checkout, "install.sh"), "--root", root, "--no-start", "--ignoreip", "192.0.2.1"], {
    encoding: "utf8",
    env: { PATH: path, HOME: dir },
  });

test.skipIf(!isRoot)(
  "no binary in a checkout: npm ci once (brings Bun), build with Bun, install dist/f2b",
  () => {
    const s = staged(join(dir, "root"));
    const first = run(`${fakebin}:/usr/bin:/usr/sbin:/bin:/sbin`, s.root);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("building it from this checkout with Bun");
    expect(first.stdout).toContain("built dist/f2b");
    expect(readFileSync(npmLog, "utf8")).toBe("npm ci --no-audit --no-fund\n");
    expect(Buffer.compare(readFileSync(s.bin), readFileSync(ensureBinary()))).toBe(0);
    // Bun is there now: no second npm ci
    const second = run(`${fakebin}:/usr/bin:/usr/sbin:/bin:/sbin`, s.root);
    expect(second.status).toBe(0);
    expect(readFileSync(npmLog, "utf8")).toBe("npm ci --no-audit --no-fund\n");
  },
  60_000,
);

test.skipIf(!isRoot)(
  "under sudo the build runs as the admin who owns the checkout",
  () => {
    const mine = join(dir, "users-checkout");
    cpSync(checkout, mine, { recursive: true });
    rmSync(join(mine, "node_modules"), { recursive: true, force: true });
    rmSync(join(mine, "dist"), { recursive: true, force: true });
    chmodSync(dir, 0o755);
    writeFileSync(npmLog, "");
    chmodSync(npmLog, 0o666);
    spawnSync("chown", ["-R", "65534:65534", mine]);
    const s = staged(join(dir, "root-sudo"));
    const r = spawnSync("sh", [join(mine, "install.sh"), "--root", s.root, "--no-start", "--ignoreip", "192.0.2.1"], {
      encoding: "utf8",
      env: { PATH: `${fakebin}:/usr/bin:/usr/sbin:/bin:/sbin`, HOME: "/root", SUDO_USER: "nobody" },
    });
    expect(r.status).toBe(0);
    expect(readFileSync(join(mine, "npm.uid"), "utf8").trim()).toBe("65534");
    expect(statSync(join(mine, "node_modules")).uid).toBe(65534);
    expect(statSync(join(mine, "dist", "f2b")).uid).toBe(65534);
    // the installed binary is root's
    expect(statSync(s.bin).uid).toBe(0);
  },
  60_000,
);

test.skipIf(!isRoot)(
  "no binary and no Node.js: a clear message, nothing installed",
  () => {
    rmSync(join(checkout, "node_modules"), { recursive: true, force: true });
    const s = staged(join(dir, "root-nonode"));
    const r = run(nonode, s.root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("building f2b needs Node.js and npm (apt-get install nodejs npm), or put a prebuilt f2b binary next to install.sh");
    expect(existsSync(s.bin)).toBe(false);
  },
  60_000,
);

test.skipIf(!isRoot)(
  "a prebuilt f2b beside install.sh wins over building",
  () => {
    const tarball = join(dir, "tarball");
    mkdirSync(tarball);
    for (const f of ["install.sh", "package.json"]) cpSync(join(checkout, f), join(tarball, f));
    for (const d of ["jails", "filters", "packaging", "scripts"]) cpSync(join(checkout, d), join(tarball, d), { recursive: true });
    cpSync(ensureBinary(), join(tarball, "f2b"));
    const s = staged(join(dir, "root-tarball"));
    const r = spawnSync("sh", [join(tarball, "install.sh"), "--root", s.root, "--no-start", "--ignoreip", "192.0.2.1"], {
      encoding: "utf8",
      env: { PATH: nonode, HOME: dir },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("building");
    expect(existsSync(join(tarball, "dist"))).toBe(false);
    expect(existsSync(s.bin)).toBe(true);
  },
  60_000,
);
