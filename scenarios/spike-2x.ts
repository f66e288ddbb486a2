import { defineScenario, load } from "gameday";
import { chat } from "./load/chat.ts";

// Seed 004 load activity: "Spike to 2× forecast"; SLO gates from seed 000: p95 ≤ 1200 ms,
// error ≤ 1.0 %, cache hit ≥ 55 %.
export default defineScenario({
  id: "spike-2x",
  title: "Spike to 2× forecast",
  owner: "SRE",
  hypothesis:
    "Load ramps from the forecast (15 rps) to 2× (30 rps) and holds; the SLO gates stay green: p95 ≤ 1200 ms, error ≤ 1 %, cache hit ≥ 55 %",
  load: load.http({
    rate: 15,
    stages: [
      { duration: "1m", target: 15 },
      { duration: "1m", target: 30 },
      { duration: "3m", target: 30 },
      { duration: "1m", target: 15 },
    ],
    target: "copilot",
    ...chat({ prompts: "repeat" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  expect: {
    checks: [
      { name: "gate-p95", series: "http_req_duration", window: "run", agg: "p95", op: "<=", value: 1200 },
      { name: "gate-error-rate", series: "error_rate", window: "run", agg: "mean", op: "<=", value: 0.01 },
      // The share of this load's answers that were cache hits (x-cache, per request). The service's
      // copilot_cache_hit_ratio gauge covers the last 10 s of lookups: in a 12 s ci run that is
      // mostly the previous scenario's traffic.
      { name: "gate-cache-hit", series: "cache_hit", window: "run", agg: "mean", op: ">=", value: 0.55 },
    ],
    errorBudget: { slo: 0.99, maxBurnPct: 25 },
  },
  record: {
    injection: "Ramping arrival rate (built-in engine) to 2× forecast",
    expected: "SLO gates green: p95 ≤ 1200 ms, error ≤ 1 %, cache hit ≥ 55 %",
    evidence: "SLO dashboard",
    residualRisk: "2× is the tested ceiling; 3× is untested",
    actionOwner: "SRE",
    actions: [
      { title: "Run a 3× soak before the next exposure step", owner: "SRE", eta: "before 50% exposure" },
    ],
  },
});
