// Which extension the files `gameday init` writes get. Node decides a `.ts` file's module system by
// the nearest package.json: "type": "module" makes it ESM; "type": "commonjs" makes it CommonJS,
// where the `import` of a scenario fails ("Cannot use import statement outside a module"); no
// "type" makes Node try CommonJS, then reparse as ESM with a warning on every run. A `.mts` file
// is ESM whatever package.json says, so init writes `.mts` unless the package is ESM.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface ModuleChoice {
  /** The extension of the TypeScript files to write. */
  ext: ".ts" | ".mts";
  /** The package.json that decided, when there is one. */
  packageJson?: string;
  /** Why `.mts`, in one line; absent for `.ts`. */
  reason?: string;
}

/** The nearest package.json at or above `dir`, as Node looks it up. */
export function nearestPackageJson(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const file = join(d, "package.json");
    if (existsSync(file)) return file;
    if (dirname(d) === d) return undefined;
  }
}

function packageType(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { type?: unknown }).type;
  } catch {
    // Unreadable or not JSON: Node would fail on it too; treat it as saying nothing.
    return undefined;
  }
}

export function moduleChoice(dir: string): ModuleChoice {
  const packageJson = nearestPackageJson(dir);
  if (packageJson === undefined)
    return {
      ext: ".mts",
      reason:
        'there is no package.json here or above; .mts files are ES modules whatever one added later says (with "type": "module", init writes .ts)',
    };
  const type = packageType(packageJson);
  if (type === "module") return { ext: ".ts", packageJson };
  const [says, consequence] =
    type === undefined
      ? ['has no "type"', "Node would try .ts files as CommonJS first and warn on every run"]
      : [`has "type": ${JSON.stringify(type)}`, "Node would load .ts files as CommonJS, where import fails"];
  return {
    ext: ".mts",
    packageJson,
    reason: `${packageJson} ${says}, so ${consequence}; .mts files are always ES modules (with "type": "module" there, init writes .ts)`,
  };
}
