// The rollout model (seeds 000–003): phases with a traffic share and an exit gate, prerequisites,
// the checkpoint schedule, pause and rollback triggers, ramp rules and freeze windows. What a team
// writes is the input; what the evaluator reads is the output, with durations in ms.
import { z } from "zod";
import { validCron } from "../scenario/config.ts";
import { duration, httpLoad, runbookStep, steadyState } from "../scenario/schema.ts";

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "letters, digits, - and _");
const text = z.string().min(1, "must not be empty");
/** A metric key: the name the gate-checkpoint API's `metrics` object uses for a criterion. */
const metricKey = z.string().regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and _ (a metric key)");

/** Where a criterion's value comes from: exactly one of promql, probe or alert. */
const source = {
  /** An instant PromQL query; `$window` is replaced by the criterion's window (scaled by the profile). */
  promql: text.optional(),
  /** A probe of the config (http, scrape or promql), read once at the checkpoint. */
  probe: text.optional(),
  /** Firing alerts in Alertmanager whose labels match (alertname as `name`); the value is their count. */
  alert: z
    .strictObject({ name: text.optional(), labels: z.record(z.string(), z.string()).default({}) })
    .optional(),
};

const comparison = {
  below: z.number().optional(),
  atMost: z.number().optional(),
  above: z.number().optional(),
  atLeast: z.number().optional(),
};

export const UNITS = ["ratio", "pct", "ms", "s", "count", "rps", "value"] as const;

const criterionFields = {
  name: metricKey,
  /** How reports print it, e.g. "Error rate". Default: the name. */
  title: text.optional(),
  ...source,
  ...comparison,
  /** The look-back window `$window` stands for in the query, e.g. "15m". */
  window: duration.optional(),
  unit: z.enum(UNITS).default("value"),
};

function exactlyOne(
  v: Record<string, unknown>,
  keys: readonly string[],
  ctx: z.RefinementCtx,
  what: string,
): void {
  const given = keys.filter((k) => v[k] !== undefined);
  if (given.length !== 1)
    ctx.addIssue({
      code: "custom",
      path: given.length > 1 ? [given[1] as string] : [],
      message:
        given.length === 0
          ? `needs one of ${keys.join(", ")} (${what})`
          : `has both ${given.join(" and ")}; give exactly one (${what})`,
    });
}

function criterionRefine(v: Record<string, unknown>, ctx: z.RefinementCtx): void {
  exactlyOne(v, ["promql", "probe", "alert"], ctx, "where the value comes from");
  exactlyOne(v, ["below", "atMost", "above", "atLeast"], ctx, "the threshold");
  if (typeof v.promql === "string" && v.promql.includes("$window") && v.window === undefined)
    ctx.addIssue({ code: "custom", path: ["window"], message: "the query uses $window: give window" });
}

/** A gate criterion: passes when its value meets the threshold (seed 001 §4.1). */
export const criterion = z.strictObject(criterionFields).superRefine(criterionRefine);

/** A pause or rollback trigger: fires when its value meets the threshold for `for` (sustained). */
export const trigger = z
  .strictObject({
    ...criterionFields,
    /** How long the condition must hold on consecutive checks before the trigger fires. */
    for: duration.default(0),
    /** Rollback only: to the previous stable phase (default) or back to the first phase (data loss). */
    to: z.enum(["previous", "first"]).default("previous"),
  })
  .superRefine(criterionRefine);

export const phase = z.strictObject({
  name: id,
  title: text,
  /** Who sees the new path (seed 001 §1.1), for the plan and the report. */
  audience: text,
  /** Share of traffic on the new path, 0–100. */
  traffic: z.number().min(0).max(100),
  /** The phase runs at least this long before its gate can promote (seed 001: 3–5 days, …). */
  minDuration: duration,
  /** Extra flag state written with the share (seed 001 §3.3: allowlist, denylist, …). */
  flag: z.record(z.string(), z.unknown()).default({}),
  /** Exit criteria (the gate); every one must pass to promote. */
  gate: z.array(criterion).min(1, "a phase needs at least one gate criterion"),
});

const isoInstant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && Number.isFinite(Date.parse(s)), {
    message: 'must be an ISO date-time, e.g. "2026-12-24T00:00:00Z"',
  })
  .transform((s) => Date.parse(s));

/** No promotion inside a freeze (seed 000: freeze windows); ramping down stays allowed. */
export const freezeWindow = z.union([
  z
    .strictObject({ from: isoInstant, to: isoInstant, reason: text })
    .refine((w) => w.to > w.from, { message: "to must be after from", path: ["to"] }),
  z.strictObject({
    /** Recurring: starts at each fire of the cron pattern and lasts `duration`. */
    cron: z.string().refine(validCron, { message: "not a cron pattern croner can read" }),
    duration,
    timezone: z.string().optional(),
    reason: text,
  }),
]);

