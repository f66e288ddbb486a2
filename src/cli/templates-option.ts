// `--templates DIR` (or the config's reportTemplates), checked before anything is started or
// rendered: a misspelt template name would otherwise fall back to the bundled one in silence.
import { resolve } from "node:path";
import { templateFolderProblems } from "../report/render.ts";
import { UsageError } from "./exit-codes.ts";

/** The folder, resolved; a UsageError (exit 2) naming every problem; undefined when none is given. */
export function checkedTemplatesDir(
  dir: string | undefined,
  from: string,
  templates?: readonly string[],
): string | undefined {
  if (dir === undefined) return undefined;
  const problems = templateFolderProblems(dir, templates);
  if (problems.length)
    throw new UsageError(problems.map((p) => `${p.file ?? from}: ${p.message}`).join("\n"));
  return resolve(dir);
}
