// What the store keeps of a run: plain data taken from result.json, nothing the run folder does
// not already say.
import type { Target, Unit, Verdict } from "../evaluate/verdict.ts";
import type { RunResult } from "../engine/result.ts";

export interface StoredMeasurement {
  metric: string;
  value: number | null;
  unit: Unit;
  target: { op: Target["op"]; value: number; hard: boolean } | null;
  verdict: Verdict;
  synthetic: boolean;
  note: string;
}

export interface StoredScenario {
  scenario: string;
  title: string;
  verdict: Verdict;
  startedAt: number;
  endedAt: number;
  stopped: string | null;
  measurements: StoredMeasurement[];
}

export interface StoredRun {
  runId: string;
  startedAt: number;
  endedAt: number;
  profile: string;
  scale: number;
  verdict: Verdict;
  exitCode: number;
  interrupted: boolean;
  defects: string[];
  host: string;
  gitCommit: string | null;
  gitBranch: string | null;
  gamedayVersion: string;
  runDir: string | null;
  scenarios: StoredScenario[];
}

/**
 * Runs with a defect switch on, ERROR runs and interrupted runs say nothing about the service's
 * normal behaviour: they are kept, but never baselines and never part of a noise band.
 */
export function isNormal(run: Pick<StoredRun, "defects" | "verdict" | "interrupted">): boolean {
  return run.defects.length === 0 && run.verdict !== "ERROR" && !run.interrupted;
}

export function storedRunFrom(result: RunResult, runDir: string | null): StoredRun {
  return {
    runId: result.runId,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    profile: result.profile,
    scale: result.scale,
    verdict: result.verdict,
    exitCode: result.exitCode,
    interrupted: result.interrupted,
    defects: result.defects ?? [],
    host: result.host,
    gitCommit: result.git?.commit ?? null,
    gitBranch: result.git?.branch ?? null,
    gamedayVersion: result.gamedayVersion,
    runDir,
    scenarios: result.scenarios.map((s) => {
      // A metric name appears once per scenario in the store; a repeat (two alerts named alike)
      // keeps its place with a #n suffix rather than being dropped.
      const seen = new Map<string, number>();
      return {
        scenario: s.id,
        title: s.title,
        verdict: s.verdict,
        startedAt: s.times.start,
        endedAt: s.times.end,
        stopped: s.stopped,
        measurements: s.measurements.map((m) => {
          const n = (seen.get(m.metric) ?? 0) + 1;
          seen.set(m.metric, n);
          return {
            metric: n === 1 ? m.metric : `${m.metric}#${n}`,
            value: m.value === null || Number.isFinite(m.value) ? m.value : null,
            unit: m.unit,
            target: m.target ? { op: m.target.op, value: m.target.value, hard: m.target.hard } : null,
            verdict: m.verdict,
            synthetic: m.synthetic,
            note: m.note,
          };
        }),
      };
    }),
  };
}
