import { join } from "node:path";
import { defineScenario, fault, load } from "gameday";
import { chat } from "./load/chat.ts";
import { readRunbook } from "./drill/runbook.ts";

const runbookFile = join(import.meta.dirname, "../runbooks/rollback.md");

// Seed 004: rollback drill — simulated Sev-2; flip flags; cut to the previous model/retrieval;
// smoke tests; cost/latency checks. Target TTR ≤ 30 min, measured decision → healthy.
export default defineScenario({
  id: "rollback-drill",
  title: "Rollback drill (Sev-2)",
  owner: "Platform",
  hypothesis:
    "A bad v2 rollout raises p95 and errors; following runbooks/rollback.md the team declares Sev-2, flips flags, routes to v1.3.5 and is healthy again within 30 minutes of the decision",
  load: load.http({
    rate: 20,
    duration: "12m",
    target: "copilot",
    ...chat({ prompts: "unique" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  timeline: [
    {
      at: "1m",
      name: "bad v2 rollout",
      inject: fault.httpAction("copilot", {
        apply: {
          method: "PUT",
          path: "/admin/release",
          body: { version: "v2", flags: { retrieval_v2: true, large_model: true }, bad_v2: true },
        },
        read: { path: "/admin/release" },
      }),
    },
    { at: "5m", decide: "rollback to v1.3.5" },
  ],
  // The steps are runbooks/rollback.md itself, read by scenarios/drill/runbook.ts: the page is what
  // on-call follows and what this drill executes, so the two cannot drift apart.
  runbook: { file: "runbooks/rollback.md", steps: readRunbook(runbookFile) },
  expect: {
    // The p95 alert evaluates a 10 s window (ci), so it needs longer than a provider-error alert.
    alert: { name: "P95LatencySLOBreach", ttd: "3m", mtta: "5m" },
    ttr: "30m",
  },
  record: {
    injection: "Simulated Sev-2: bad v2 (retrieval_v2 re-rank path) raises p95 and errors",
    expected: "Flags flipped, routed to v1.3.5, smoke tests green, cost within cap; TTR ≤ 30 min",
    evidence: "rollback.md with step timestamps",
    residualRisk: "drill runs against the reference stack, not production traffic",
    actionOwner: "Platform",
    actions: [{ title: "Automate steps 2–3 as one rollback command", owner: "Platform", eta: "2 weeks" }],
  },
});
