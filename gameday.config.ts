import { defineConfig } from "gameday";

// The bundled config: the reference stack (fixtures/ops-copilot). With provider "reference" the
// harness starts redis-server, toxiproxy-server, the fake LLM/embeddings/vector providers, the Ops
// Copilot, Prometheus and Alertmanager on free loopback ports and resolves every address itself,
// so no proxy, service or probe is listed here.
//
// To run the same scenarios against your own staging, copy this file and switch to
// provider "external" with real addresses under the names the scenarios use:
//
//   provider: "external",
//   allowHosts: ["copilot.staging.example"],
//   toxiproxy: { api: "toxiproxy.staging.example:8474" },
//   proxies: [
//     { kind: "toxiproxy", name: "llm-primary-tcp", listen: "…:…", upstream: "…:…" },
//     { kind: "toxiproxy", name: "llm-secondary-tcp", listen: "…", upstream: "…" },
//     { kind: "toxiproxy", name: "vector-store", listen: "…", upstream: "…" },
//     { kind: "toxiproxy", name: "redis", listen: "…", upstream: "…" },
//     { kind: "http", name: "llm-primary", listen: "…", upstream: "https://…" },
//     { kind: "http", name: "embeddings", listen: "…", upstream: "https://…" },
//   ],
//   services: [{ name: "copilot", url: "https://…" }, { name: "flags", url: "…" }, { name: "pricing", url: "…" }],
//   redis: [{ name: "cache", url: "redis://…" }],
//   prometheus: { url: "https://…" }, alertmanager: { url: "https://…" },
//   probes: [{ kind: "scrape", name: "copilot-gauges", url: "https://…/metrics", metrics: ["copilot_depth_k"] }],
//
// Your Alertmanager then needs webhook receivers `oncall` and `security` pointing at the harness's
// receiver (`receiver.listen` below) under /alerts/oncall and /alerts/security.
export default defineConfig({
  provider: "reference",
  // Unattended runs (make gameday, CI): an auto-responder acknowledges each alert after 60 s
  // (2 s in the ci profile). Its acks are labelled synthetic in every report; on a real gameday
  // remove this and acknowledge with `gameday ack`.
  autoAck: { after: "60s" },
  reportsDir: "reports",
});
