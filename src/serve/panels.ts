// The console's dashboard panels: the seed's four groups (SRE, FinOps, Safety, Product), each panel
// one PromQL query against the run's Prometheus, polled while a run goes. A panel whose query
// returns nothing shows "not exposed" — the service simply does not publish that signal.
import { instantQuery } from "../observe/promql.ts";
import type { PanelConfig } from "../scenario/config.ts";
import type { PanelValue } from "./live-state.ts";

const ratio = (part: string, whole: string) => `(${part}) / clamp_min(${whole}, 1e-9)`;
const latency = (q: number) =>
  `1000 * histogram_quantile(${q}, sum by (le) (rate(copilot_request_duration_seconds_bucket[1m])))`;

/** The reference stack's (Ops Copilot) panels, used when the config names none. */
export const REFERENCE_PANELS: PanelConfig[] = [
  { group: "SRE", title: "Latency p50", unit: "ms", query: latency(0.5) },
  { group: "SRE", title: "Latency p95", unit: "ms", query: latency(0.95) },
  {
    group: "SRE",
    title: "Error rate",
    unit: "ratio",
    query: ratio("sum(rate(copilot_errors_total[1m]))", "sum(rate(copilot_requests_total[1m]))"),
  },
  {
    group: "SRE",
    title: "Saturation (embedding queue)",
    unit: "count",
    query: "max(copilot_embedding_queue_depth)",
  },
  { group: "SRE", title: "Cache hit ratio", unit: "ratio", query: "max(copilot_cache_hit_ratio)" },
  { group: "SRE", title: "Retrieval depth k", unit: "value", query: "max(copilot_depth_k)" },
  {
    group: "SRE",
    title: "Provider mix (secondary share)",
    unit: "ratio",
    query: ratio(
      'sum(rate(copilot_requests_total{provider="secondary"}[1m]))',
      'sum(rate(copilot_requests_total{provider=~"primary|secondary"}[1m]))',
    ),
  },
  { group: "FinOps", title: "Unit cost (USD / answer)", unit: "usd", query: "max(copilot_unit_cost_usd)" },
  {
    group: "FinOps",
    title: "Spend, last 5 min",
    unit: "usd",
    query: "sum(increase(copilot_cost_usd_total[5m]))",
  },
  {
    group: "Safety",
    title: "Guardrail blocks, last 5 min",
    unit: "count",
    query: "sum(increase(copilot_guardrail_blocks_total[5m]))",
  },
  {
    group: "Safety",
    title: "Privacy audit events, last 5 min",
    unit: "count",
    query: "sum(increase(copilot_audit_events_total[5m]))",
  },
  {
    group: "Product",
    title: "Answer quality (task success proxy)",
    unit: "ratio",
    query: "max(copilot_answer_quality)",
  },
];

/** The config's panels; without any, the reference stack's when it is the provider, else none. */
export function panelsFor(o: { panels?: PanelConfig[]; provider: string }): PanelConfig[] {
  if (o.panels) return o.panels;
  return o.provider === "reference" ? REFERENCE_PANELS : [];
}

export function panelId(p: PanelConfig, index: number): string {
  return `${p.group.toLowerCase()}-${index}`;
}

/** Evaluates every panel once; never throws (a failed query is that panel's error). */
export async function readPanels(
  prometheusUrl: string,
  panels: PanelConfig[],
  now = Date.now(),
): Promise<PanelValue[]> {
  return Promise.all(
    panels.map(async (p, i): Promise<PanelValue> => {
      const base = { id: panelId(p, i), group: p.group, title: p.title, unit: p.unit, t: now };
      try {
        const r = await instantQuery(prometheusUrl, p.query, { timeoutMs: 1_500 });
        const v = r.series[0]?.value;
        return v === undefined || !Number.isFinite(v)
          ? { ...base, value: null, error: "no data: the query returned no series" }
          : { ...base, value: v, error: null };
      } catch (err) {
        return { ...base, value: null, error: (err as Error).message };
      }
    }),
  );
}

/** Polls the panels every `everyMs` (never two polls at once) until stopped. */
export function pollPanels(
  prometheusUrl: string,
  panels: PanelConfig[],
  onValues: (values: PanelValue[]) => void,
  everyMs = 2_000,
): { stop(): void } {
  if (panels.length === 0) return { stop() {} };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const values = await readPanels(prometheusUrl, panels);
    if (stopped) return;
    onValues(values);
    timer = setTimeout(tick, everyMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