/** Seed 003's checkpoints after a traffic change, then a regular one until the phase's minimum duration. */
export const DEFAULT_CHECKPOINTS = ["15m", "30m", "1h", "2h", "4h", "8h", "24h", "36h"] as const;

export const rolloutSchema = z
  .strictObject({
    name: id,
    title: text,
    /** The service the rollout changes, for the report. */
    service: text.optional(),
    /** How the traffic share is set: a JSON field written to a service of the config. */
    flag: z.strictObject({
      service: text,
      path: z.string().startsWith("/"),
      /** The body field holding the share (0–100). */
      field: text,
      method: z.enum(["PUT", "POST", "PATCH"]).default("PUT"),
      /** Where the share is read back (GET); default `path`. */
      readPath: z.string().startsWith("/").optional(),
    }),
    prerequisites: z
      .strictObject({
        /** Seed 000: PRR ≥ 90 % green, the rest time-boxed by valid exceptions (≤ 14 days). */
        prr: z
          .strictObject({
            file: text,
            minGreen: z.number().min(0).max(100).default(90),
          })
          .optional(),
        /** The latest gameday of each scenario must have passed. */
        gamedays: z
          .strictObject({
            scenarios: z.array(text).min(1),
            reports: z.string().default("reports"),
            withinDays: z.number().int().positive().optional(),
            profile: text.optional(),
          })
          .optional(),
      })
      .default({}),
    phases: z.array(phase).min(1),
    checkpoints: z
      .strictObject({
        after: z
          .array(duration)
          .min(1)
          .prefault([...DEFAULT_CHECKPOINTS]),
        /** After the listed ones, a checkpoint this often until the phase's minimum duration. */
        every: duration.prefault("24h"),
      })
      .prefault({}),
    /** Seed 001 §3.2. */
    ramp: z
      .strictObject({
        /** A step raises traffic to at most this multiple of the previous share. */
        maxFactor: z.number().gt(1).default(2),
        /** From 0 % the first step goes to at most this share. */
        initial: z.number().gt(0).max(100).default(1),
        /** How long each intermediate step is held and checked before the next. */
        hold: duration.prefault("15m"),
      })
      .prefault({}),
    /** Seed 001 §5.1: hold the current share until the trigger clears. */
    pause: z.array(trigger).default([]),
    /** Seed 001 §5.2: go back at once to the previous stable phase. */
    rollback: z.array(trigger).default([]),
    /** A pause longer than this becomes a rollback (seed 001 §5.4: a fix beyond hours is a rollback). */
    pauseLimit: duration.prefault("24h"),
    /** How long a failing gate may hold the rollout at the end of a phase before advance gives up. */
    holdLimit: duration.prefault("24h"),
    freeze: z.array(freezeWindow).default([]),
    /** What healthy means for the runbooks' wait-healthy steps (p95, error rate over the rollout's load). */
    steadyState: steadyState.prefault({}),
    /** Runbook steps run when the rollout pauses or rolls back (the share itself is set by gameday). */
    runbooks: z
      .strictObject({ pause: z.array(runbookStep).default([]), rollback: z.array(runbookStep).default([]) })
      .prefault({}),
    /** Synthetic traffic while advancing (staging, the reference stack); production brings its own. */
    load: httpLoad.optional(),
  })
  .superRefine((r, ctx) => {
    const seen = new Map<string, number>();
    r.phases.forEach((p, i) => {
      const prev = seen.get(p.name);
      if (prev !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["phases", i, "name"],
          message: `"${p.name}" is also the name of phases.${prev}`,
        });
      seen.set(p.name, i);
      const before = r.phases[i - 1];
      if (before && p.traffic < before.traffic)
        ctx.addIssue({
          code: "custom",
          path: ["phases", i, "traffic"],
          message: `${p.traffic} % is less than ${before.name}'s ${before.traffic} %: phases only ramp up (a ramp-down is a rollback)`,
        });
      const keys = new Set<string>();
      p.gate.forEach((c, j) => {
        if (keys.has(c.name))
          ctx.addIssue({
            code: "custom",
            path: ["phases", i, "gate", j, "name"],
            message: `"${c.name}" is used twice in this gate`,
          });
        keys.add(c.name);
      });
    });
    for (const kind of ["pause", "rollback"] as const)
      r[kind].forEach((t, j) => {
        if (kind === "pause" && t.to !== "previous")
          ctx.addIssue({
            code: "custom",
            path: [kind, j, "to"],
            message: "only rollback triggers have `to`",
          });
      });
  });

export type Criterion = z.output<typeof criterion>;
export type CriterionInput = z.input<typeof criterion>;
export type Trigger = z.output<typeof trigger>;
export type TriggerInput = z.input<typeof trigger>;
export type Phase = z.output<typeof phase>;
export type FreezeWindow = z.output<typeof freezeWindow>;
export type Rollout = z.output<typeof rolloutSchema>;
export type RolloutInput = z.input<typeof rolloutSchema>;
