// How `gameday setup` obtains one Go-built tool: the override when set, else the pinned build from
// the cache, built with Go when it is not there yet; without Go, a copy found elsewhere will do.
import type { Tool } from "./catalogue.ts";
import { isExecutable } from "./executable.ts";
import {
  buildLoadEngine,
  GoBuildError,
  goInstall,
  goInstallCachePath,
  loadEngineCachePath,
  loadEngineHash,
} from "./go-build.ts";
import { type FoundVia, locateProgram } from "./locate.ts";

export type GoToolResult =
  | { kind: "override"; path: string; envVar: string }
  /** The pinned build was in the cache already. */
  | { kind: "cached"; path: string }
  | { kind: "built"; path: string }
  /** Go is missing: a copy found elsewhere, not necessarily the pinned version. */
  | { kind: "elsewhere"; path: string; via: FoundVia }
  | { kind: "missing"; reason: string; remedy: string };

export interface GoToolOptions {
  cache: string;
  /** The Go binary and its `go version` output; undefined when Go is missing. */
  go?: { path: string; version: string };
  say(line: string): void;
  env?: NodeJS.ProcessEnv;
}

export const GO_REQUIREMENT = "Go 1.25 or newer";

/** The cache path of the tool's pinned build; undefined when that depends on a Go that is missing. */
export function pinnedBuildPath(tool: Tool, o: Pick<GoToolOptions, "cache" | "go">): string | undefined {
  if (tool.source.kind === "go-install") return goInstallCachePath(o.cache, tool.name, tool.source.version);
  if (tool.source.kind === "load-engine" && o.go)
    return loadEngineCachePath(o.cache, loadEngineHash(o.go.version));
  return undefined;
}

export async function obtainGoTool(tool: Tool, o: GoToolOptions): Promise<GoToolResult> {
  const env = o.env ?? process.env;
  const override = tool.envVar ? env[tool.envVar] : undefined;
  if (tool.envVar && override) {
    if (isExecutable(override)) return { kind: "override", path: override, envVar: tool.envVar };
    return {
      kind: "missing",
      reason: `${tool.envVar}=${override} is not an executable file`,
      remedy: `point ${tool.envVar} at a ${tool.name} binary, or unset it`,
    };
  }
  const cached = pinnedBuildPath(tool, o);
  if (cached && isExecutable(cached)) return { kind: "cached", path: cached };
  if (!o.go || !cached) {
    const elsewhere = locateProgram({ ...tool, envVar: undefined }, { env }).found;
    if (elsewhere) return { kind: "elsewhere", path: elsewhere.path, via: elsewhere.via };
    return {
      kind: "missing",
      reason: "it is built with Go, and Go is not installed",
      remedy: `install ${GO_REQUIREMENT} and run gameday setup again, or set ${tool.envVar} to a ${tool.name} binary`,
    };
  }
  try {
    if (tool.source.kind === "load-engine") {
      o.say(
        `building gameday-load (load-engine/, Vegeta ${tool.source.vegeta}) with go build — a minute the first time`,
      );
      await buildLoadEngine(o.go.path, cached);
    } else if (tool.source.kind === "go-install") {
      o.say(
        `building ${tool.name} ${tool.source.version} with go install (${tool.source.pkg}) — a few minutes the first time`,
      );
      await goInstall(o.go.path, { ...tool.source, dest: cached });
    }
  } catch (err) {
    if (!(err instanceof GoBuildError)) throw err;
    return {
      kind: "missing",
      reason: err.message,
      remedy: "fix what Go reported above and run gameday setup again",
    };
  }
  return { kind: "built", path: cached };
}
