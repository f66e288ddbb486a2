import { act, defineScenario, fault, load } from "gameday";

// Seed 004: rollback drill — simulated Sev-2; flip flags; cut to the previous model/retrieval;
// smoke tests; cost/latency checks. Target TTR ≤ 30 min, measured decision → healthy.
export default defineScenario({
  id: "rollback-drill",
  title: "Rollback drill (Sev-2)",
  owner: "Platform",
  hypothesis:
    "A bad v2 rollout raises p95 and errors; following runbooks/rollback.md the team declares Sev-2, flips flags, routes to v1.3.5 and is healthy again within 30 minutes of the decision",
  load: load.k6("load/chat.ts", {
    rate: 20,
    duration: "12m",
    target: "copilot",
    env: { PROMPT_SET: "unique" },
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
  runbook: {
    file: "runbooks/rollback.md",
    steps: [
      {
        id: "1-declare",
        title: "IC declares Sev-2 (status channel + paging); freeze exposure",
        actions: [act.declare("Sev-2", "bad v2 rollout: p95 and errors up")],
      },
      {
        id: "2-flags",
        title: "Feature flags: large_model=false, retrieval_v2=false; route to model v1.3.5",
        actions: [
          act.http("copilot", {
            method: "PUT",
            path: "/admin/flags",
            body: { large_model: false, retrieval_v2: false },
          }),
          act.http("copilot", { method: "PUT", path: "/admin/version", body: { version: "v1.3.5" } }),
        ],
      },
      {
        id: "3-validate",
        title: "Drain + validate health checks (200s, p95, error rate); smoke tests (top 5 flows)",
        actions: [
          act.waitHealthy("10m"),
          act.smoke("copilot", [
            {
              name: "incident-summary",
              call: {
                method: "POST",
                path: "/v1/chat",
                body: { prompt: "Summarise incident INC-1042", user: "smoke" },
              },
            },
            {
              name: "runbook-lookup",
              call: {
                method: "POST",
                path: "/v1/chat",
                body: { prompt: "Which runbook covers cache purges?", user: "smoke" },
              },
            },
            {
              name: "alert-triage",
              call: {
                method: "POST",
                path: "/v1/chat",
                body: { prompt: "Triage alert LLMProviderDown", user: "smoke" },
              },
            },
            {
              name: "cost-report",
              call: {
                method: "POST",
                path: "/v1/chat",
                body: { prompt: "What did inference cost yesterday?", user: "smoke" },
              },
            },
            { name: "health", call: { method: "GET", path: "/healthz" } },
          ]),
        ],
      },
      {
        id: "4-verify",
        title: "Verify unit cost back within cap; confirm alerts cleared",
        actions: [act.checkCost(0.004, "5m"), act.alertsCleared("10m", ["P95LatencySLOBreach"])],
      },
      {
        id: "5-update",
        title: "IC posts incident update; open RCA doc; assign owners/ETAs",
        actions: [act.note("IC update rendered to ic-update.md; RCA owner Platform")],
      },
    ],
  },
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
