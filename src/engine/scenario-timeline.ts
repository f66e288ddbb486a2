// A scenario's timeline against its clock: each planned step at its offset (a fault injected and,
// at its planned end, reverted; a decision that executes the runbook), and the scenario's planned
// end. Steps run concurrently, each waiting for its own offset from the same origin.
import type { SampleStore } from "../measure/samples.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { FaultSpec, Scenario } from "../scenario/schema.ts";
import type { ScenarioClock } from "./clock.ts";
import type { Journal } from "./journal.ts";
import type { PlannedStep, ScenarioPlan } from "./plan.ts";
import { executeRunbook, type FiringAlerts } from "./runbook.ts";
import type { ScenarioFaults } from "./scenario-faults.ts";
import type { ScenarioPhase } from "./scenario-phase.ts";

export interface TimelineContext {
  scenario: Pick<Scenario, "id" | "runbook" | "steadyState">;
  plan: Pick<ScenarioPlan, "steps" | "plannedMs">;
  clock: ScenarioClock;
  phase: ScenarioPhase;
  faults: ScenarioFaults;
  /** What a runbook's steps act on and check against. */
  cfg: GamedayConfig;
  store: SampleStore;
  isFailure: (status: number) => boolean;
  alerts: FiringAlerts;
  journal: Journal;
  /** Aborted when the scenario ends early: pending steps reject with its reason. */
  signal: AbortSignal;
  log: (text: string) => void;
}

/** Runs every step and waits for the planned end; rejects with the first step's failure or the abort. */
export async function runTimeline(c: TimelineContext): Promise<void> {
  const steps = Promise.all(c.plan.steps.map((step) => runStep(step, c)));
  const end = c.clock.until(c.plan.plannedMs, c.signal);
  await Promise.all([steps, end]);
}

async function runStep(step: PlannedStep, c: TimelineContext): Promise<void> {
  const late = await c.clock.until(step.at, c.signal);
  if (step.kind === "inject" && step.fault) await injectStep(step, step.fault, late, c);
  else if (step.kind === "decide" && c.scenario.runbook) await decideStep(step, c.scenario.runbook, c);
}

/** Applies the fault, observes it, and reverts it at its planned end (a purge has nothing to hold). */
async function injectStep(step: PlannedStep, spec: FaultSpec, late: number, c: TimelineContext) {
  const faultId = await c.faults.apply(spec, { plannedAt: c.clock.wallAt(step.at), lateMs: late });
  c.phase.set("observe");
  if (step.until !== undefined) {
    await c.clock.until(step.until, c.signal);
    await c.faults.revert(faultId, "planned end");
    c.log(`↺ reverted ${faultId} (${spec.kind} on ${spec.target})`);
  } else if (spec.kind === "redis") {
    // A purge is an instant: nothing stays applied, so its (no-op) revert is journalled now.
    await c.faults.revert(faultId, "instant: a purge has nothing to undo");
  }
}

/** t_decision, then the runbook's steps, timed. */
async function decideStep(
  step: PlannedStep,
  runbook: NonNullable<Scenario["runbook"]>,
  c: TimelineContext,
): Promise<void> {
  const s = c.scenario;
  c.journal.write({ type: "decision", scenario: s.id, what: step.decision ?? "decision" });
  c.log(`◆ decision recorded; executing runbook (${runbook.steps.length} steps)`);
  await executeRunbook(runbook.steps, {
    scenario: s.id,
    config: c.cfg,
    store: c.store,
    steadyState: s.steadyState,
    isFailure: c.isFailure,
    alerts: c.alerts,
    journal: c.journal,
    signal: c.signal,
    log: (t) => c.log(`  ${t}`),
  });
}
