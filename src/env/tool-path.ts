// Where the harness finds the server binaries it starts (toxiproxy-server, redis-server): shared by
// the local and reference providers, so neither depends on the other for it. The search order is
// the one of every gameday tool (src/tools/locate.ts): the override variable, the checkout's
// .tools/bin, the per-user bin `gameday setup` links into, then PATH.
import { locateProgram } from "../tools/locate.ts";

/**
 * The binary to start. When none is found it is the override as given (a start failure then names
 * it) or the bare name, for the start error to say what `gameday setup` should provide.
 */
export function toolPath(name: string, envVar?: string): string {
  const { found } = locateProgram({ programs: [name], envVar, linkedBins: true, path: true, systemDirs: [] });
  if (found) return found.path;
  const override = envVar ? process.env[envVar] : undefined;
  return override || name;
}
