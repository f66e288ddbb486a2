import { defineScenario, fault, load } from "gameday";
import { chat } from "./load/chat.ts";

// Seed 004 matrix: "Vector store latency spike — add 300ms to query path — depth-k reduces;
// hit rate ↑; quality stays ≥ gate — SLO/hit graphs".
export default defineScenario({
  id: "vector-latency-spike",
  title: "Vector store latency spike",
  owner: "Platform",
  hypothesis:
    "300 ms added to every vector query makes the service reduce depth-k, keeping p95 within the SLO while answer quality stays at or above its gate",
  load: load.http({
    rate: 20,
    duration: "8m",
    target: "copilot",
    ...chat({ prompts: "unique" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  timeline: [
    { at: "1m", inject: fault.latency("vector-store", { latency: 300, jitter: 30, duration: "5m" }) },
  ],
  expect: {
    // depth_k is recorded per answer by the load script (x-depth-k), so the instant is exact.
    mitigation: { series: "depth_k", op: "<", value: 8, within: "2m" },
    ttr: "15m",
    checks: [
      { name: "depth-k-reduces", series: "copilot_depth_k", window: "fault", agg: "min", op: "<", value: 8 },
      {
        name: "depth-k-restored",
        series: "copilot_depth_k",
        window: "after",
        agg: "last",
        op: ">=",
        value: 8,
      },
      {
        name: "quality-at-gate",
        series: "copilot_answer_quality",
        window: "fault",
        agg: "min",
        op: ">=",
        value: 0.8,
      },
    ],
  },
  record: {
    injection: "Add 300 ms to the vector query path (Toxiproxy latency)",
    expected: "Depth-k reduces; hit rate ↑; quality stays ≥ gate",
    evidence: "SLO/hit graphs",
    residualRisk: "quality proxy is a heuristic, not a human-graded eval",
    actionOwner: "Platform",
    actions: [
      {
        title: "Replace the quality proxy with the offline eval set score",
        owner: "Product",
        eta: "3 weeks",
      },
    ],
  },
});
