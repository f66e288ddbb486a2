// Where the built-in load engine (load-engine/, Go on Vegeta) lives: an explicit binary, then the
// order of every gameday tool (src/tools/locate.ts): GAMEDAY_LOAD_BIN, the checkout's .tools/bin
// (make setup links it there), the per-user bin `gameday setup` links into, then PATH.
import { join } from "node:path";
import { CHECKOUT_BIN, userBinDir } from "../tools/folders.ts";
import { isExecutable } from "../tools/executable.ts";
import { locateProgram } from "../tools/locate.ts";

export const LOAD_ENGINE_NAME = "gameday-load";

export class LoadEngineNotFoundError extends Error {
  override name = "LoadEngineNotFoundError";
}

export function resolveLoadEngine(explicit?: string): string {
  const tried: string[] = [];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    tried.push(explicit);
  }
  const located = locateProgram({
    programs: [LOAD_ENGINE_NAME],
    envVar: "GAMEDAY_LOAD_BIN",
    linkedBins: true,
    path: true,
    systemDirs: [],
  });
  if (located.found) return located.found.path;
  if (located.ignoredOverride) tried.push(`GAMEDAY_LOAD_BIN=${located.ignoredOverride.value}`);
  tried.push(
    join(CHECKOUT_BIN, LOAD_ENGINE_NAME),
    join(userBinDir(), LOAD_ENGINE_NAME),
    `${LOAD_ENGINE_NAME} on PATH`,
  );
  throw new LoadEngineNotFoundError(
    `the built-in load engine was not found (tried ${tried.join(", ")}); run \`gameday setup\` to build it with Go (in a checkout: \`make setup\`), or set GAMEDAY_LOAD_BIN to a gameday-load binary`,
  );
}
