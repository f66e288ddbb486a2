// What one advance of a rollout has done so far, as rollout.json records it: where it stands (the
// share on the flag service, the phase it is in, the last stable phase), the phases, checkpoints,
// decisions, share changes and runbooks, its errors and its outcome. A decision is journalled
// (and synced) as it is recorded, and printed.
import { hostname } from "node:os";
import type { Journal } from "../engine/journal.ts";
import type { PrerequisiteResult } from "./decision.ts";
import type {
  CheckpointRecord,
  DecisionRecord,
  PhaseRecord,
  RolloutOutcome,
  RolloutResult,
  RunbookRecord,
} from "./result.ts";
import { ROLLOUT_RESULT_SCHEMA } from "./result.ts";
import type { Rollout } from "./schema.ts";
import type { RolloutState } from "./state.ts";

/** Where an advance starts: the phase, the last stable phase, the share the state file last saw. */
export interface StartPosition {
  startIndex: number;
  stable: number;
  share: number;
}

/**
 * The start of an advance: `--from PHASE` (the phase before it counted stable), else where the
 * state file of the last advance says, else the first phase. An unknown name starts at the first.
 */
export function startPosition(r: Rollout, state: RolloutState | null, from?: string): StartPosition {
  const indexOf = (name: string) =>
    Math.max(
      0,
      r.phases.findIndex((p) => p.name === name),
    );
  const resumed = from === undefined ? state : null;
  const startIndex = indexOf(from ?? resumed?.phase ?? r.phases[0]!.name);
  return {
    startIndex,
    stable: resumed ? indexOf(resumed.stablePhase) : Math.max(0, startIndex - 1),
    share: resumed?.share ?? 0,
  };
}

export const EXIT_OF: Record<RolloutOutcome, number> = {
  COMPLETE: 0,
  ROLLED_BACK: 1,
  HELD: 1,
  NOT_READY: 1,
  INTERRUPTED: 130,
  ERROR: 3,
};

export class RolloutRecord {
  readonly #rollout: Rollout;
  readonly #journal: Journal;
  readonly #say: (text: string) => void;
  readonly startIndex: number;
  /** The share the flag service holds, as last written (or read at the start). */
  share: number;
  /** The last phase whose gate passed, or the rollback's target (a re-ramp starts there). */
  stable: number;
  /** The phase in progress, or the one the advance ended at. */
  current: number;
  outcome: RolloutOutcome = "ERROR";
  prerequisites: PrerequisiteResult = { ok: false, lines: [] };
  readonly phases: PhaseRecord[];
  readonly checkpoints: CheckpointRecord[] = [];
  readonly decisions: DecisionRecord[] = [];
  readonly shares: RolloutResult["shares"] = [];
  readonly runbooks: RunbookRecord[] = [];
  readonly errors: string[] = [];
  /** What the last checkpoint could not read: a gate held on it makes the advance ERROR, not HELD. */
  lastUnreachable: string[] = [];

  constructor(rollout: Rollout, start: StartPosition, journal: Journal, say: (text: string) => void) {
    this.#rollout = rollout;
    this.#journal = journal;
    this.#say = say;
    this.startIndex = start.startIndex;
    this.current = start.startIndex;
    this.stable = start.stable;
    this.share = start.share;
    this.phases = rollout.phases.map((p) => ({
      name: p.name,
      title: p.title,
      audience: p.audience,
      traffic: p.traffic,
      minDurationMs: p.minDuration,
      startedAt: null,
      endedAt: null,
      outcome: "not reached",
    }));
  }

  decide(phase: string, decision: DecisionRecord["decision"], reasons: string[]): void {
    const at = Date.now();
    this.decisions.push({ at, phase, decision, share: this.share, reasons });
    this.#journal.write({ type: "rollout.decision", phase, decision, share: this.share, reasons }, at);
    this.#journal.sync();
    this.#say(`${decision} ${phase} at ${this.share} %${reasons[0] ? ` — ${reasons[0]}` : ""}`);
  }

  /** The phase the advance ended at (the last one when it ran past the end). */
  get endPhase(): string {
    const r = this.#rollout;
    return r.phases[Math.min(this.current, r.phases.length - 1)]!.name;
  }

  /** The phase in progress did not finish (an error or an interruption, maybe while paused or holding). */
  interruptCurrent(): void {
    const inProgress = this.phases[this.current];
    if (inProgress && (inProgress.outcome === "not reached" || inProgress.outcome === "held"))
      inProgress.outcome = "interrupted";
  }

  result(o: {
    runId: string;
    file: string;
    profile: { name: string; scale: number };
    gamedayVersion: string;
    startedAt: number;
    load: RolloutResult["load"];
  }): RolloutResult {
    const r = this.#rollout;
    return {
      schema: ROLLOUT_RESULT_SCHEMA,
      runId: o.runId,
      rollout: r.name,
      title: r.title,
      service: r.service ?? null,
      file: o.file,
      profile: o.profile.name,
      scale: o.profile.scale,
      gamedayVersion: o.gamedayVersion,
      host: hostname(),
      startedAt: o.startedAt,
      endedAt: Date.now(),
      outcome: this.outcome,
      exitCode: EXIT_OF[this.outcome],
      startPhase: r.phases[this.startIndex]!.name,
      endPhase: this.endPhase,
      stablePhase: r.phases[this.stable]!.name,
      share: this.share,
      prerequisites: this.prerequisites,
      phases: this.phases,
      checkpoints: this.checkpoints,
      decisions: this.decisions,
      shares: this.shares,
      runbooks: this.runbooks,
      load: o.load,
      errors: this.errors,
    };
  }

  /** The state file's next start: after a rollback the stable phase (re-ramp), else where it ended. */
  nextState(runId: string): RolloutState {
    const r = this.#rollout;
    return {
      rollout: r.name,
      phase: this.outcome === "ROLLED_BACK" ? r.phases[this.stable]!.name : this.endPhase,
      stablePhase: r.phases[this.stable]!.name,
      share: this.share,
      outcome: this.outcome,
      runId,
      updatedAt: Date.now(),
    };
  }
}
