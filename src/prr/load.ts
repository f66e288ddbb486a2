// Loads a PRR file (TypeScript default export or YAML) and validates it; every problem is reported
// as `file: path.to.field: message`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { problemsFromZod, ValidationError } from "../scenario/errors.ts";
import { resolveGamedayImports } from "../scenario/self-import.ts";
import { type Prr, prrSchema } from "./schema.ts";

export async function loadPrr(file: string): Promise<Prr> {
  const path = resolve(file);
  let raw: unknown;
  try {
    if (/\.(ya?ml)$/.test(path)) raw = parseYaml(readFileSync(path, "utf8"));
    else if (/\.(ts|mts|js|mjs)$/.test(path)) {
      resolveGamedayImports();
      raw = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
    } else throw new Error("expected a .ts, .js, .yaml or .yml file");
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError([{ file, path: "", message: (err as Error).message }]);
  }
  if (raw === undefined)
    throw new ValidationError([
      { file, path: "", message: "no default export (use export default definePrr({...}))" },
    ]);
  const parsed = prrSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(problemsFromZod(file, parsed.error));
  return parsed.data;
}
