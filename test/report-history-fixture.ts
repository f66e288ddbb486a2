// result-sample.json as a run judged against its history (gameday run --baseline last-pass) would
// leave it: one measurement regressed to FAIL, one to WARN, one compared and in band, one scenario
// without a baseline yet, git and a history snapshot with the reliability score.
import type { RunResult } from "../src/engine/result.ts";
import type { Comparison, Measurement } from "../src/evaluate/verdict.ts";
import type { SnapshotSeries } from "../src/history/snapshot.ts";

const DAY = 86_400_000;
export const HISTORY_COMMIT = "0123456789abcdef0123456789abcdef01234567";

function measurement(r: RunResult, scenario: string, metric: string): Measurement {
  const m = r.scenarios.find((s) => s.id === scenario)?.measurements.find((x) => x.metric === metric);
  if (!m) throw new Error(`fixture: ${scenario} has no ${metric}`);
  return m;
}

function compare(m: Measurement, c: Omit<Comparison, "delta" | "worse">): void {
  m.comparison = {
    ...c,
    delta: m.value !== null && c.baseline !== null ? m.value - c.baseline : null,
    worse: "higher",
  };
  if (c.regressed)
    m.note = [
      m.note,
      `regression: worse than the band of ${c.bandRuns} normal runs (baseline ${c.baselineRunId})`,
    ]
      .filter(Boolean)
      .join("; ");
}

/** Past runs (oldest first) of one scenario; the last value is this run's. */
function series(
  r: RunResult,
  scenario: string,
  metric: string,
  runIds: string[],
  values: Array<number | null>,
) {
  const unit = metric === "cost.peak" ? "usd" : "ms";
  const points = values.map((value, i) => {
    const current = i === values.length - 1;
    return {
      runId: current ? r.runId : runIds[i]!,
      startedAt: current ? r.startedAt : r.startedAt - (values.length - 1 - i) * DAY,
      value,
      current,
    };
  });
  return { scenario, metric, unit, points } satisfies SnapshotSeries;
}

export function withHistory(sample: RunResult): RunResult {
  const r = structuredClone(sample);
  const past = ["run-a1", "run-a2", "run-b1", "run-a4", "run-b2"];

  const outageTtd = measurement(r, "llm-provider-outage", "ttd");
  outageTtd.value = 3900;
  outageTtd.verdict = "FAIL";
  compare(outageTtd, {
    baselineRunId: "run-b1",
    baseline: 1000,
    median: 2300,
    band: [1200, 3400],
    bandRuns: 3,
    regressed: true,
  });
  compare(measurement(r, "llm-provider-outage", "mtta"), {
    baselineRunId: "run-b1",
    baseline: 5500,
    median: 6000,
    band: [3500, 8500],
    bandRuns: 5,
    regressed: false,
  });
  const cacheTtd = measurement(r, "cache-cold-start", "ttd");
  cacheTtd.verdict = "WARN";
  compare(cacheTtd, {
    baselineRunId: "run-b2",
    baseline: 800,
    median: 800,
    // The judge cuts bands of non-negative readings at zero; a result from elsewhere may not, and
    // reports show any time, cost, count or share band from 0.
    band: [-1200, 2800],
    bandRuns: 4,
    regressed: true,
  });
  r.scenarios.find((s) => s.id === "llm-provider-outage")!.verdict = "FAIL";

  r.git = { commit: HISTORY_COMMIT, branch: "main" };
  r.defects = [];
  r.baseline = {
    selector: "last-pass",
    runs: { "llm-provider-outage": "run-b1", "cache-cold-start": "run-b2", "rollback-drill": null },
    regressions: 2,
  };
  r.history = {
    store: "/srv/gameday/history.sqlite",
    profile: r.profile,
    series: [
      series(r, "llm-provider-outage", "ttd", past, [2100, 2500, 1000, 2300, 2600, 3900]),
      series(r, "llm-provider-outage", "mtta", past, [5200, 7000, 5500, 6400, 6100, 6000]),
      series(r, "llm-provider-outage", "failover.time", past, [850, 910, 870, null, 880, 900]),
      series(r, "cache-cold-start", "ttd", past, [900, 700, 1000, 650, 800, 3000]),
      series(r, "cache-cold-start", "mtta", past, [1100, 1300, 1250, 900, 1000, 1200]),
      series(r, "cache-cold-start", "ttr", past, [21000, 24000, 19000, 26000, 22000, null]),
      series(r, "rollback-drill", "ttr", [], [6000]),
      series(r, "rollback-drill", "mtta", [], [1500]),
    ],
    score: {
      asOf: r.endedAt,
      settings: { window: 30 * DAY, halfLife: 7 * DAY, staleAfter: 30 * DAY, objective: 0.9 },
      overall: 56.3,
      changeFailRate: 0.25,
      budgetBurnPct: 150,
      scenarios: [
        {
          scenario: "cache-cold-start",
          score: 40.2,
          status: "fail",
          runs: 6,
          lastRunAt: r.startedAt,
          lastVerdict: "FAIL",
          changeFailRate: 0.5,
          budgetBurnPct: 333.3,
        },
        {
          scenario: "llm-provider-outage",
          score: 84.9,
          status: "fail",
          runs: 6,
          lastRunAt: r.startedAt,
          lastVerdict: "FAIL",
          changeFailRate: 0.2,
          budgetBurnPct: 166.7,
        },
        {
          scenario: "old-scenario",
          score: 0,
          status: "stale",
          runs: 0,
          lastRunAt: null,
          lastVerdict: null,
          changeFailRate: null,
          budgetBurnPct: null,
        },
        {
          scenario: "rollback-drill",
          score: 100,
          status: "pass",
          runs: 1,
          lastRunAt: r.startedAt,
          lastVerdict: "PASS",
          changeFailRate: null,
          budgetBurnPct: 0,
        },
      ],
    },
  };
  return r;
}
