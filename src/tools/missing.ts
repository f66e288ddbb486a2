// What is missing and the command that gets each, as setup's and doctor's last line say it.
import { aptCommand, canInstallPackages } from "./apt.ts";
import type { Tool } from "./catalogue.ts";
import { GO_REQUIREMENT } from "./go-tool-setup.ts";
import { NODE_MINIMUM } from "./node-runtime.ts";

export interface MissingTool {
  tool: string;
  /** What gets it: a command, or an instruction when no command can. */
  remedy: string;
}

/** How to get a tool that is not here (goFound: whether Go is there to build with). */
export function remedyFor(tool: Tool, o: { goFound: boolean }): string {
  switch (tool.source.kind) {
    case "node":
      return `install Node ${NODE_MINIMUM} or newer`;
    case "go-toolchain":
      return `install ${GO_REQUIREMENT}`;
    case "load-engine":
    case "go-install":
      return o.goFound
        ? "gameday setup"
        : `install ${GO_REQUIREMENT}, then gameday setup (or set ${tool.envVar})`;
    case "debian":
      return canInstallPackages() ? "gameday setup" : aptCommand([tool.source.package]);
    case "user-installed":
      return `install your own ${tool.name} on PATH or set ${tool.envVar} (gameday does not install it: AGPL-3.0)`;
  }
}

/**
 * "redis-server, prometheus (sudo apt-get install -y redis-server prometheus); gameday-load
 * (gameday setup)": tools that one command gets are named together, apt-get packages in one line.
 */
export function describeMissing(missing: readonly MissingTool[]): string {
  const apt = /^((?:sudo )?apt-get install -y) (.+)$/;
  // One entry per remedy; apt-get lines for single packages merge into one line for all of them.
  const byRemedy = new Map<string, { tools: string[]; packages: Set<string> }>();
  for (const m of missing) {
    const a = apt.exec(m.remedy);
    const key = a ? a[1]! : m.remedy;
    const entry = byRemedy.get(key) ?? { tools: [], packages: new Set<string>() };
    entry.tools.push(m.tool);
    for (const pkg of a ? a[2]!.split(" ") : []) entry.packages.add(pkg);
    byRemedy.set(key, entry);
  }
  return [...byRemedy]
    .map(([key, { tools, packages }]) => {
      const remedy = packages.size ? `${key} ${[...packages].join(" ")}` : key;
      return `${tools.join(", ")} (${remedy})`;
    })
    .join("; ");
}
