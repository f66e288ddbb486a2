// Where a tool is found, in the order every part of gameday uses: the environment override, the
// checkout's .tools/bin (only a checkout has one), the per-user bin `gameday setup` links into,
// PATH, then the folders off PATH a Debian package uses. The first executable file wins; an
// override that names no executable file is noted and passed over, so a stale variable cannot hide
// a tool that is there.
import type { Tool } from "./catalogue.ts";
import { inDirs, isExecutable, pathDirs } from "./executable.ts";
import { CHECKOUT_BIN, userBinDir } from "./folders.ts";

export type FoundVia = "override" | "checkout" | "user cache" | "PATH" | "system" | "this process";

export interface Found {
  path: string;
  via: FoundVia;
}

export interface Located {
  found?: Found;
  /** The override, when it is set but names no executable file. */
  ignoredOverride?: { envVar: string; value: string };
}

export type ProgramSearch = Pick<Tool, "programs" | "envVar" | "linkedBins" | "path" | "systemDirs">;

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  /** The checkout's bin folder; default .tools/bin at the package root. */
  checkoutBin?: string;
}

export function locateProgram(search: ProgramSearch, o: LocateOptions = {}): Located {
  const env = o.env ?? process.env;
  const located: Located = {};
  const override = search.envVar ? env[search.envVar] : undefined;
  if (search.envVar && override) {
    if (isExecutable(override)) return { found: { path: override, via: "override" } };
    located.ignoredOverride = { envVar: search.envVar, value: override };
  }
  const places: Array<[FoundVia, string[]]> = [];
  if (search.linkedBins)
    places.push(["checkout", [o.checkoutBin ?? CHECKOUT_BIN]], ["user cache", [userBinDir(env)]]);
  if (search.path) places.push(["PATH", pathDirs(env)]);
  places.push(["system", search.systemDirs]);
  for (const [via, dirs] of places) {
    for (const program of search.programs) {
      const path = inDirs(program, dirs);
      if (path) return { ...located, found: { path, via } };
    }
  }
  return located;
}

/** Where a catalogue tool is; Node is the one running gameday. */
export function locateTool(tool: Tool, o: LocateOptions = {}): Located {
  if (tool.source.kind === "node") return { found: { path: process.execPath, via: "this process" } };
  return locateProgram(tool, o);
}
