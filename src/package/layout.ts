// Where the harness's own files are. It runs from its TypeScript sources in a checkout (Node strips
// the types) and from the compiled JavaScript in dist/ when installed as a package, because Node
// strips types only outside node_modules. A file it starts or imports by path must therefore be
// named in the form that is running; everything else (fixtures' data, load-engine/, versions) sits
// at the package root either way.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** This copy runs from dist/ (an installed package), not from src/ (a checkout). */
export const COMPILED = !import.meta.url.endsWith(".ts");

/** The checkout, or node_modules/gameday: src/ and dist/ are one level below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** One of our modules, named by its source path under src/ ("cli/main.ts"), as the running file. */
export function ownModule(fromSrc: string): string {
  return COMPILED
    ? join(PACKAGE_ROOT, "dist", fromSrc.replace(/\.ts$/, ".js"))
    : join(PACKAGE_ROOT, "src", fromSrc);
}

/** A script of the reference service (fixtures/ops-copilot), named by its source file ("llm.ts"). */
export function opsCopilotScript(file: string): string {
  return COMPILED
    ? join(PACKAGE_ROOT, "dist", "fixtures", "ops-copilot", file.replace(/\.ts$/, ".js"))
    : join(PACKAGE_ROOT, "fixtures", "ops-copilot", file);
}
