// Verdicts and measurements: the plain data that flows from measure → evaluate → report.

export type Verdict = "PASS" | "WARN" | "FAIL" | "ERROR";

export type Unit = "ms" | "ratio" | "usd" | "pct" | "count" | "value";

export interface Target {
  op: "<" | "<=" | ">" | ">=" | "==";
  value: number;
  /** A hard target missed is FAIL; a soft one is WARN. */
  hard: boolean;
  /** Measured values missing the target by at most this much (in the metric's unit) are WARN, not FAIL. */
  warnMargin: number;
}

export interface Measurement {
  scenario: string;
  /** e.g. "ttd", "mtta", "ttr", "failover.time", "failover.success", "cost.containment", "check:depth-k". */
  metric: string;
  /** null when the thing never happened (never detected, never recovered). */
  value: number | null;
  unit: Unit;
  target: Target | null;
  verdict: Verdict;
  /** Human-readable explanation: "not recovered after 312 s observed", "ack by auto-responder (synthetic)". */
  note: string;
  /** Pointers into the run folder: "journal.jsonl#L42", "samples:provider_responses", "probe:depth_k". */
  evidence: string[];
  /** True when a synthetic actor (auto-ack) contributed to the value. */
  synthetic: boolean;
  /** Set when the run was compared with a baseline (--baseline) and the metric is compared. */
  comparison?: Comparison;
}

/** A measurement against its baseline and the noise band of recent normal runs. */
export interface Comparison {
  baselineRunId: string;
  /** The baseline run's value of this metric; null when it never happened there. */
  baseline: number | null;
  /** value − baseline, when both exist. */
  delta: number | null;
  median: number;
  band: [number, number];
  /** Normal runs whose values made the band. */
  bandRuns: number;
  worse: "higher" | "lower" | "either";
  regressed: boolean;
}

const RANK: Record<Verdict, number> = { PASS: 0, WARN: 1, FAIL: 2, ERROR: 3 };

/** The worst verdict wins; ERROR outranks FAIL because a broken run proves nothing either way. */
export function worst(verdicts: Iterable<Verdict>): Verdict {
  let out: Verdict = "PASS";
  for (const v of verdicts) if (RANK[v] > RANK[out]) out = v;
  return out;
}
