// result.json: the canonical outcome of a run. Reports, JUnit, signing and the PRR read only this
// (plus the journal for evidence links).
import type { Measurement, Verdict } from "../evaluate/verdict.ts";
import type { HistorySnapshot } from "../history/snapshot.ts";
import type { FaultKind, ScenarioRecord } from "../scenario/schema.ts";

export const RESULT_SCHEMA = "gameday/result/v1";

/** [wall-clock ms, value] pairs, one per second, for charts. */
export type Points = Array<[number, number]>;

export interface ScenarioTimes {
  start: number;
  end: number;
  inject: number | null;
  detect: number | null;
  ack: number | null;
  decision: number | null;
  mitigate: number | null;
  recover: number | null;
}

export interface FaultWindow {
  faultId: string;
  kind: FaultKind;
  target: string;
  summary: string;
  appliedAt: number | null;
  revertedAt: number | null;
}

/** One firing episode of an alert (firing → resolved); an alert that fires again gets another record. */
export interface AlertRecord {
  name: string;
  fingerprint: string;
  /** 1 for the first episode of this fingerprint in the scenario, 2 for the next, … */
  episode: number;
  receiver: string;
  startsAt: number | null;
  receivedAt: number;
  resolvedAt: number | null;
  ackAt: number | null;
  ackBy: string | null;
  synthetic: boolean;
}

export interface RunbookStepRecord {
  id: string;
  title: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  detail: string;
}

export interface ScenarioCharts {
  p95Ms: Points;
  errorRate: Points;
  /** provider name → requests per second. */
  providerMix: Record<string, Points>;
  unitCostUsd: Points;
  queueDepth: Points;
}

export interface ScenarioResult {
  id: string;
  title: string;
  owner: string;
  hypothesis: string;
  verdict: Verdict;
  times: ScenarioTimes;
  faults: FaultWindow[];
  alerts: AlertRecord[];
  runbook: RunbookStepRecord[];
  measurements: Measurement[];
  charts: ScenarioCharts;
  record: ScenarioRecord;
  /** Why the run stopped early, if a stop condition fired. */
  stopped: string | null;
  errors: string[];
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  runId: string;
  gamedayVersion: string;
  host: string;
  profile: string;
  scale: number;
  startedAt: number;
  endedAt: number;
  verdict: Verdict;
  exitCode: number;
  interrupted: boolean;
  /** Reference-stack defect switches on for the run. Absent in results written before history. */
  defects?: string[];
  /** The checkout the run was started in; null outside git. */
  git?: { commit: string | null; branch: string | null } | null;
  /** What the run was compared with (--baseline), per scenario. */
  baseline?: RunBaseline | null;
  /** Recent runs from the history store and the reliability score, for the reports' history section. */
  history?: HistorySnapshot | null;
  scenarios: ScenarioResult[];
}

export interface RunBaseline {
  /** As given: last-pass, branch:<name> or a run id. */
  selector: string;
  /** Scenario id → the baseline run compared with, or null when the store had none yet. */
  runs: Record<string, string | null>;
  regressions: number;
}
