import { defineScenario, fault, load } from "gameday";

// Seed 004 matrix: "Cache cold-start — purge semantic/exact caches — p95 ↑ temporarily;
// stabilizes ≤ 15 min; alert — latency graph".
export default defineScenario({
  id: "cache-cold-start",
  title: "Cache cold-start",
  owner: "SRE",
  hypothesis:
    "Purging the exact and semantic caches raises p95 and cache misses for a while; p95 stabilises within 15 min and the cache-hit alert fires",
  // "mixed": ten questions per user, so the warm cache holds enough keys for a purge to be felt.
  load: load.k6("load/chat.ts", {
    rate: 20,
    duration: "16m",
    target: "copilot",
    env: { PROMPT_SET: "mixed" },
  }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  timeline: [{ at: "8m", inject: fault.cachePurge("cache", "all") }],
  expect: {
    // The hit ratio is a windowed signal: it takes a while to cross the threshold after a purge.
    alert: { name: "CacheHitLow", ttd: "5m", mtta: "5m" },
    ttr: "15m",
    checks: [
      {
        name: "cache-warm-before",
        series: "copilot_cache_hit_ratio",
        window: "baseline",
        agg: "last",
        op: ">=",
        value: 0.55,
      },
      {
        name: "cache-hit-drops",
        series: "copilot_cache_hit_ratio",
        window: "after",
        agg: "min",
        op: "<",
        value: 0.55,
      },
      {
        name: "cache-hit-recovers",
        series: "copilot_cache_hit_ratio",
        window: "after",
        agg: "last",
        op: ">=",
        value: 0.55,
      },
    ],
  },
  record: {
    injection: "Purge semantic/exact caches (Redis FLUSHDB)",
    expected: "p95 ↑ temporarily; stabilizes ≤ 15 min; alert",
    evidence: "Latency graph",
    residualRisk: "a cold start during peak still costs a burst of provider spend",
    actionOwner: "Platform",
    actions: [{ title: "Cache warm-up job after deploys and purges", owner: "Platform", eta: "1 week" }],
  },
});
