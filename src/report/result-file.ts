// result.json is written as RFC 8785 canonical JSON so that the same result always has the same
// bytes, and therefore the same digest in a signed attestation.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import canonicalizeModule from "canonicalize";
import { RESULT_SCHEMA, type RunResult } from "../engine/result.ts";

// The package is CommonJS whose module.exports is the function; its types declare an ESM default.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const RESULT_FILE = "result.json";

/** Writes `<runDir>/result.json` in canonical JSON; returns its path. */
export async function writeResult(runDir: string, result: RunResult): Promise<string> {
  const path = join(runDir, RESULT_FILE);
  writeFileSync(path, canonicalJson(result, path));
  return path;
}

export function canonicalJson(value: unknown, what: string): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error(`${what}: value cannot be represented as canonical JSON`);
  return text;
}

/** Reads `<runDir>/result.json`, failing with the file name and the reason when it is not a RunResult. */
export function readResult(runDir: string): RunResult {
  const path = join(runDir, RESULT_FILE);
  const parsed = readJsonObject(path, "run result");
  const schema = (parsed as { schema?: unknown }).schema;
  if (schema !== RESULT_SCHEMA)
    throw new Error(`${path}: schema is ${JSON.stringify(schema)}, expected "${RESULT_SCHEMA}"`);
  if (!Array.isArray((parsed as { scenarios?: unknown }).scenarios))
    throw new Error(`${path}: scenarios: expected an array`);
  return parsed as RunResult;
}

/**
 * Reads a JSON file that must hold an object, failing with the file name and what was expected
 * (`what`, e.g. "run result") when it cannot be read, is not JSON, or is not an object.
 */
export function readJsonObject(path: string, what: string): object {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read ${what}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: expected a JSON object (a ${what})`);
  return parsed;
}
