// Per-second series for the report's charts, seconds aligned to `from`. Seconds without samples
// are left out (a gap in the chart), never drawn as zero.
import { failureClassifier } from "../engine/failures.ts";
import type { Points, ScenarioCharts } from "../engine/result.ts";
import { statusOf } from "./recovery.ts";
import type { SampleStore } from "./samples.ts";
import { perSecond, seconds } from "./seconds.ts";

const DEFAULT_FAILURE = failureClassifier(["5xx", "429", "network"]);

export function buildCharts(
  store: SampleStore,
  fromMs: number,
  toMs: number,
  isFailure: (status: number) => boolean = DEFAULT_FAILURE,
): ScenarioCharts {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / 1_000));
  const total = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const s of store.samples("http_req_duration", {}, fromMs, toMs)) {
    const k = Math.floor((s.t - fromMs) / 1_000);
    total[k]! += 1;
    if (isFailure(statusOf(s.tags))) failed[k]! += 1;
  }
  const errorRate: Points = total.flatMap(
    (c, k): Points => (c ? [[fromMs + k * 1_000, failed[k]! / c]] : []),
  );

  const providers = new Set<string>();
  for (const s of store.samples("provider_responses", {}, fromMs, toMs))
    providers.add(s.tags.provider ?? "none");
  const providerMix: Record<string, Points> = {};
  // Requests per second per provider; a second with traffic elsewhere but none here is a real 0.
  const busy = new Set(
    seconds(store, "provider_responses", {}, fromMs, toMs).flatMap((b) => (b.count ? [b.start] : [])),
  );
  for (const p of [...providers].sort()) {
    providerMix[p] = seconds(store, "provider_responses", { provider: p }, fromMs, toMs).flatMap(
      (b): Points => (busy.has(b.start) ? [[b.start, b.count]] : []),
    );
  }

  const queueMetric = store.metrics().find((m) => m.includes("queue_depth"));
  return {
    p95Ms: perSecond(store, "http_req_duration", {}, fromMs, toMs, "p95"),
    errorRate,
    providerMix,
    unitCostUsd: perSecond(store, "unit_cost_usd", {}, fromMs, toMs, "mean"),
    queueDepth: queueMetric ? perSecond(store, queueMetric, {}, fromMs, toMs, "mean") : [],
  };
}
