// Scenario and config files say `import { defineScenario } from "gameday"`. That import always gets
// the running harness's own entry point, so a file is checked and run by the same copy of gameday
// that loads it: a team's file run with a checkout's CLI (where Node would say "Cannot find package
// 'gameday'"), the checkout's own scenarios run from src/ (where Node's own resolution would pick the
// package's compiled dist/), or a global CLI next to a locally installed package never load a second
// copy whose definitions differ from the one judging them.
import { registerHooks } from "node:module";
import { pathToFileURL } from "node:url";
import { ownModule } from "../package/layout.ts";

const ENTRY = pathToFileURL(ownModule("index.ts")).href;
let registered = false;

export function resolveGamedayImports(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === "gameday") return { url: ENTRY, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
