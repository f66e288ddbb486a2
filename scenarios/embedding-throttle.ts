import { defineScenario, fault, load } from "gameday";
import { chat } from "./load/chat.ts";

// Seed 004 matrix: "Embedding throttle — 429 responses for 5 min — queue/backoff; drop to
// fallback model; alert — queue depth".
export default defineScenario({
  id: "embedding-throttle",
  title: "Embedding throttle",
  owner: "SRE",
  hypothesis:
    "The embeddings provider answers 429 with Retry-After for 5 min; requests queue and back off, fall back to the fallback embedding model, none is lost, and the throttling alert fires",
  load: load.http({
    rate: 20,
    duration: "9m",
    target: "copilot",
    ...chat({ prompts: "unique" }),
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  timeline: [
    { at: "1m", inject: fault.httpStatus("embeddings", { status: 429, retryAfter: "1s", duration: "5m" }) },
  ],
  expect: {
    alert: { name: "EmbeddingThrottled", ttd: "2m", mtta: "5m" },
    ttr: "15m",
    errorBudget: { slo: 0.99, maxBurnPct: 25 },
    checks: [
      {
        name: "queue-engaged",
        series: "copilot_embedding_queue_depth",
        window: "fault",
        agg: "max",
        op: ">",
        value: 0,
      },
      { name: "no-request-lost", series: "error_rate", window: "run", agg: "max", op: "==", value: 0 },
      {
        name: "fallback-model-used",
        series: "copilot_embedding_fallback_total",
        window: "run",
        agg: "max",
        op: ">",
        value: 0,
      },
    ],
  },
  record: {
    injection: "429 responses (Retry-After) from the embeddings provider for 5 min",
    expected: "Queue/backoff; drop to fallback model; alert",
    evidence: "Queue depth",
    residualRisk: "fallback embeddings lower retrieval recall while active",
    actionOwner: "Platform",
    actions: [{ title: "Negotiate a higher embeddings quota tier", owner: "Platform", eta: "1 month" }],
  },
});
