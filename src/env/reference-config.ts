// What the reference stack's addresses mean once it is up: the copilot's environment (which fault
// point stands in front of which dependency) and the GamedayConfig handed to the run. Plain data
// from ports, with nothing started, so each can be checked on its own.
import { join } from "node:path";
import { opsCopilotScript, PACKAGE_ROOT } from "../package/layout.ts";
import { configSchema, type GamedayConfig, type GamedayConfigInput } from "../scenario/config.ts";

export const HOST = "127.0.0.1";
export const FIXTURES = join(PACKAGE_ROOT, "fixtures");

/** The fake dependencies, each a script of fixtures/ops-copilot with its environment. */
export const PROVIDER_SCRIPTS = {
  control: ["control.ts", {}],
  "llm-primary": ["llm.ts", { PROVIDER: "primary" }],
  "llm-secondary": ["llm.ts", { PROVIDER: "secondary" }],
  embeddings: ["embeddings.ts", {}],
  "vector-store": ["vector-store.ts", {}],
} as const satisfies Record<string, readonly [string, Record<string, string>]>;
export type ProviderName = keyof typeof PROVIDER_SCRIPTS;
export const PROVIDERS = Object.keys(PROVIDER_SCRIPTS) as ProviderName[];

/** The Toxiproxy proxies (TCP fault points) and what each stands in front of. */
export const TCP_PROXIES = {
  "llm-primary-tcp": "llm-primary",
  "llm-secondary-tcp": "llm-secondary",
  "vector-store": "vector-store",
  redis: "redis",
} as const;
export type TcpProxyName = keyof typeof TCP_PROXIES;

/** The HTTP fault proxies the harness runs in process. */
export type HttpProxyName = "llm-primary" | "embeddings";

/** Every port the stack's parts listen on, as started. */
export interface ReferencePorts {
  redis: number;
  toxiproxy: number;
  providers: Record<ProviderName, number>;
  tcp: Record<TcpProxyName, number>;
  http: Record<HttpProxyName, { port: number; upstream: string }>;
  copilot: number;
}

const url = (port: number) => `http://${HOST}:${port}`;

/** The upstream of each TCP proxy: the provider or Redis it stands in front of. */
export function tcpUpstreamPort(
  name: TcpProxyName,
  ports: Pick<ReferencePorts, "redis" | "providers">,
): number {
  const target = TCP_PROXIES[name];
  return target === "redis" ? ports.redis : ports.providers[target];
}

/** The copilot's environment: each dependency reached through its fault point. */
export function copilotEnvironment(
  ports: Omit<ReferencePorts, "copilot">,
  o: { auditLog: string; receiverUrl: string; defects: readonly string[] },
): Record<string, string> {
  const controlUrl = url(ports.providers.control);
  return {
    REDIS_URL: `redis://${HOST}:${ports.tcp.redis}`,
    LLM_PRIMARY_URL: url(ports.http["llm-primary"].port),
    LLM_SECONDARY_URL: url(ports.tcp["llm-secondary-tcp"]),
    EMBEDDINGS_URL: url(ports.http.embeddings.port),
    EMBEDDINGS_FALLBACK_URL: url(ports.providers.embeddings),
    VECTOR_URL: url(ports.tcp["vector-store"]),
    FLAGS_URL: controlUrl,
    PRICING_URL: controlUrl,
    AUDIT_LOG: o.auditLog,
    SECURITY_WEBHOOK_URL: `${o.receiverUrl.replace(/\/+$/, "")}/alerts/security/plain`,
    DEFECTS: o.defects.join(","),
    // A short hit-ratio window so a purge shows within the ci profile's compressed time.
    CACHE_WINDOW_MS: "5000",
  };
}

/** How a script of fixtures/ops-copilot runs as the config's `processes` entry (for process faults). */
function processEntry(name: string, file: string, env: Record<string, string>, port: number) {
  return {
    name,
    command: [process.execPath, opsCopilotScript(file)],
    env: { ...env, HOST, PORT: String(port) },
    ready: { http: `${url(port)}/healthz` },
  };
}

/** The config a run gets from the stack: every name the scenarios use, at the ports it started on. */
export function referenceConfig(
  ports: ReferencePorts,
  o: {
    copilotEnv: Record<string, string>;
    prometheusUrl: string;
    alertmanagerUrl: string;
    receiverUrl: string;
  },
): GamedayConfig {
  const copilotUrl = url(ports.copilot);
  const controlUrl = url(ports.providers.control);
  const input: GamedayConfigInput = {
    provider: "reference",
    toxiproxy: { api: `${HOST}:${ports.toxiproxy}` },
    proxies: [
      ...(Object.keys(TCP_PROXIES) as TcpProxyName[]).map((name) => ({
        kind: "toxiproxy" as const,
        name,
        listen: `${HOST}:${ports.tcp[name]}`,
        upstream: `${HOST}:${tcpUpstreamPort(name, ports)}`,
      })),
      ...Object.entries(ports.http).map(([name, hp]) => ({
        kind: "http" as const,
        name,
        listen: `${HOST}:${hp.port}`,
        upstream: hp.upstream,
      })),
    ],
    services: [
      { name: "copilot", url: copilotUrl, health: "/healthz" },
      { name: "flags", url: controlUrl, health: "/healthz" },
      { name: "pricing", url: controlUrl, health: "/healthz" },
    ],
    redis: [{ name: "cache", url: `redis://${HOST}:${ports.redis}` }],
    processes: [
      processEntry("copilot", "copilot.ts", o.copilotEnv, ports.copilot),
      ...PROVIDERS.map((name) =>
        processEntry(name, PROVIDER_SCRIPTS[name][0], PROVIDER_SCRIPTS[name][1], ports.providers[name]),
      ),
    ],
    prometheus: { url: o.prometheusUrl },
    alertmanager: { url: o.alertmanagerUrl },
    receiver: { listen: new URL(o.receiverUrl).host },
    probes: [
      {
        kind: "scrape",
        name: "copilot-gauges",
        url: `${copilotUrl}/metrics`,
        interval: 1_000,
        metrics: [
          "copilot_depth_k",
          "copilot_embedding_queue_depth",
          "copilot_cache_hit_ratio",
          "copilot_unit_cost_usd",
          'copilot_breaker_open{provider="primary"}',
          "copilot_answer_quality",
          "copilot_vector_latency_ms",
          "copilot_embedding_fallback_total",
          "copilot_model_route_changes_total",
          "copilot_guardrail_blocks_total",
          "copilot_audit_events_total",
          'copilot_security_notifications_total{outcome="sent"}',
          'copilot_security_notifications_total{outcome="failed"}',
        ],
      },
      // The latency graph of the seed's cache cold-start row, as Prometheus computes it (seconds).
      {
        kind: "promql",
        name: "copilot-p95",
        query: "histogram_quantile(0.95, sum by (le) (rate(copilot_request_duration_seconds_bucket[5s])))",
        interval: 1_000,
      },
      {
        kind: "promql",
        name: "copilot-latency-mean",
        query:
          "sum(rate(copilot_request_duration_seconds_sum[5s])) / sum(rate(copilot_request_duration_seconds_count[5s]))",
        interval: 1_000,
      },
    ],
  };
  return configSchema.parse(input);
}
