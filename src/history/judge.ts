// Judging a finished run against its history, before its reports are written: each compared
// measurement gets its baseline, delta and band; one worse than the band regresses and its
// verdict becomes WARN or FAIL (regression.fail), which the scenario's and the run's verdicts and
// the exit code then follow.
import type { RunResult, ScenarioResult } from "../engine/result.ts";
import { exitCodeFor } from "../evaluate/evaluate.ts";
import { type Comparison, type Measurement, worst } from "../evaluate/verdict.ts";
import { type BaselineSelector, baselineFor, describeBaseline } from "./baseline.ts";
import {
  compared,
  minDeltaFor,
  noiseBand,
  type RegressionSettings,
  regressed,
  worseDirection,
} from "./regression.ts";
import type { RunStore } from "./run-store.ts";
import type { ScoreSettings } from "./score.ts";
import { takeSnapshot } from "./snapshot.ts";

export interface JudgeOptions {
  store: RunStore;
  baseline: BaselineSelector | null;
  regression: RegressionSettings;
  score: ScoreSettings;
  strict: boolean;
}

export async function judgeRun(result: RunResult, o: JudgeOptions): Promise<RunResult> {
  let scenarios = result.scenarios;
  let baseline: RunResult["baseline"] = null;
  if (o.baseline) {
    const runs: Record<string, string | null> = {};
    let regressions = 0;
    const baselineRuns = new Map<string, Awaited<ReturnType<RunStore["getRun"]>>>();
    scenarios = [];
    for (const s of result.scenarios) {
      const base = await baselineFor(o.store, o.baseline, {
        scenario: s.id,
        profile: result.profile,
        before: result.startedAt,
      });
      runs[s.id] = base?.runId ?? null;
      if (!base) {
        scenarios.push(s);
        continue;
      }
      if (!baselineRuns.has(base.runId)) baselineRuns.set(base.runId, await o.store.getRun(base.runId));
      const baseScenario = baselineRuns.get(base.runId)?.scenarios.find((x) => x.scenario === s.id);
      const window = await o.store.normalWindow({
        scenario: s.id,
        profile: result.profile,
        until: base.startedAt,
        size: o.regression.window,
        branch: o.baseline.kind === "branch" ? o.baseline.branch : undefined,
      });
      const judged = judgeScenario(
        s,
        base.runId,
        baseScenario?.measurements ?? [],
        window.values,
        o.regression,
      );
      regressions += judged.regressions;
      scenarios.push(judged.scenario);
    }
    baseline = { selector: describeBaseline(o.baseline), runs, regressions };
  }
  const errored = result.verdict === "ERROR";
  const verdict = errored ? "ERROR" : worst([result.verdict, ...scenarios.map((s) => s.verdict)]);
  const judged: RunResult = {
    ...result,
    scenarios,
    verdict,
    exitCode: result.interrupted ? result.exitCode : exitCodeFor(verdict, { strict: o.strict }),
    baseline,
  };
  return { ...judged, history: await takeSnapshot(o.store, judged, o.score) };
}

function judgeScenario(
  s: ScenarioResult,
  baselineRunId: string,
  baseMeasurements: ReadonlyArray<{ metric: string; value: number | null }>,
  window: Map<string, number[]>,
  settings: RegressionSettings,
): { scenario: ScenarioResult; regressions: number } {
  let regressions = 0;
  const measurements = s.measurements.map((m): Measurement => {
    if (!compared(m.metric, settings.metrics)) return m;
    const worse = worseDirection(m);
    const base = baseMeasurements.find((b) => b.metric === m.metric);
    if (!worse || !base) return m;
    const values = window.get(m.metric) ?? (base.value === null ? [] : [base.value]);
    const band = noiseBand(values, settings.k, minDeltaFor(m.metric, m.unit, settings.minDelta));
    if (!band) return m;
    const comparison: Comparison = {
      baselineRunId,
      baseline: base.value,
      delta: m.value !== null && base.value !== null ? m.value - base.value : null,
      median: band.median,
      band: [band.lo, band.hi],
      bandRuns: band.runs,
      worse,
      regressed: regressed(m.value, band, worse),
    };
    if (!comparison.regressed) return { ...m, comparison };
    regressions += 1;
    const verdict = worst([m.verdict, settings.fail ? "FAIL" : "WARN"]);
    return {
      ...m,
      comparison,
      verdict,
      note: [
        m.note,
        `regression: ${m.value === null ? "never happened, unlike in" : "worse than"} the band of ${band.runs} normal run${band.runs === 1 ? "" : "s"} (baseline ${baselineRunId})`,
      ]
        .filter(Boolean)
        .join("; "),
    };
  });
  const verdict = worst([s.verdict, ...measurements.map((m) => m.verdict)]);
  return { scenario: { ...s, measurements, verdict }, regressions };
}
