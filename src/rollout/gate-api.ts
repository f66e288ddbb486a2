// The gate-checkpoint API (seed 002): a caller hands in the metric values it has for a phase's gate
// and gets the decision back — PROMOTE, HOLD, PAUSE or ROLLBACK — with every criterion's verdict and
// what to do next. Transport-free: a parsed JSON body in, a status and a JSON body out, so
// `gameday serve` and `gameday rollout serve` answer the same way. Missing metrics never promote
// (evaluateMetrics decides that); a value that is not a number is refused.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { describeIssues } from "../observe/alert-payload.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { type Problem, ValidationError } from "../scenario/errors.ts";
import type { CriterionVerdict, Decision, Frozen } from "./decision.ts";
import { evaluateMetrics, MetricsInputError, recommendations } from "./evaluate.ts";
import { type LoadedRollout, loadRollout } from "./loader.ts";
import type { Rollout } from "./schema.ts";

export const GATE_CHECKPOINT_PATH = "/api/v1/system/gate-checkpoint";

/** What the route says when the server was started without rollouts (gameday serve's default). */
export const NO_ROLLOUTS_HINT =
  "list rollout files or folders under `rollouts` in the config (relative to its folder) and restart gameday serve, or run gameday rollout serve <file…>";

/** How a metric value that is not a number is shown in the refusal (bounded: bodies are up to 64 KiB). */
function shown(v: unknown): string {
  const text = typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * `metrics`: metric key → number or null. Checked on the raw object (not rebuilt by a zod record,
 * which would turn a `__proto__` key into the object's prototype) and copied with own properties only.
 */
const metricsField = z
  .unknown()
  .superRefine((v, ctx) => {
    if (v === undefined) {
      ctx.addIssue({ code: "custom", message: "required: an object of metric name → number or null" });
      return;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      ctx.addIssue({
        code: "custom",
        message: `must be an object of metric name → number or null, not ${Array.isArray(v) ? "an array" : shown(v)}`,
      });
      return;
    }
    for (const [k, x] of Object.entries(v))
      if (x !== null && (typeof x !== "number" || !Number.isFinite(x)))
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `must be a finite number or null, not ${shown(x)}`,
        });
  })
  .transform((v) => Object.fromEntries(Object.entries(v as object)) as Record<string, number | null>);

/** The request body. Unknown fields are refused. */
export const gateCheckpointBody = z.strictObject({
  /** The phase whose exit gate is checked, by name ("P1"). */
  gate: z
    .string({
      error: (i) => (i.input === undefined ? 'required: the phase name (e.g. "P1")' : "must be a string"),
    })
    .min(1, 'must not be empty: the phase name (e.g. "P1")')
    .max(200),
  metrics: metricsField,
  /** The rollout's name; required when the server has more than one. */
  rollout: z.string().min(1, "must not be empty").max(200).optional(),
});

export type GateCheckpointBody = z.output<typeof gateCheckpointBody>;

/** The 200 answer. */
export interface GateCheckpointAnswer {
  /** decision === "PROMOTE". */
  pass: boolean;
  decision: Decision;
  /** What to do next, one line per action (evaluate.ts `recommendations`). */
  recommendations: string[];
  rollout: string;
  gate: string;
  /** The phase's traffic share, 0–100. */
  traffic: number;
  /** Why: the deciding reason first. */
  reasons: string[];
  /** Every rollback and pause trigger, then every gate criterion, judged against `metrics`. */
  criteria: CriterionVerdict[];
  /** Metric keys no criterion or trigger of this phase uses. */
  ignored: string[];
  /** A freeze window in force: no promotion. */
  frozen: Frozen | null;
  /** ROLLBACK only: to the previous stable phase or the first. */
  rollbackTo?: "previous" | "first";
}

export type GateCheckpointResult =
  | { status: 200; body: GateCheckpointAnswer }
  | { status: 400 | 404; body: { error: string } };

export interface GateCheckpointOptions {
  /** Said after "no rollouts loaded: " when there are none. */
  noneLoaded?: string;
  /** Wall-clock ms the freeze windows are judged at (default now). */
  now?: number;
}

const refuse = (status: 400 | 404, error: string): GateCheckpointResult => ({ status, body: { error } });

