// Driving a rollout through its phases against the running service, on an advance's record: set
// the share (written to the flag service, read back, journalled), check a phase (one evaluation,
// one checkpoint record), run a pause or rollback runbook, hold a pause until it clears, run one
// phase (ramp, then its checkpoints up to the gate), and act on how a phase ended (promote, hold,
// or roll back to the stable phase's share at once and run the rollback runbook).
import { delay } from "../engine/clock.ts";
import { failureClassifier } from "../engine/failures.ts";
import type { Journal } from "../engine/journal.ts";
import { executeRunbook } from "../engine/runbook.ts";
import type { SampleStore } from "../measure/samples.ts";
import type { AlertBook } from "../observe/alert-book.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { formatDuration } from "../scenario/duration.ts";
import type { RunbookStep } from "../scenario/schema.ts";
import type { Evaluation } from "./decision.ts";
import { evaluatePhase, TriggerMemory } from "./evaluate.ts";
import type { CheckpointRecord, RunbookRecord } from "./result.ts";
import type { RolloutRecord } from "./rollout-record.ts";
import { rampSteps, rollbackPhase } from "./rules.ts";
import type { Rollout } from "./schema.ts";
import {
  formatRolloutDuration,
  phaseCheckpoints,
  rampHoldMs,
  type RolloutProfile,
  scaled,
} from "./schedule.ts";
import { writeShare } from "./traffic.ts";

/** How a phase ended. */
export type PhaseEnd =
  | { kind: "promoted" }
  | { kind: "rollback"; to: "previous" | "first"; reasons: string[] }
  | { kind: "held"; reasons: string[] };

/** One checkpoint to take: its label and kind for the record, and how it is judged. */
export interface CheckSpec {
  label: string;
  kind: CheckpointRecord["kind"];
  plannedAtMs: number | null;
  /** The phase's last checkpoint: a HOLD then holds the gate (before it, the phase goes on). */
  final: boolean;
  /** Gate criteria are judged (not only the triggers). */
  gate: boolean;
  /** Why the phase is not complete yet (for a checkpoint before the last). */
  reason?: string;
}

export interface RolloutPhasesContext {
  /** The rollout with its profile applied. */
  rollout: Rollout;
  profile: RolloutProfile;
  /** The environment's resolved config (the flag service, Prometheus, probes). */
  cfg: GamedayConfig;
  record: RolloutRecord;
  journal: Journal;
  /** The rollout's own load's samples (runbook checks read them). */
  store: SampleStore;
  book: AlertBook;
  signal: AbortSignal;
  say: (text: string) => void;
}

export class RolloutPhases {
  readonly #c: RolloutPhasesContext;
  readonly #memory = new TriggerMemory();
  /** A paused phase, and a gate that holds, are checked again at the schedule's first interval. */
  readonly #recheckMs: number;

  constructor(context: RolloutPhasesContext) {
    this.#c = context;
    this.#recheckMs = scaled(context.rollout.checkpoints.after[0] ?? 900_000, context.profile);
  }

