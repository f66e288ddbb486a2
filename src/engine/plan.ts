// The plan of a scenario: when each step happens, when each fault ends, how long the whole run
// lasts. `gameday run --dry-run` prints it; the engine executes it.
import { describeFault } from "../faults/describe.ts";
import { describeLoad, loadDurationMs } from "../load/http-plan.ts";
import { formatDuration } from "../scenario/duration.ts";
import type { FaultSpec, Scenario } from "../scenario/schema.ts";

export interface PlannedStep {
  index: number;
  at: number;
  /** Planned end of a fault, or undefined for instants and decisions. */
  until: number | undefined;
  kind: "inject" | "decide";
  summary: string;
  fault?: FaultSpec;
  decision?: string;
}

export interface ScenarioPlan {
  id: string;
  steps: PlannedStep[];
  /** Baseline window before the first step. */
  baselineMs: number;
  plannedMs: number;
}

/** Extra observation after the last planned event, so recovery has room to be seen. */
const TAIL_FACTOR = 1;

export function faultEnd(at: number, fault: FaultSpec): number | undefined {
  if (fault.kind === "redis") return undefined;
  return fault.duration === undefined ? undefined : at + fault.duration;
}

export function planScenario(s: Scenario): ScenarioPlan {
  const steps: PlannedStep[] = s.timeline
    .map((step, index): PlannedStep => {
      if (step.inject) {
        return {
          index,
          at: step.at,
          until: faultEnd(step.at, step.inject),
          kind: "inject",
          summary: describeFault(step.inject),
          fault: step.inject,
        };
      }
      return {
        index,
        at: step.at,
        until: undefined,
        kind: "decide",
        summary: `decision: ${step.decide} (runbook)`,
        decision: step.decide,
      };
    })
    .sort((a, b) => a.at - b.at);
  const firstAt = steps[0]?.at ?? 0;
  const lastEvent = Math.max(0, ...steps.map((p) => p.until ?? p.at));
  const runbookBudget =
    s.runbook?.steps.reduce(
      (sum, st) => sum + st.actions.reduce((a, act) => a + ("within" in act ? act.within : 0), 0),
      0,
    ) ?? 0;
  const derived = lastEvent + runbookBudget + s.steadyState.sustain * (1 + TAIL_FACTOR);
  const plannedMs = s.duration ?? (s.load ? loadDurationMs(s.load) : undefined) ?? derived;
  return { id: s.id, steps, baselineMs: s.baseline ?? firstAt, plannedMs };
}

export function formatPlan(s: Scenario, plan: ScenarioPlan): string {
  const lines = [`${s.id} — ${s.title} (owner ${s.owner}), ${formatDuration(plan.plannedMs)} planned`];
  lines.push(`  hypothesis: ${s.hypothesis}`);
  if (s.load) for (const line of describeLoad(s.load)) lines.push(`  ${line}`);
  lines.push(`  ${pad("0s")} baseline${plan.baselineMs ? ` for ${formatDuration(plan.baselineMs)}` : ""}`);
  for (const st of plan.steps) {
    lines.push(
      `  ${pad(formatDuration(st.at))} ${st.summary}${st.until !== undefined ? ` until ${formatDuration(st.until)}` : ""}`,
    );
  }
  lines.push(`  ${pad(formatDuration(plan.plannedMs))} end; every fault still active is reverted`);
  return lines.join("\n");
}

function pad(s: string): string {
  return s.padStart(7);
}
