// The names the reference stack provides, known without starting it, so that `validate` and
// `run` can check a scenario's targets before anything starts. Kept in step with
// src/env/reference.ts (a test starts the stack and compares).
import type { GamedayConfig } from "../scenario/config.ts";

export const REFERENCE_TARGETS = {
  toxiproxy: ["llm-primary-tcp", "llm-secondary-tcp", "vector-store", "redis"],
  http: ["llm-primary", "embeddings"],
  services: ["copilot", "flags", "pricing"],
  redis: ["cache"],
  processes: ["copilot", "control", "llm-primary", "llm-secondary", "embeddings", "vector-store"],
  probes: ["copilot-gauges", "copilot-p95", "copilot-latency-mean"],
} as const;

const PLACEHOLDER = "127.0.0.1:1";

/** The config as scenarios will see it: for provider "reference", the stack's names are added. */
export function targetsView(config: GamedayConfig): GamedayConfig {
  if (config.provider !== "reference") return config;
  return {
    ...config,
    proxies: [
      ...REFERENCE_TARGETS.toxiproxy.map((name) => ({
        kind: "toxiproxy" as const,
        name,
        listen: PLACEHOLDER,
        upstream: PLACEHOLDER,
      })),
      ...REFERENCE_TARGETS.http.map((name) => ({
        kind: "http" as const,
        name,
        listen: PLACEHOLDER,
        upstream: `http://${PLACEHOLDER}`,
      })),
    ],
    services: REFERENCE_TARGETS.services.map((name) => ({
      name,
      url: `http://${PLACEHOLDER}`,
      health: "/healthz",
    })),
    redis: REFERENCE_TARGETS.redis.map((name) => ({ name, url: `redis://${PLACEHOLDER}` })),
    processes: REFERENCE_TARGETS.processes.map((name) => ({ name, command: ["true"], env: {} })),
    probes: REFERENCE_TARGETS.probes.map((name) => ({
      kind: "promql" as const,
      name,
      query: "up",
      interval: 1_000,
      timeout: 2_000,
    })),
    prometheus: { url: `http://${PLACEHOLDER}` },
    alertmanager: { url: `http://${PLACEHOLDER}` },
  };
}
