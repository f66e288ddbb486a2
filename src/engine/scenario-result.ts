// A finished scenario as result.json records it: measured from its journal entries and samples,
// judged against its targets, with its fault windows, runbook steps and charts. Pure: reads the
// journal entries and the sample store, writes nothing.
import { scenarioVerdict } from "../evaluate/evaluate.ts";
import type { Verdict } from "../evaluate/verdict.ts";
import { describeFault } from "../faults/describe.ts";
import { buildCharts } from "../measure/charts.ts";
import { type MeasureOutput, measureScenario } from "../measure/metrics.ts";
import type { SampleStore } from "../measure/samples.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { EventOf, JournalEntry } from "./journal-events.ts";
import type { ScenarioResult } from "./result.ts";

export interface JudgedScenario {
  measured: MeasureOutput;
  verdict: Verdict;
}

/** The scenario's measurements and verdict; an interrupted scenario is ERROR whatever it measured. */
export function judgeScenario(i: {
  scenario: Scenario;
  entries: readonly JournalEntry[];
  store: SampleStore;
  end: number;
  errors: readonly string[];
  interrupted: boolean;
}): JudgedScenario {
  const measured = measureScenario({
    scenario: i.scenario,
    entries: i.entries,
    store: i.store,
    runEnd: i.end,
  });
  const verdict = i.interrupted ? "ERROR" : scenarioVerdict(measured.measurements, i.errors);
  return { measured, verdict };
}

export interface FinishedScenario extends JudgedScenario {
  scenario: Scenario;
  entries: readonly JournalEntry[];
  store: SampleStore;
  /** Wall-clock start of the scenario's clock (the charts' origin) and its end. */
  start: number;
  end: number;
  isFailure: (status: number) => boolean;
  /** The stop condition that ended it early, if one did. */
  stopped: string | null;
  errors: string[];
}

export function scenarioResult(f: FinishedScenario): ScenarioResult {
  const s = f.scenario;
  const m = f.measured;
  return {
    id: s.id,
    title: s.title,
    owner: s.owner,
    hypothesis: s.hypothesis,
    verdict: f.verdict,
    // start stays the measurement's own (the scenario.start entry): TTD of a scenario without a
    // fault is counted from it, and result.times must let a reader recompute that exactly.
    times: { ...m.times, end: f.end },
    faults: faultWindows(f.entries, s.id),
    alerts: m.alerts,
    runbook: runbookSteps(f.entries, s.id),
    measurements: m.measurements,
    charts: buildCharts(f.store, f.start, f.end, f.isFailure),
    record: s.record,
    stopped: f.stopped,
    errors: f.errors,
  };
}

/** Each fault the scenario registered, with when it was applied and reverted (null: never). */
export function faultWindows(entries: readonly JournalEntry[], scenario: string): ScenarioResult["faults"] {
  return entries
    .filter((e): e is EventOf<"fault.registered"> => e.type === "fault.registered" && e.scenario === scenario)
    .map((reg) => ({
      faultId: reg.faultId,
      kind: reg.kind,
      target: reg.target,
      summary: describeFault(reg.spec),
      appliedAt: entries.find((e) => e.type === "fault.applied" && e.faultId === reg.faultId)?.t ?? null,
      revertedAt: entries.find((e) => e.type === "fault.reverted" && e.faultId === reg.faultId)?.t ?? null,
    }));
}

function runbookSteps(entries: readonly JournalEntry[], scenario: string): ScenarioResult["runbook"] {
  return entries
    .filter((e): e is EventOf<"runbook.step"> => e.type === "runbook.step" && e.scenario === scenario)
    .map(({ id, title, startedAt, endedAt, ok, detail }) => ({ id, title, startedAt, endedAt, ok, detail }));
}
