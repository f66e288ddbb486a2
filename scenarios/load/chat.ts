// Load for the Ops Copilot: POST /v1/chat with an ops question. Records which provider answered
// (x-provider) and what a generated answer cost (x-cost-usd) so the harness can measure failover and unit
// cost. The executor (rate, duration, VUs) comes from the harness's --config, not from here.
//   TARGET_URL  base URL of the service (required)
//   PROMPT_SET  "mixed" (default: ~10 questions), "repeat" (3 questions → cache hits),
//               "unique" (every request distinct → cache misses), "cycle" (one user asks
//               CYCLE_KEYS distinct questions in a fixed rotation over the whole test, so the cache
//               is fully warm after CYCLE_KEYS requests and a purge costs exactly that many misses)
//   CYCLE_KEYS  distinct questions of the "cycle" set (default 150)
import exec from "k6/execution";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";

const PROMPTS = [
  "Why is p95 latency of the checkout service above its SLO?",
  "Summarise the last 24 hours of alerts for the payments cluster.",
  "What changed in the last deploy of the search API?",
  "How do I roll back the recommendations service to the previous release?",
  "Which dependency is causing the 502s on the gateway?",
  "Is the error budget of the login service at risk this month?",
  "Show the runbook for a Redis cache stampede.",
  "What is the current on-call rotation for the data platform?",
  "Why did the nightly batch job take twice as long yesterday?",
  "Which queues have a growing backlog right now?",
];
const REPEAT_PROMPTS = PROMPTS.slice(0, 3);

const providerResponses = new Counter("provider_responses");
const unitCostUsd = new Trend("unit_cost_usd");
// Retrieval depth the service used for this answer (x-depth-k): per-request evidence of mitigation.
const depthK = new Trend("depth_k");
// Whether each answered request was a cache hit (x-cache): the hit share of this load's own answers,
// unlike the service's hit-ratio gauge, whose 10 s window still holds the previous scenario's lookups.
const cacheHit = new Rate("cache_hit");

const target = __ENV.TARGET_URL;
if (!target)
  throw new Error("TARGET_URL is not set (the harness passes the service URL with -e TARGET_URL=...)");
const promptSet = __ENV.PROMPT_SET ?? "mixed";
if (!["mixed", "repeat", "unique", "cycle"].includes(promptSet)) {
  throw new Error(`PROMPT_SET must be mixed, repeat, unique or cycle, not ${promptSet}`);
}
const cycleKeys = Number(__ENV.CYCLE_KEYS ?? "150");
if (!Number.isInteger(cycleKeys) || cycleKeys < 1) {
  throw new Error(`CYCLE_KEYS must be a positive integer, not ${__ENV.CYCLE_KEYS}`);
}
const url = `${target.replace(/\/+$/, "")}/v1/chat`;
const params = { headers: { "content-type": "application/json" }, tags: { name: "chat" } };

// Unique prompts carry their VU and iteration spelled in letters: digit runs could look like phone
// or card numbers to the service's PII guardrail and be blocked instead of answered.
function letters(n: number): string {
  return String(n)
    .split("")
    .map((d) => "abcdefghij"[Number(d)])
    .join("");
}

function prompt(): string {
  if (promptSet === "repeat") return REPEAT_PROMPTS[__ITER % REPEAT_PROMPTS.length] as string;
  if (promptSet === "cycle") {
    // The test-wide iteration number, not the VU's: the rotation does not depend on which VU runs.
    const i = exec.scenario.iterationInTest % cycleKeys;
    return `${PROMPTS[i % PROMPTS.length]} (view ${letters(Math.floor(i / PROMPTS.length))})`;
  }
  const base = PROMPTS[Math.floor(Math.random() * PROMPTS.length)] as string;
  return promptSet === "unique"
    ? `${base} (request ${letters(__VU)}-${letters(__ITER)}-${letters(Date.now() % 1_000_000)})`
    : base;
}

export default function (): void {
  const user = promptSet === "cycle" ? "u-cycle" : `u${__VU}`;
  const res = http.post(url, JSON.stringify({ prompt: prompt(), user }), params);
  const provider = res.headers["X-Provider"] ?? "none";
  providerResponses.add(1, { provider, status: String(res.status) });
  // Unit cost is cost per generated answer: a cache hit's "0" would dilute it with free answers.
  const cost = Number.parseFloat(res.headers["X-Cost-Usd"] ?? "");
  if (Number.isFinite(cost) && res.headers["X-Cache"] !== "hit") unitCostUsd.add(cost, { provider });
  if (res.status === 200) cacheHit.add(res.headers["X-Cache"] === "hit");
  const k = Number.parseInt(res.headers["X-Depth-K"] ?? "", 10);
  if (Number.isFinite(k) && res.headers["X-Cache"] !== "hit") depthK.add(k);
}
