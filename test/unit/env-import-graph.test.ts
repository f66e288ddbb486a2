// The import graph inside src/env: environment.ts picks a provider and depends on the providers;
// the providers share types through provider.ts and never import environment.ts, so the graph has
// no cycle. Read from the source files as they are, static, type-only and dynamic imports alike.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ENV_DIR = resolve(import.meta.dirname, "../../src/env");

/** `from "./x.ts"`, `import "./x.ts"` and `import("./x.ts")`: the sibling modules a file names. */
function siblingImports(source: string): string[] {
  const found = new Set<string>();
  const patterns = [/\bfrom\s+"\.\/([^"/]+\.ts)"/g, /\bimport\s*\(?\s*"\.\/([^"/]+\.ts)"/g];
  for (const re of patterns) for (const m of source.matchAll(re)) found.add(m[1]!);
  return [...found].sort();
}

function envGraph(): Map<string, string[]> {
  const files = readdirSync(ENV_DIR).filter((f) => f.endsWith(".ts"));
  return new Map(files.map((f) => [f, siblingImports(readFileSync(join(ENV_DIR, f), "utf8"))]));
}

/** One cycle of the graph as the path that closes it (a → … → a), or undefined when it is acyclic. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("the import graph of src/env", () => {
  it("reads static, type-only and dynamic sibling imports", () => {
    expect(
      siblingImports(
        [
          'import { a } from "./a.ts";',
          'import type { B } from "./b.ts";',
          'export { c } from "./c.ts";',
          'const { d } = await import("./d.ts");',
          'import "./e.ts";',
          'import { x } from "../faults/x.ts";',
        ].join("\n"),
      ),
    ).toEqual(["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"]);
    // The provider switch imports the providers lazily; the parser must see those edges.
    expect(envGraph().get("environment.ts")).toEqual(
      expect.arrayContaining(["containers.ts", "local.ts", "reference.ts"]),
    );
  });

  it("finds a cycle when there is one", () => {
    const graph = new Map([
      ["environment.ts", ["local.ts"]],
      ["local.ts", ["process.ts", "environment.ts"]],
      ["process.ts", []],
    ]);
    expect(findCycle(graph)).toEqual(["environment.ts", "local.ts", "environment.ts"]);
    expect(
      findCycle(
        new Map([
          ["a.ts", ["b.ts"]],
          ["b.ts", []],
        ]),
      ),
    ).toBeUndefined();
  });

  it("has no cycle", () => {
    expect(findCycle(envGraph())).toBeUndefined();
  });

  it("no module of src/env imports environment.ts; the providers share provider.ts", () => {
    const graph = envGraph();
    const importers = [...graph].filter(([, deps]) => deps.includes("environment.ts")).map(([f]) => f);
    expect(importers).toEqual([]);
    for (const provider of ["local.ts", "containers.ts", "held.ts"])
      expect(graph.get(provider), provider).toContain("provider.ts");
    expect(graph.get("reference.ts")).not.toContain("local.ts");
  });
});