/** Answers one gate-checkpoint request from the rollouts a server loaded at start. */
export async function gateCheckpoint(
  rollouts: ReadonlyArray<{ rollout: Rollout }>,
  body: unknown,
  o: GateCheckpointOptions = {},
): Promise<GateCheckpointResult> {
  if (!rollouts.length) return refuse(404, `no rollouts loaded: ${o.noneLoaded ?? NO_ROLLOUTS_HINT}`);
  const parsed = gateCheckpointBody.safeParse(body);
  if (!parsed.success) return refuse(400, `invalid payload: ${describeIssues(parsed.error)}`);
  const b = parsed.data;
  const names = rollouts.map((r) => r.rollout.name);
  let rollout: Rollout | undefined;
  if (b.rollout !== undefined) {
    rollout = rollouts.find((r) => r.rollout.name === b.rollout)?.rollout;
    if (!rollout) return refuse(404, `no rollout ${JSON.stringify(b.rollout)} (known: ${names.join(", ")})`);
  } else if (rollouts.length > 1) {
    return refuse(
      400,
      `invalid payload: rollout: required when more than one rollout is loaded (${names.join(", ")})`,
    );
  } else rollout = (rollouts[0] as { rollout: Rollout }).rollout;
  const phaseIndex = rollout.phases.findIndex((p) => p.name === b.gate);
  const phase = rollout.phases[phaseIndex];
  if (!phase)
    return refuse(
      404,
      `no gate ${JSON.stringify(b.gate)} in rollout ${rollout.name} (known gates: ${rollout.phases.map((p) => p.name).join(", ")})`,
    );
  let out: Awaited<ReturnType<typeof evaluateMetrics>>;
  try {
    out = await evaluateMetrics({ rollout, phaseIndex, now: o.now }, b.metrics);
  } catch (err) {
    // The body schema already refuses these; kept so a refusal can never become a 500.
    if (err instanceof MetricsInputError) return refuse(400, `invalid payload: ${err.message}`);
    throw err;
  }
  const e = out.evaluation;
  return {
    status: 200,
    body: {
      pass: e.decision === "PROMOTE",
      decision: e.decision,
      recommendations: recommendations(rollout, phaseIndex, e),
      rollout: rollout.name,
      gate: phase.name,
      traffic: phase.traffic,
      reasons: e.reasons,
      criteria: e.criteria,
      ignored: out.ignored,
      frozen: e.frozen,
      ...(e.rollbackTo ? { rollbackTo: e.rollbackTo } : {}),
    },
  };
}

const ROLLOUT_FILE = /\.(ts|mts|js|mjs)$/;

/** Files and folders to rollout files: a folder's *.ts / *.js files (not *.d.ts), sorted. */
export function rolloutFiles(paths: string[]): { files: string[]; problems: Problem[] } {
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      problems.push({ file: p, path: "", message: "no such file or folder" });
      continue;
    }
    if (!statSync(p).isDirectory()) {
      files.push(p);
      continue;
    }
    const found = readdirSync(p)
      .sort()
      .filter((f) => ROLLOUT_FILE.test(f) && !f.endsWith(".d.ts") && statSync(join(p, f)).isFile());
    if (!found.length)
      problems.push({ file: p, path: "", message: "no rollout files (*.ts, *.js) in this folder" });
    files.push(...found.map((f) => join(p, f)));
  }
  return { files, problems };
}

/**
 * Loads the rollouts a gate-checkpoint server answers for: every problem of every file at once
 * (a ValidationError, exit 2), including two files declaring the same rollout name.
 */
export async function loadGateRollouts(paths: string[], config?: GamedayConfig): Promise<LoadedRollout[]> {
  const { files, problems } = rolloutFiles(paths);
  const loaded: LoadedRollout[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    try {
      const l = await loadRollout(file, config);
      const prev = byName.get(l.rollout.name);
      if (prev !== undefined)
        problems.push({
          file,
          path: "name",
          message: `"${l.rollout.name}" is also the name of the rollout in ${prev}`,
        });
      else {
        byName.set(l.rollout.name, file);
        loaded.push(l);
      }
    } catch (err) {
      if (err instanceof ValidationError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new ValidationError(problems);
  return loaded;
}
