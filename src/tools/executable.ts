// Whether a file can be run, and which one PATH names: the primitives every tool lookup uses.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** An executable named `name` in one of `dirs`, or undefined. */
export function inDirs(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function pathDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.PATH ?? "").split(delimiter).filter(Boolean);
}

/** An executable named `name` on PATH, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return inDirs(name, pathDirs(env));
}
