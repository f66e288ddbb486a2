// Builds dist/: the library and CLI (src/) and the reference service (fixtures/ops-copilot) compiled to
// JavaScript with declarations, plus the non-code files they read next to themselves (report
// templates, the web console). The installed package runs from dist/, because Node strips
// TypeScript types only outside node_modules. `--clean` starts from an empty dist/ (before packing,
// so no module removed from src/ lingers); otherwise tsc rebuilds only what changed, and nothing
// runs at all when no input is newer than the last build (make setup runs this every time).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Folders of src/ that modules read at run time, copied beside their compiled modules. */
const ASSETS = ["report/templates", "serve/console"];
const INPUTS = ["src", "fixtures/ops-copilot", "tsconfig.json", "tsconfig.build.json", "tsconfig.fixtures.json"];
const STAMP = join(dist, ".built");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file changes only its folder's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const clean = process.argv.includes("--clean");
if (clean) rmSync(dist, { recursive: true, force: true });
else if (existsSync(STAMP)) {
  const built = statSync(STAMP).mtimeMs;
  if (INPUTS.every((input) => newestMtime(join(root, input)) < built)) {
    console.error("build: dist/ is up to date");
    process.exit(0);
  }
}
for (const project of ["tsconfig.build.json", "tsconfig.fixtures.json"]) {
  try {
    execFileSync(process.execPath, [tsc, "-p", join(root, project)], { cwd: root, stdio: "inherit" });
  } catch {
    console.error(`build: tsc -p ${project} failed (errors above); dist/ is incomplete`);
    process.exit(1);
  }
}
for (const folder of ASSETS) {
  const to = join(dist, folder);
  rmSync(to, { recursive: true, force: true });
  cpSync(join(root, "src", folder), to, { recursive: true });
}
// npm links the bin on install and makes it executable; a checkout running dist/ directly needs it too.
const bin = join(dist, "cli", "bin.js");
if (!existsSync(bin)) {
  console.error("build: dist/cli/bin.js is missing after tsc");
  process.exit(1);
}
chmodSync(bin, 0o755);
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
// stderr: `npm pack --json` prints its listing on stdout, after this script has run.
console.error(`build: dist/ built${clean ? " from scratch" : ""}`);
