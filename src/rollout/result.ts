// rollout.json: everything `rollout advance` found, as plain data the reports render and the
// four roles sign. Written at the end of every advance, interrupted or not.
import type { CriterionVerdict, Decision, PrerequisiteResult } from "./decision.ts";

export const ROLLOUT_RESULT_SCHEMA = "gameday.rollout/v1";
export const ROLLOUT_RESULT_FILE = "rollout.json";

/**
 * COMPLETE: the last phase's gate passed. ROLLED_BACK: a rollback trigger (or a pause past its
 * limit) sent it back. HELD: a gate kept failing past holdLimit. NOT_READY: prerequisites unmet,
 * nothing changed. INTERRUPTED: stopped by a signal (the share is left where it was). ERROR: the
 * harness or environment failed.
 */
export const ROLLOUT_OUTCOMES = [
  "COMPLETE",
  "ROLLED_BACK",
  "HELD",
  "NOT_READY",
  "INTERRUPTED",
  "ERROR",
] as const;
export type RolloutOutcome = (typeof ROLLOUT_OUTCOMES)[number];

export type PhaseOutcome = "promoted" | "complete" | "rolled back" | "held" | "interrupted" | "not reached";

export interface PhaseRecord {
  name: string;
  title: string;
  audience: string;
  traffic: number;
  minDurationMs: number;
  /** When its share was reached (wall-clock ms), when it ended. */
  startedAt: number | null;
  endedAt: number | null;
  outcome: PhaseOutcome;
}

export interface CheckpointRecord {
  phase: string;
  /** "15m", "gate (3d)", "ramp 20 %", "paused" */
  label: string;
  kind: "checkpoint" | "gate" | "ramp" | "pause";
  share: number;
  /** Planned offset from the phase start under the profile, ms; null for pause re-checks. */
  plannedAtMs: number | null;
  at: number;
  decision: Decision;
  reasons: string[];
  criteria: CriterionVerdict[];
}

export interface DecisionRecord {
  at: number;
  phase: string;
  decision: Decision | "RESUME" | "COMPLETE";
  share: number;
  reasons: string[];
}

export interface RunbookRecord {
  kind: "pause" | "rollback";
  at: number;
  ok: boolean;
  steps: Array<{
    id: string;
    title: string;
    ok: boolean;
    detail: string;
    startedAt: number;
    endedAt: number;
  }>;
}

/** Per-second traffic on the service while the rollout's own load ran (charts). */
export interface LoadPoint {
  t: number;
  rps: number;
  errorRate: number | null;
  p95Ms: number | null;
}

export interface RolloutResult {
  schema: typeof ROLLOUT_RESULT_SCHEMA;
  runId: string;
  rollout: string;
  title: string;
  service: string | null;
  file: string;
  profile: string;
  scale: number;
  gamedayVersion: string;
  host: string;
  startedAt: number;
  endedAt: number;
  outcome: RolloutOutcome;
  exitCode: number;
  /** Where it started, where it ended, and the last phase whose gate passed (re-ramp starts there). */
  startPhase: string;
  endPhase: string;
  stablePhase: string;
  share: number;
  prerequisites: PrerequisiteResult;
  phases: PhaseRecord[];
  checkpoints: CheckpointRecord[];
  decisions: DecisionRecord[];
  /** Every share change, in order (the first is the starting share). */
  shares: Array<{ t: number; share: number; why: "start" | "ramp" | "rollback" }>;
  runbooks: RunbookRecord[];
  load: LoadPoint[];
  errors: string[];
}
