// Denied Go modules must not come back through the build: Makefile, package.json, scripts/ and .ci/
// may not name them (k6 was built from go.k6.io by make setup until it was removed).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { DENIED_GO_MODULES } from "./policy.ts";

/** The files and folders (searched recursively) that drive setup and CI. */
export const BUILD_FILES: readonly string[] = ["Makefile", "package.json", "scripts", ".ci"];

export interface DeniedReference {
  file: string;
  line: number;
  text: string;
}

function filesUnder(path: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Lines of BUILD_FILES (relative to `root`) that name a denied Go module. */
export function deniedReferences(root: string, paths: readonly string[] = BUILD_FILES): DeniedReference[] {
  const found: DeniedReference[] = [];
  for (const file of paths.flatMap((p) => filesUnder(join(root, p)))) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((text, i) => {
      if (DENIED_GO_MODULES.some((d) => text.includes(d.prefix)))
        found.push({ file: relative(root, file), line: i + 1, text: text.trim() });
    });
  }
  return found;
}
