// Every event a run journals. One line of journal.jsonl is one of these plus an envelope
// (seq, wall-clock ms, monotonic ms). Measurement reads only these and the series.
import type { FaultKind, FaultSpec } from "../scenario/schema.ts";
import type { Comparison, Verdict } from "../evaluate/verdict.ts";
import type { CriterionVerdict, Decision, PrerequisiteResult } from "../rollout/decision.ts";

export type Phase = "baseline" | "inject" | "observe" | "recover" | "verify";

export type JournalEvent =
  | {
      type: "run.start";
      runId: string;
      scenarios: string[];
      profile: string;
      scale: number;
      host: string;
      /** Reference-stack defect switches on for the run; such a run is never PRR evidence. Absent in older journals. */
      defects?: string[];
    }
  | { type: "scenario.start"; scenario: string; plannedMs: number }
  | { type: "phase"; scenario: string; phase: Phase }
  /** Written before the fault is applied, so a killed run can still be cleaned up. */
  | {
      type: "fault.registered";
      scenario: string;
      faultId: string;
      kind: FaultKind;
      target: string;
      tag: string;
      spec: FaultSpec;
    }
  /**
   * What revert will need, read before the change is sent (drivers with `capture`): a run killed
   * between the change and `fault.applied` is still undone from this.
   */
  | { type: "fault.captured"; faultId: string; previous: unknown }
  /** t_inject: the driver's apply call returned. `previous` holds what revert needs (flag values etc.). */
  | {
      type: "fault.applied";
      faultId: string;
      plannedAt: number;
      lateMs: number;
      previous?: unknown;
      detail?: Record<string, unknown>;
    }
  | { type: "fault.reverted"; faultId: string; reason: string; detail?: Record<string, unknown> }
  /**
   * The driver's read-back after apply (expected active) or revert (expected gone). `active` is null
   * when the driver cannot tell or the read failed (`detail` says which); `ok` is whether it matched.
   */
  | {
      type: "fault.readback";
      faultId: string;
      after: "apply" | "revert";
      active: boolean | null;
      ok: boolean;
      detail?: string;
    }
  | { type: "fault.revert_failed"; faultId: string; error: string }
  | {
      type: "alert.received";
      fingerprint: string;
      name: string;
      status: "firing" | "resolved";
      startsAt: number | null;
      endsAt: number | null;
      receiver: string;
      labels: Record<string, string>;
    }
  | {
      type: "alert.ack";
      fingerprint: string;
      name: string;
      by: string;
      via: "cli" | "api" | "web" | "auto";
      synthetic: boolean;
    }
  /**
   * t_decision: the runbook's planned decision step, or an incident commander's call from the
   * console / API (then with severity, who and why).
   */
  | {
      type: "decision";
      scenario: string;
      what: string;
      severity?: "sev2" | "sev3";
      by?: string;
      why?: string;
    }
  | {
      type: "runbook.step";
      scenario: string;
      id: string;
      title: string;
      startedAt: number;
      endedAt: number;
      ok: boolean;
      detail: string;
    }
  | { type: "load.start"; scenario: string; command: string[] }
  | { type: "load.end"; scenario: string; exitCode: number | null; signal: string | null }
  | { type: "probe.error"; probe: string; error: string }
  | { type: "stop"; scenario: string; reason: string }
  | { type: "error"; scenario?: string; message: string }
  | { type: "scenario.end"; scenario: string; verdict: Verdict }
  /** A compared measurement worse than its baseline's noise band (--baseline). */
  | { type: "regression"; scenario: string; metric: string; value: number | null; comparison: Comparison }
  | { type: "run.end"; verdict: Verdict; exitCode: number; interrupted: boolean }
  // ---- rollouts (gameday rollout advance) ----
  | {
      type: "rollout.start";
      runId: string;
      rollout: string;
      profile: string;
      scale: number;
      host: string;
      phase: string;
      share: number;
    }
  | { type: "rollout.prerequisites"; ok: boolean; lines: PrerequisiteResult["lines"] }
  /** The share was written to the flag service and read back (`readback` is what the service then said). */
  | {
      type: "rollout.share";
      phase: string;
      from: number;
      to: number;
      why: "start" | "ramp" | "rollback";
      readback: number | null;
    }
  | {
      type: "rollout.checkpoint";
      phase: string;
      label: string;
      final: boolean;
      share: number;
      decision: Decision;
      reasons: string[];
      criteria: CriterionVerdict[];
    }
  /** A change of course: promote, pause, resume, rollback, hold at the gate, complete. */
  | {
      type: "rollout.decision";
      phase: string;
      decision: Decision | "RESUME" | "COMPLETE";
      share: number;
      reasons: string[];
    }
  | { type: "rollout.end"; outcome: string; exitCode: number; phase: string; share: number };

export type JournalEventType = JournalEvent["type"];

export type JournalEntry = JournalEvent & {
  seq: number;
  /** Wall-clock milliseconds since the epoch (Date.now()). */
  t: number;
  /** Monotonic milliseconds since the journal was opened (performance.now() based). */
  mono: number;
};

export type EventOf<T extends JournalEventType> = Extract<JournalEntry, { type: T }>;
