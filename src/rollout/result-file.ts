// rollout.json on disk. Keys are sorted and numbers printed as RFC 8785 prints them, so the same
// result always has the same bytes (and the same digest in the attestation the four roles sign);
// unlike result.json it is indented, because reviewers read and diff this one by hand.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readJsonObject } from "../report/result-file.ts";
import { type CriterionStatus, DECISIONS } from "./decision.ts";
import {
  ROLLOUT_OUTCOMES,
  ROLLOUT_RESULT_FILE,
  ROLLOUT_RESULT_SCHEMA,
  type RolloutResult,
} from "./result.ts";

/** Writes `<dir>/rollout.json`; returns its path. */
export function writeRolloutResult(dir: string, result: RolloutResult): string {
  const path = join(dir, ROLLOUT_RESULT_FILE);
  writeFileSync(path, rolloutResultText(result, path));
  return path;
}

/** The bytes writeRolloutResult writes: sorted keys, 2-space indent, a trailing newline. */
export function rolloutResultText(result: RolloutResult, what = ROLLOUT_RESULT_FILE): string {
  return `${sortedJson(result, "", what, "$")}\n`;
}

/** Reads and validates `<dir>/rollout.json`; the error names the file and the first wrong fields. */
export function readRolloutResult(dir: string): RolloutResult {
  const path = join(dir, ROLLOUT_RESULT_FILE);
  const parsed = readJsonObject(path, "rollout result");
  // The tag first: a run's result.json or any other JSON would otherwise fail on dozens of fields.
  const schema = (parsed as { schema?: unknown }).schema;
  if (schema !== ROLLOUT_RESULT_SCHEMA)
    throw new Error(
      `${path}: schema: is ${JSON.stringify(schema) ?? "missing"}, expected "${ROLLOUT_RESULT_SCHEMA}" (not a rollout result)`,
    );
  const checked = rolloutResultSchema.safeParse(parsed);
  if (!checked.success) {
    const issues = checked.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    const more = checked.error.issues.length - issues.length;
    throw new Error(
      `${path}: not a valid rollout result: ${issues.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`,
    );
  }
  // The parsed JSON itself, not zod's copy: fields a newer gameday added survive a re-render.
  return parsed as RolloutResult;
}

function sortedJson(value: unknown, indent: string, what: string, at: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    // JSON has no NaN or Infinity; JSON.stringify would quietly turn them into null.
    if (!Number.isFinite(value)) throw new Error(`${what}: ${at} is ${value}, which JSON cannot hold`);
    return JSON.stringify(value);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    const items = value.map((v, i) => `${inner}${sortedJson(v, inner, what, `${at}[${i}]`)}`);
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object") {
    // Absent optional fields are undefined; leave them out as JSON.stringify does.
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    if (!keys.length) return "{}";
    const fields = keys.map(
      (k) =>
        `${inner}${JSON.stringify(k)}: ${sortedJson((value as Record<string, unknown>)[k], inner, what, `${at}.${k}`)}`,
    );
    return `{\n${fields.join(",\n")}\n${indent}}`;
  }
  throw new Error(`${what}: ${at} is a ${typeof value}, which JSON cannot hold`);
}

const CRITERION_STATUSES = [
  "pass",
  "fail",
  "clear",
  "met",
  "fired",
  "missing",
] as const satisfies readonly CriterionStatus[];

const instant = z.number();
const optionalInstant = z.number().nullable();

const criterionVerdict = z.object({
  role: z.enum(["gate", "pause", "rollback"]),
  name: z.string(),
  title: z.string(),
  threshold: z.string(),
  unit: z.string(),
  value: z.number().nullable(),
  status: z.enum(CRITERION_STATUSES),
  reason: z.string(),
  source: z.string(),
  to: z.enum(["previous", "first"]).optional(),
});

const rolloutResultSchema = z.object({
  schema: z.literal(ROLLOUT_RESULT_SCHEMA),
  runId: z.string().min(1),
  rollout: z.string().min(1),
  title: z.string(),
  service: z.string().nullable(),
  file: z.string(),
  profile: z.string(),
  scale: z.number().positive(),
  gamedayVersion: z.string(),
  host: z.string(),
  startedAt: instant,
  endedAt: instant,
  outcome: z.enum(ROLLOUT_OUTCOMES),
  exitCode: z.number().int(),
  startPhase: z.string(),
  endPhase: z.string(),
  stablePhase: z.string(),
  share: z.number().min(0).max(100),
  prerequisites: z.object({
    ok: z.boolean(),
    lines: z.array(z.object({ ok: z.boolean(), text: z.string() })),
  }),
  phases: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      audience: z.string(),
      traffic: z.number().min(0).max(100),
      minDurationMs: z.number().nonnegative(),
      startedAt: optionalInstant,
      endedAt: optionalInstant,
      outcome: z.enum(["promoted", "complete", "rolled back", "held", "interrupted", "not reached"]),
    }),
  ),
  checkpoints: z.array(
    z.object({
      phase: z.string(),
      label: z.string(),
      kind: z.enum(["checkpoint", "gate", "ramp", "pause"]),
      share: z.number().min(0).max(100),
      plannedAtMs: z.number().nullable(),
      at: instant,
      decision: z.enum(DECISIONS),
      reasons: z.array(z.string()),
      criteria: z.array(criterionVerdict),
    }),
  ),
  decisions: z.array(
    z.object({
      at: instant,
      phase: z.string(),
      decision: z.enum([...DECISIONS, "RESUME", "COMPLETE"]),
      share: z.number().min(0).max(100),
      reasons: z.array(z.string()),
    }),
  ),
  shares: z.array(
    z.object({ t: instant, share: z.number().min(0).max(100), why: z.enum(["start", "ramp", "rollback"]) }),
  ),
  runbooks: z.array(
    z.object({
      kind: z.enum(["pause", "rollback"]),
      at: instant,
      ok: z.boolean(),
      steps: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          ok: z.boolean(),
          detail: z.string(),
          startedAt: instant,
          endedAt: instant,
        }),
      ),
    }),
  ),
  load: z.array(
    z.object({
      t: instant,
      rps: z.number(),
      errorRate: z.number().nullable(),
      p95Ms: z.number().nullable(),
    }),
  ),
  errors: z.array(z.string()),
}) satisfies z.ZodType<RolloutResult>;
