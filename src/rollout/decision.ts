// What an evaluation says: one decision, every criterion's value against its threshold, and why.
// Plain data, shared by `rollout check`, `rollout advance`, the gate-checkpoint API and the report.

export const DECISIONS = ["PROMOTE", "HOLD", "PAUSE", "ROLLBACK"] as const;
export type Decision = (typeof DECISIONS)[number];

export type CriterionRole = "gate" | "pause" | "rollback";

/**
 * A gate criterion passes or fails; a trigger is clear, met (but not yet for its `for`), or fired.
 * Either is missing when its value could not be read: missing data never promotes.
 */
export type CriterionStatus = "pass" | "fail" | "clear" | "met" | "fired" | "missing";

export interface CriterionVerdict {
  role: CriterionRole;
  name: string;
  title: string;
  /** "< 0.05", "≥ 0.55" */
  threshold: string;
  unit: string;
  /** null: no data. */
  value: number | null;
  status: CriterionStatus;
  /** One line a reviewer can act on: the value against the threshold, or why there is none. */
  reason: string;
  /** Where the value came from: the query, probe, alert matcher, or "metrics" (API input). */
  source: string;
  /** Rollback triggers: where they send the rollout. */
  to?: "previous" | "first";
}

export interface Frozen {
  reason: string;
  /** Wall-clock ms the freeze ends. */
  until: number;
}

export interface PrerequisiteResult {
  ok: boolean;
  /** One line per prerequisite: what was checked and what was found. */
  lines: Array<{ ok: boolean; text: string }>;
}

export interface Evaluation {
  decision: Decision;
  /** Why: the first line is the deciding reason; the rest the other blocking ones. */
  reasons: string[];
  criteria: CriterionVerdict[];
  frozen: Frozen | null;
  /** Rollback only. */
  rollbackTo?: "previous" | "first";
}
