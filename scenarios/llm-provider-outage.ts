import { defineScenario, fault, load } from "gameday";
import { chat } from "./load/chat.ts";

// Seed 004 matrix: "LLM provider outage — 502/timeout on primary for 10 min — auto-failover to
// secondary; cost within cap; alert — logs + dashboard".
export default defineScenario({
  id: "llm-provider-outage",
  title: "LLM provider outage",
  owner: "SRE",
  hypothesis:
    "Primary LLM answers 502 for 10 min; traffic fails over to the secondary, cost stays under cap, on-call is paged",
  load: load.http({
    rate: 20,
    duration: "14m",
    target: "copilot",
    ...chat({ prompts: "unique" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  timeline: [{ at: "2m", inject: fault.httpStatus("llm-primary", { status: 502, duration: "10m" }) }],
  expect: {
    alert: { name: "LLMProviderDown", ttd: "2m", mtta: "5m" },
    failover: { to: "secondary", within: "30s", success: 1.0 },
    ttr: "30m",
    unitCostUsd: { max: 0.004 },
  },
  stopIf: { errorRate: { above: 0.2, for: "1m" } },
  record: {
    injection: "502 on the primary LLM for 10 min (HTTP fault proxy)",
    expected: "Auto-failover to secondary; cost within cap; alert",
    evidence: "Logs + dashboard",
    residualRisk: "secondary has lower quota",
    actionOwner: "Platform",
    actions: [
      {
        title: "Raise the secondary provider's quota to cover 100% of peak",
        owner: "Platform",
        eta: "2 weeks",
      },
    ],
  },
});
