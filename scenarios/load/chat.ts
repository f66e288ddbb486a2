// Load for the Ops Copilot on the built-in engine: POST /v1/chat with an ops question. Records
// which provider answered (x-provider), what a generated answer cost (x-cost-usd), the retrieval
// depth (x-depth-k) and cache hits (x-cache), so the harness can measure failover, unit cost,
// mitigation and the cache-hit gate. Spread into load.http: `...chat({ prompts: "unique" })`.
import type { HttpLoadInput, LoadRecorder, LoadRequest } from "gameday";

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
/** Users the requests are spread over: the service scopes its cache per user. */
const USERS = 10;

/**
 * - "mixed": a random one of ~10 questions per request, from 10 users;
 * - "repeat": 3 questions from 10 users (30 keys: after the first 30 requests, all cache hits);
 * - "unique": every request distinct (cache misses);
 * - "cycle": one user asks `cycleKeys` distinct questions in a fixed rotation over the whole load,
 *   so the cache is fully warm after `cycleKeys` requests and a purge costs exactly that many misses.
 */
export type PromptSet = "mixed" | "repeat" | "unique" | "cycle";

// Unique prompts carry their number spelled in letters: digit runs could look like phone or card
// numbers to the service's PII guardrail and be blocked instead of answered.
function letters(n: number): string {
  return String(n)
    .split("")
    .map((d) => "abcdefghij"[Number(d)])
    .join("");
}

function prompt(set: PromptSet, i: number, cycleKeys: number): string {
  switch (set) {
    case "repeat":
      return REPEAT_PROMPTS[i % REPEAT_PROMPTS.length] as string;
    case "cycle": {
      const k = i % cycleKeys;
      return `${PROMPTS[k % PROMPTS.length]} (view ${letters(Math.floor(k / PROMPTS.length))})`;
    }
    case "unique":
      return `${PROMPTS[i % PROMPTS.length]} (request ${letters(i)}-${letters(Date.now() % 1_000_000)})`;
    case "mixed":
      return PROMPTS[Math.floor(Math.random() * PROMPTS.length)] as string;
  }
}

/** Per response: provider_responses{provider,status}, unit_cost_usd, depth_k and cache_hit. */
export const recordChat: LoadRecorder = (res, emit) => {
  const provider = res.headers["x-provider"] ?? "none";
  emit("provider_responses", 1, { provider, status: String(res.status) });
  const hit = res.headers["x-cache"] === "hit";
  // Unit cost is cost per generated answer: a cache hit's "0" would dilute it with free answers.
  const cost = Number.parseFloat(res.headers["x-cost-usd"] ?? "");
  if (Number.isFinite(cost) && !hit) emit("unit_cost_usd", cost, { provider });
  if (res.status === 200) emit("cache_hit", hit ? 1 : 0);
  const k = Number.parseInt(res.headers["x-depth-k"] ?? "", 10);
  if (Number.isFinite(k) && !hit) emit("depth_k", k);
};

export function chat(
  o: { prompts?: PromptSet; cycleKeys?: number } = {},
): Pick<HttpLoadInput, "request" | "record" | "responseHeaders"> {
  const set = o.prompts ?? "mixed";
  const cycleKeys = o.cycleKeys ?? 150;
  if (!Number.isInteger(cycleKeys) || cycleKeys < 1)
    throw new Error(`cycleKeys must be a positive integer, not ${cycleKeys}`);
  return {
    request: (i: number): LoadRequest => ({
      method: "POST",
      path: "/v1/chat",
      name: "chat",
      body: { prompt: prompt(set, i, cycleKeys), user: set === "cycle" ? "u-cycle" : `u${i % USERS}` },
    }),
    record: recordChat,
    responseHeaders: ["x-provider", "x-cost-usd", "x-cache", "x-depth-k"],
  };
}
