// The launch plan of the Ops Copilot's new retrieval path (re-rank, flag `retrieval_v2_share`) as
// seed 001 writes it: P0 internal → P1 canary → P2 10 % → P3 50 % → P4 GA, each phase's gate from
// §4.1, pause triggers from §5.1, rollback triggers from §5.2, ramp rules from §3.2, and seed 000's
// prerequisites. `gameday rollout plan rollouts/retrieval-v2.ts` prints it; `advance --profile ci`
// runs it against the reference stack in about two minutes (a day of rollout is 3 s).
//
// The seed's thresholds are for a batch ingestion pipeline (p99 in minutes, staging backlogs in
// rows); the copilot answers chat requests, so latency and backlog are in its own units (p99 in
// seconds, requests waiting in the embeddings backoff queue). The shape of the gates is the seed's.
import { act, defineRollout, gate, load, trigger } from "gameday";
import { chat } from "../scenarios/load/chat.ts";

/** Share of answered chat requests that failed (5xx), over the window. No traffic: no value, so no promotion. */
const ERROR_RATE = "sum(rate(copilot_errors_total[$window])) / sum(rate(copilot_requests_total[$window]))";
const P99_SECONDS = "histogram_quantile(0.99, sum by (le) (rate(copilot_request_duration_seconds_bucket[$window])))";
/** Failed share of the requests that took the new path. */
const V2_ERROR_RATE =
  'sum(rate(copilot_retrieval_requests_total{path="v2",outcome="error"}[$window])) / sum(rate(copilot_retrieval_requests_total{path="v2"}[$window]))';
const BREAKER_OPEN = 'max_over_time(copilot_breaker_open{provider="primary"}[$window])';
const BACKLOG = "max_over_time(copilot_embedding_queue_depth[$window])";

/** Seed 001 §4.1 by phase group: P0–P1, P2–P3, GA. */
function gates(group: "early" | "beta" | "ga") {
  const errorRate = { early: 0.05, beta: 0.02, ga: 0.01 }[group];
  const p99 = { early: 3, beta: 2, ga: 2 }[group];
  const backlog = { early: 10, beta: 50, ga: 100 }[group];
  return [
    gate.promql("error_rate", ERROR_RATE, { title: "Error rate", below: errorRate, window: "1h", unit: "ratio" }),
    gate.promql("p99_latency_s", P99_SECONDS, { title: "p99 latency", below: p99, window: "1h", unit: "s" }),
    gate.promql("breaker_open", BREAKER_OPEN, {
      title: "Circuit breaker events",
      atMost: 0,
      window: group === "ga" ? "24h" : "1h",
      unit: "count",
    }),
    gate.promql("embedding_backlog", BACKLOG, { title: "Embeddings backlog", below: backlog, window: "1h", unit: "count" }),
  ];
}

