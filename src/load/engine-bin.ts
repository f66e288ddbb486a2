// Where the built-in load engine (load-engine/, Go on Vegeta) lives: GAMEDAY_LOAD_BIN, the
// checkout's .tools/bin (make setup builds it there), then PATH.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const LOAD_ENGINE_NAME = "gameday-load";
const REPO_BIN = fileURLToPath(new URL(`../../.tools/bin/${LOAD_ENGINE_NAME}`, import.meta.url));

export class LoadEngineNotFoundError extends Error {
  override name = "LoadEngineNotFoundError";
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** An executable named `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function resolveLoadEngine(explicit?: string): string {
  const tried: string[] = [];
  for (const candidate of [explicit, process.env.GAMEDAY_LOAD_BIN, REPO_BIN]) {
    if (!candidate) continue;
    if (isExecutable(candidate)) return candidate;
    tried.push(candidate);
  }
  const found = onPath(LOAD_ENGINE_NAME);
  if (found) return found;
  tried.push(`${LOAD_ENGINE_NAME} on PATH`);
  throw new LoadEngineNotFoundError(
    `the built-in load engine was not found (tried ${tried.join(", ")}); run \`make setup\` (or \`gameday setup\`) to build it with Go`,
  );
}
