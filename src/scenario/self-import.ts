// Scenario and config files say `import { defineScenario } from "gameday"`. Inside this repository, or
// where gameday is installed as a package, Node resolves that by itself. A team's scenario file kept in
// its own repository and run with this checkout's CLI would fail with "Cannot find package 'gameday'";
// this resolve hook then falls back to the running harness's own entry point, so the file is checked
// and run by the same version that imports it.
import { registerHooks } from "node:module";

const ENTRY = new URL("../index.ts", import.meta.url).href;
let registered = false;

export function resolveGamedayImports(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        const notFound = (err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND";
        if (specifier === "gameday" && notFound) return { url: ENTRY, shortCircuit: true };
        throw err;
      }
    },
  });
}
