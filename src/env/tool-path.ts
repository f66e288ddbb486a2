// Where the harness finds the server binaries it starts (toxiproxy-server, redis-server): shared by
// the local and reference providers, so neither depends on the other for it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const toolsBin = fileURLToPath(new URL("../../.tools/bin/", import.meta.url));

/** A binary from an env override, the project's .tools/bin, or PATH. */
export function toolPath(name: string, envVar?: string): string {
  const override = envVar ? process.env[envVar] : undefined;
  if (override) return override;
  const local = join(toolsBin, name);
  return existsSync(local) ? local : name;
}
