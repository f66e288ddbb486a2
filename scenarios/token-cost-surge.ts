import { defineScenario, fault, load } from "gameday";
import { chat } from "./load/chat.ts";

// Seed 004 matrix: "Token cost surge — raise $/1K tokens in sandbox pricing — routing shifts
// small→medium; unit cost stays ≤ cap — FinOps panel". Target: unit cost back within cap ≤ 15 min.
export default defineScenario({
  id: "token-cost-surge",
  title: "Token cost surge",
  owner: "Platform",
  hypothesis:
    "The sandbox price per 1K tokens of the default model quadruples; the cost router shifts traffic to a cheaper model and unit cost is back under the cap within 15 min",
  load: load.http({
    rate: 20,
    duration: "19m",
    target: "copilot",
    ...chat({ prompts: "unique" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, unitCostUsd: 0.004, sustain: "60s" },
  timeline: [
    {
      at: "1m",
      inject: fault.httpAction("pricing", {
        apply: { method: "PUT", path: "/pricing", body: { multiplier: 4 } },
        read: { path: "/pricing" },
        // Longer than the 15 min containment target: the router, not the end of the surge, must bring cost back.
        duration: "17m",
      }),
    },
  ],
  expect: {
    unitCostUsd: { max: 0.004, within: "15m" },
    checks: [
      {
        name: "routing-shifts",
        series: "copilot_model_route_changes_total",
        window: "run",
        agg: "max",
        op: ">",
        value: 0,
      },
    ],
  },
  record: {
    injection: "Raise $/1K tokens ×4 in the sandbox pricing endpoint",
    expected: "Routing shifts small→medium; unit cost stays ≤ cap",
    evidence: "FinOps panel",
    residualRisk: "the cheaper route lowers answer quality for long prompts",
    actionOwner: "Platform",
    actions: [
      { title: "Alert FinOps on sustained price changes from providers", owner: "Platform", eta: "1 week" },
    ],
  },
});
