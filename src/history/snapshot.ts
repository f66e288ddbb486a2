// What a run's reports show of the history: each key metric over the last runs of the same
// scenario and profile, this run included, and the reliability score. Taken when the run ends and
// kept in result.json, so a report rendered again later shows the same history.
import type { RunResult } from "../engine/result.ts";
import type { Unit } from "../evaluate/verdict.ts";
import type { RunStore } from "./run-store.ts";
import { type ReliabilityScore, reliabilityScore, type ScoreSettings } from "./score.ts";
import { isNormal } from "./stored-run.ts";

/** TTD, MTTA, TTR, failover time and unit cost: the numbers a history chart is drawn for. */
export const KEY_METRICS: readonly string[] = ["ttd", "mtta", "ttr", "failover.time", "cost.peak"];
export const SNAPSHOT_POINTS = 30;

export interface SnapshotPoint {
  runId: string;
  startedAt: number;
  value: number | null;
  /** This run's own point. */
  current: boolean;
}

export interface SnapshotSeries {
  scenario: string;
  metric: string;
  unit: Unit;
  points: SnapshotPoint[];
}

export interface HistorySnapshot {
  store: string;
  profile: string;
  series: SnapshotSeries[];
  score: ReliabilityScore;
}

export async function takeSnapshot(
  store: RunStore,
  result: RunResult,
  score: ScoreSettings,
): Promise<HistorySnapshot> {
  const since = result.startedAt - score.window;
  const normal = isNormal({
    defects: result.defects ?? [],
    verdict: result.verdict,
    interrupted: result.interrupted,
  });
  const series: SnapshotSeries[] = [];
  // One read for the whole profile: on a large store, cheaper than one per scenario.
  const all = result.scenarios.length
    ? await store.series({ since, profile: result.profile, last: SNAPSHOT_POINTS - 1 })
    : [];
  for (const s of result.scenarios) {
    const stored = all.filter((x) => x.scenario === s.id);
    for (const metric of KEY_METRICS) {
      const mine = s.measurements.find((m) => m.metric === metric);
      const past = stored.find((x) => x.metric === metric);
      if (!mine && !past) continue;
      const points: SnapshotPoint[] = (past?.points ?? [])
        .filter((p) => p.runId !== result.runId)
        .map((p) => ({ runId: p.runId, startedAt: p.startedAt, value: p.value, current: false }));
      if (mine)
        points.push({ runId: result.runId, startedAt: result.startedAt, value: mine.value, current: true });
      series.push({ scenario: s.id, metric, unit: mine?.unit ?? past!.unit, points });
    }
  }
  // This run is recorded only after its folder is complete, so it is not in the store yet.
  const outcomes = (await store.outcomes({ since, profile: result.profile })).filter(
    (o) => o.runId !== result.runId,
  );
  for (const s of result.scenarios)
    outcomes.push({
      scenario: s.id,
      runId: result.runId,
      startedAt: result.startedAt,
      verdict: s.verdict,
      normal,
    });
  return {
    store: store.location,
    profile: result.profile,
    series,
    score: reliabilityScore(
      outcomes,
      result.endedAt,
      score,
      result.scenarios.map((s) => s.id),
    ),
  };
}