export default defineRollout({
  name: "retrieval-v2",
  title: "Retrieval v2 (re-rank) for the Ops Copilot",
  service: "Ops Copilot API (v2)",
  flag: { service: "flags", path: "/flags", field: "retrieval_v2_share" },
  prerequisites: {
    prr: { file: "fixtures/prr/ops-copilot.prr.ts", minGreen: 90 },
    gamedays: { scenarios: ["rollback-drill", "llm-provider-outage"], reports: "reports", withinDays: 30 },
  },
  phases: [
    {
      name: "P0",
      title: "Internal testing",
      audience: "Engineering team only (synthetic load)",
      traffic: 0,
      minDuration: "3d",
      gate: gates("early"),
    },
    { name: "P1", title: "Canary", audience: "1–2 trusted clients", traffic: 1, minDuration: "5d", gate: gates("early") },
    {
      name: "P2",
      title: "Limited beta",
      audience: "10 % of workspaces",
      traffic: 10,
      minDuration: "7d",
      gate: [
        ...gates("beta"),
        gate.promql("v2_error_rate", V2_ERROR_RATE, { title: "New path error rate", below: 0.02, window: "1h", unit: "ratio" }),
      ],
    },
    {
      name: "P3",
      title: "Expanded beta",
      audience: "50 % of workspaces",
      traffic: 50,
      minDuration: "7d",
      gate: [
        ...gates("beta"),
        gate.promql("v2_error_rate", V2_ERROR_RATE, { title: "New path error rate", below: 0.015, window: "1h", unit: "ratio" }),
      ],
    },
    {
      name: "P4",
      title: "General availability",
      audience: "100 % of workspaces",
      traffic: 100,
      // GA is declared after 7 consecutive days at 100 % with the GA thresholds (seed 001 §2.5).
      minDuration: "7d",
      gate: gates("ga"),
    },
  ],
  // Seed 003: intensive checkpoints after every change of share, then a daily review.
  checkpoints: { after: ["15m", "30m", "1h", "2h", "4h", "8h", "24h", "36h"], every: "24h" },
  ramp: { maxFactor: 2, initial: 1, hold: "15m" },
  pause: [
    trigger.promql("error_rate_15m", ERROR_RATE, { title: "Error rate > 10 % (15 min)", above: 0.1, window: "15m", unit: "ratio" }),
    trigger.promql("breaker_open_5m", 'min_over_time(copilot_breaker_open{provider="primary"}[$window])', {
      title: "Circuit breaker OPEN > 5 min",
      above: 0,
      window: "5m",
      unit: "count",
    }),
    // A P1 incident: the primary LLM provider paging.
    trigger.alerts("p1_incident", { name: "LLMProviderDown" }, { title: "P1 incident declared", above: 0, unit: "count" }),
  ],
  rollback: [
    trigger.promql("error_rate_sustained", ERROR_RATE, {
      title: "Error rate > 20 % sustained",
      above: 0.2,
      window: "5m",
      for: "15m",
      unit: "ratio",
    }),
    trigger.promql("breaker_events_24h", 'changes(copilot_breaker_open{provider="primary"}[$window])', {
      title: "Multiple circuit breaker events in 24 h",
      above: 2,
      window: "24h",
      unit: "count",
    }),
    trigger.alerts("data_corruption", { name: "DataIntegrityViolation" }, {
      title: "Data corruption detected",
      above: 0,
      to: "first",
      unit: "count",
    }),
  ],
  // Seed 001 §5.4: a fix that takes more than a day is a rollback, not a pause.
  pauseLimit: "24h",
  holdLimit: "24h",
  freeze: [
    // Seed 000: no exposure steps over the year-end change freeze; security hotfixes go through the IC.
    { from: "2026-12-23T00:00:00Z", to: "2027-01-04T00:00:00Z", reason: "year-end change freeze" },
  ],
  // Healthy, for the rollback runbook's wait-healthy step: seed 000's SLO gates over the load.
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  runbooks: {
    pause: [
      {
        id: "R1",
        title: "Freeze further exposure and open the incident channel",
        actions: [act.declare("Sev-3", "rollout paused: freeze further exposure, investigate")],
      },
    ],
    rollback: [
      {
        id: "R1",
        title: "Declare Sev-2; freeze further exposure",
        actions: [act.declare("Sev-2", "rollout rolled back to the previous stable phase")],
      },
      {
        id: "R2",
        title: "Drain in-flight requests on the failing path",
        actions: [act.http("copilot", { method: "POST", path: "/admin/drain", body: { timeoutMs: 30000 } })],
      },
      {
        id: "R3",
        title: "Validate health checks; smoke test the chat flow",
        actions: [
          act.waitHealthy("15m"),
          act.smoke("copilot", [
            { name: "chat", call: { method: "POST", path: "/v1/chat", body: { prompt: "Show the runbook for a Redis cache stampede.", user: "smoke" } } },
          ]),
        ],
      },
      { id: "R4", title: "RCA within 48 h; fix and verify in P0 before re-ramping", actions: [act.note("re-ramp from the previous stable phase")] },
    ],
  },
  // The reference stack has no users of its own: 20 distinct questions a second stand in for them,
  // every one a cache miss so it reaches retrieval and the share applies to all of them.
  load: load.http({ target: "copilot", rate: 20, duration: "60s", ...chat({ prompts: "unique" }) }),
});