  /** Writes the share to the flag service (with the phase's flag), reads it back and journals it. */
  async setShare(to: number, phaseIndex: number, why: "start" | "ramp" | "rollback"): Promise<void> {
    const { rollout: r, record, journal } = this.#c;
    const phase = r.phases[phaseIndex]!;
    const from = record.share;
    const readback = await writeShare(this.#c.cfg, r, to, phase.flag, this.#c.signal);
    record.share = to;
    const t = Date.now();
    record.shares.push({ t, share: to, why });
    journal.write({ type: "rollout.share", phase: phase.name, from, to, why, readback }, t);
    journal.sync();
    this.#c.say(`${phase.name} share ${from} % → ${to} % (${why})`);
  }

  /** Evaluates phase `i` once; the checkpoint is recorded, journalled and printed. */
  async check(i: number, c: CheckSpec): Promise<Evaluation> {
    const { rollout: r, record, say } = this.#c;
    const phase = r.phases[i]!;
    const out = await evaluatePhase({
      rollout: r,
      phaseIndex: i,
      ctx: { config: this.#c.cfg, profile: this.#c.profile, signal: this.#c.signal },
      memory: this.#memory,
      gate: c.gate,
      phaseComplete: c.final
        ? { done: true, reason: "" }
        : { done: false, reason: c.reason ?? `${phase.name} continues` },
    });
    record.lastUnreachable = out.unreachable;
    for (const u of out.unreachable) say(`unreachable: ${u}`);
    const e = out.evaluation;
    const share = record.share;
    record.checkpoints.push({
      phase: phase.name,
      label: c.label,
      kind: c.kind,
      share,
      plannedAtMs: c.plannedAtMs,
      at: out.at,
      decision: e.decision,
      reasons: e.reasons,
      criteria: e.criteria,
    });
    this.#c.journal.write(
      {
        type: "rollout.checkpoint",
        phase: phase.name,
        label: c.label,
        final: c.final,
        share,
        decision: e.decision,
        reasons: e.reasons,
        criteria: e.criteria,
      },
      out.at,
    );
    const notGreen = e.criteria
      .filter((x) => x.status !== "pass" && x.status !== "clear")
      .map((x) => `${x.name} ${x.status}`);
    const failing = notGreen.length;
    say(
      // Before the gate, HOLD only means the phase goes on; say so unless something is off.
      `${phase.name} ${share} % checkpoint ${c.label}: ${!c.final && e.decision === "HOLD" ? (failing ? "continue, watch" : "continue") : e.decision}${failing ? ` (${failing} not green: ${notGreen.join(", ")})` : ""}${e.decision === "HOLD" && c.final ? ` — ${e.reasons[0]}` : ""}`,
    );
    return e;
  }

  /** Executes a pause or rollback runbook, recording its steps; a failed step is an advance error. */
  async runRunbook(kind: "pause" | "rollback", steps: RunbookStep[]): Promise<void> {
    if (!steps.length) return;
    const { rollout: r, record, journal } = this.#c;
    const at = Date.now();
    const stepsOut: RunbookRecord["steps"] = [];
    const unsubscribe = journal.onEvent((e) => {
      if (e.type === "runbook.step")
        stepsOut.push({
          id: e.id,
          title: e.title,
          ok: e.ok,
          detail: e.detail,
          startedAt: e.startedAt,
          endedAt: e.endedAt,
        });
    });
    let ok = false;
    try {
      ok = await executeRunbook(steps, {
        scenario: r.name,
        config: this.#c.cfg,
        store: this.#c.store,
        steadyState: r.steadyState,
        isFailure: failureClassifier(r.load?.failOn ?? ["5xx", "429", "network"]),
        alerts: this.#c.book,
        journal,
        signal: this.#c.signal,
        log: this.#c.say,
      });
    } finally {
      unsubscribe();
    }
    record.runbooks.push({ kind, at, ok, steps: stepsOut });
    if (!ok) record.errors.push(`${kind} runbook: a step failed (see ${journal.path})`);
  }

  /** Rechecks every recheck interval while paused; resolves with how long, or a rollback. */
  async pauseUntilClear(i: number, reasons: string[]): Promise<{ pausedMs: number } | PhaseEnd> {
    const { rollout: r, record, profile } = this.#c;
    const phase = r.phases[i]!;
    record.decide(phase.name, "PAUSE", reasons);
    record.phases[i]!.outcome = "held";
    await this.runRunbook("pause", r.runbooks.pause);
    const started = Date.now();
    const limit = scaled(r.pauseLimit, profile);
    for (;;) {
      await delay(this.#recheckMs, this.#c.signal);
      const pausedMs = Date.now() - started;
      const e = await this.check(i, {
        label: `paused ${formatDuration(pausedMs)}`,
        kind: "pause",
        plannedAtMs: null,
        final: false,
        gate: false,
        reason: "paused",
      });
      if (e.decision === "ROLLBACK")
        return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
      if (e.decision !== "PAUSE") {
        record.decide(phase.name, "RESUME", [`pause triggers clear after ${formatDuration(pausedMs)}`]);
        return { pausedMs };
      }
      if (pausedMs >= limit)
        return {
          kind: "rollback",
          to: "previous",
          reasons: [
            `paused ${formatDuration(pausedMs)}, past pauseLimit ${formatRolloutDuration(r.pauseLimit)} (scaled ${formatDuration(limit)}): ${e.reasons[0] ?? ""}`,
          ],
        };
    }
  }

  /** Phase `i`: ramp to its share in held, checked steps, then its checkpoints up to the gate. */
  async runPhase(i: number): Promise<PhaseEnd> {
    const ramped = await this.#ramp(i);
    if (ramped) return ramped;
    return this.#checkpoints(i);
  }

  /** Ramps to phase `i`'s share; resolves with how the phase ended if it ended while ramping. */
  async #ramp(i: number): Promise<PhaseEnd | undefined> {
    const { rollout: r, record, profile } = this.#c;
    const phase = r.phases[i]!;
    const hold = rampHoldMs(r, profile);
    const steps = rampSteps(record.share, phase.traffic, r.ramp);
    for (const step of steps) {
      const share = record.share;
      // The run's first write lines the service up with the phase it resumes; later cuts are rollbacks.
      await this.setShare(
        step,
        i,
        record.shares.length === 1 && step < share ? "start" : step < share ? "rollback" : "ramp",
      );
      if (step === phase.traffic) break;
      await delay(hold, this.#c.signal);
      const e = await this.check(i, {
        label: `ramp ${step} %`,
        kind: "ramp",
        plannedAtMs: hold,
        final: false,
        gate: false,
        reason: `ramping to ${phase.traffic} %`,
      });
      if (e.decision === "ROLLBACK")
        return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
      if (e.decision === "PAUSE") {
        const p = await this.pauseUntilClear(i, e.reasons);
        if ("kind" in p) return p;
      }
    }
    return undefined;
  }

  /** Phase `i` at its share: each checkpoint at its offset, the last one the gate. */
  async #checkpoints(i: number): Promise<PhaseEnd> {
    const { rollout: r, record, profile } = this.#c;
    const phase = r.phases[i]!;
    record.phases[i]!.startedAt = Date.now();
    let phaseStart = Date.now();
    for (const cp of phaseCheckpoints(phase, r, profile)) {
      const wait = phaseStart + cp.atMs - Date.now();
      if (wait > 0) await delay(wait, this.#c.signal);
      let holdStarted: number | undefined;
      for (;;) {
        const e = await this.check(i, {
          label: holdStarted === undefined ? cp.label : `${cp.label} recheck`,
          kind: cp.final ? "gate" : "checkpoint",
          plannedAtMs: cp.atMs,
          final: cp.final,
          gate: true,
          reason: `${phase.name} continues: ${cp.label} of ${formatRolloutDuration(phase.minDuration)}`,
        });
        if (e.decision === "ROLLBACK")
          return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
        if (e.decision === "PAUSE") {
          const p = await this.pauseUntilClear(i, e.reasons);
          if ("kind" in p) return p;
          // The phase's clock stops while paused; the checkpoint is taken again.
          phaseStart += p.pausedMs;
          continue;
        }
        if (!cp.final || e.decision === "PROMOTE") break;
        // The gate holds: re-checked until it passes, a trigger fires, or holdLimit runs out.
        if (holdStarted === undefined) {
          holdStarted = Date.now();
          record.decide(phase.name, "HOLD", e.reasons);
        }
        if (Date.now() - holdStarted >= scaled(r.holdLimit, profile))
          return { kind: "held", reasons: e.reasons };
        await delay(this.#recheckMs, this.#c.signal);
      }
    }
    return { kind: "promoted" };
  }

  /**
   * Runs the phases from the record's current one until the rollout completes, holds at a gate
   * past holdLimit, or rolls back; the record's outcome says which.
   */
  async runAll(): Promise<void> {
    const { rollout: r, record } = this.#c;
    for (; record.current < r.phases.length; record.current++) {
      const phase = r.phases[record.current]!;
      this.#c.say(
        `▶ ${phase.name} ${phase.title}: ${phase.traffic} % (${phase.audience}), at least ${formatRolloutDuration(phase.minDuration)}`,
      );
      const end = await this.runPhase(record.current);
      record.phases[record.current]!.endedAt = Date.now();
      if (!(await this.#conclude(end))) break;
    }
  }

  /** Acts on how the current phase ended; returns whether the rollout goes on to the next phase. */
  async #conclude(end: PhaseEnd): Promise<boolean> {
    const { rollout: r, record } = this.#c;
    const current = record.current;
    const phase = r.phases[current]!;
    if (end.kind === "promoted") {
      record.stable = current;
      const last = current === r.phases.length - 1;
      record.phases[current]!.outcome = last ? "complete" : "promoted";
      record.decide(
        phase.name,
        last ? "COMPLETE" : "PROMOTE",
        last
          ? [`${phase.name} gate passed: rollout complete`]
          : [`${phase.name} gate passed: on to ${r.phases[current + 1]!.name}`],
      );
      if (last) record.outcome = "COMPLETE";
      return !last;
    }
    if (end.kind === "held") {
      record.phases[current]!.outcome = "held";
      const unreachable = record.lastUnreachable;
      record.outcome = unreachable.length ? "ERROR" : "HELD";
      if (unreachable.length) record.errors.push(...unreachable.map((u) => `unreachable: ${u}`));
      record.decide(phase.name, "HOLD", [
        `gate still failing after holdLimit ${formatRolloutDuration(r.holdLimit)}`,
        ...end.reasons,
      ]);
      return false;
    }
    // Rollback: the previous stable phase's share at once (ramp-down is immediate), then the runbook.
    const target = rollbackPhase(current, end.to);
    record.phases[current]!.outcome = "rolled back";
    record.decide(phase.name, "ROLLBACK", [
      `to ${r.phases[target]!.name} (${r.phases[target]!.traffic} %)`,
      ...end.reasons,
    ]);
    await this.setShare(r.phases[target]!.traffic, target, "rollback");
    await this.runRunbook("rollback", r.runbooks.rollback);
    record.stable = target;
    record.current = target;
    record.outcome = "ROLLED_BACK";
    return false;
  }
}
