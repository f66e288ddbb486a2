// The reference provider: brings up the bundled Ops Copilot stack (fixtures/ops-copilot) on loopback —
// redis-server, toxiproxy-server, the fake providers, the copilot, Prometheus and Alertmanager — and
// wires the fault points in between (the address chain is drawn in fixtures/ops-copilot/README.md).
// It resolves every address itself and hands back a complete GamedayConfig.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import type { GroundTruthEvent } from "../../fixtures/ops-copilot/events.ts";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { ProcessControl } from "../faults/driver.ts";
import { startHttpFaultProxy } from "../faults/http-proxy/server.ts";
import { configSchema, type GamedayConfig, type GamedayConfigInput } from "../scenario/config.ts";
import { toolPath } from "./local.ts";
import { startAlertmanager, startPrometheus } from "./monitoring.ts";
import { freePort, type ManagedProcess, type StartOptions, startOnPort } from "./process.ts";

export type { GroundTruthEvent };

export interface ReferenceStackOptions {
  logDir: string;
  dataDir: string;
  /** Base URL of the harness's alert receiver; Alertmanager posts to <receiverUrl>/alerts/<receiver>. */
  receiverUrl: string;
  /** false: the fixed ports of DEFAULT_PORTS (for a long-lived `env up`); default true. */
  freePorts?: boolean;
  /** Defect switches on from the start (REFERENCE_DEFECTS). */
  defects?: string[];
  /** Alert rules (by alert name) left out of Prometheus's rule file. */
  omitAlertRules?: string[];
}

export interface ReferenceStack {
  config: GamedayConfig;
  processes: ProcessControl;
  /** The copilot's own record of its state changes (GET /debug/events). */
  groundTruth(): Promise<GroundTruthEvent[]>;
  setDefect(name: string, on: boolean): Promise<void>;
  /** The guardrail's audit log (JSONL). */
  auditLog: string;
  stop(): Promise<void>;
}

export const REFERENCE_DEFECTS = [
  "failover_off",
  "failover_slow",
  "backoff_off",
  "depthk_off",
  "guardrail_off",
  "cost_routing_off",
  "missing_alert_rule",
  "slow_rollback",
  "bad_v2",
  "cache_refill_off",
  "capacity_1x",
  "rerank_capacity",
] as const;

/** The alert rule `missing_alert_rule` removes. */
export const MISSING_ALERT_RULE = "LLMProviderDown";

/** Ports used with freePorts: false. */
export const DEFAULT_PORTS = {
  copilot: 18080,
  control: 18081,
  "llm-primary": 18082,
  "llm-secondary": 18083,
  embeddings: 18084,
  "vector-store": 18085,
  redis: 18379,
  toxiproxy: 18474,
  "tcp:llm-primary-tcp": 18500,
  "tcp:llm-secondary-tcp": 18501,
  "tcp:vector-store": 18502,
  "tcp:redis": 18503,
  "http:llm-primary": 18510,
  "http:embeddings": 18511,
  prometheus: 19090,
  alertmanager: 19093,
} as const;
type PortName = keyof typeof DEFAULT_PORTS;

const HOST = "127.0.0.1";
const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const RULES = join(FIXTURES, "monitoring", "rules", "ops-copilot.yml");
const PROVIDERS = ["control", "llm-primary", "llm-secondary", "embeddings", "vector-store"] as const;

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export async function startReferenceStack(o: ReferenceStackOptions): Promise<ReferenceStack> {
  const unknown = (o.defects ?? []).filter((d) => !(REFERENCE_DEFECTS as readonly string[]).includes(d));
  if (unknown.length) {
    throw new EnvironmentError(
      `reference stack: unknown defect ${unknown.join(", ")} (known: ${REFERENCE_DEFECTS.join(", ")})`,
    );
  }
  mkdirSync(o.dataDir, { recursive: true });
  mkdirSync(o.logDir, { recursive: true });
  const stateFile = join(o.dataDir, "pids.json");
  const auditLog = join(o.dataDir, "audit.jsonl");
  const useFree = o.freePorts ?? true;
  const port = (name: PortName): Promise<number> =>
    useFree ? freePort(HOST) : Promise.resolve(DEFAULT_PORTS[name]);
  const started: Stoppable[] = [];
  const managed = new Map<string, ManagedProcess>();
  const stopAll = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.stop().catch(() => {});
  };

  /** Starts a process on a free port (a new one when the first is taken before the bind), or its fixed one. */
  const startProcess = async (name: string, options: (port: number) => StartOptions, portName: PortName) => {
    try {
      const fixed = useFree ? 0 : DEFAULT_PORTS[portName];
      const { process: proc, port: p } = await startOnPort(fixed, options, { host: HOST });
      managed.set(name, proc);
      started.push({ name, stop: () => proc.stop() });
      return p;
    } catch (err) {
      throw new EnvironmentError(
        `reference stack: ${name} did not start: ${(err as Error).message} (log: ${join(o.logDir, `${name}.log`)})`,
      );
    }
  };
  const node = (name: string, file: string, env: Record<string, string>) => (p: number) => ({
    name,
    command: process.execPath,
    args: [join(FIXTURES, "ops-copilot", file)],
    env: { ...env, HOST, PORT: String(p) },
    logDir: o.logDir,
    stateFile,
    ready: { http: `http://${HOST}:${p}/healthz`, timeoutMs: 20_000 },
  });

  const omitted = new Set(o.omitAlertRules ?? []);
  let missingRule = (o.defects ?? []).includes("missing_alert_rule");
  const rulesFile = join(o.dataDir, "rules", "ops-copilot.yml");
  const writeRules = (): void => {
    const omit = new Set([...omitted, ...(missingRule ? [MISSING_ALERT_RULE] : [])]);
    writeFileSync(rulesFile, filterRules(readFileSync(RULES, "utf8"), omit));
  };
  mkdirSync(join(o.dataDir, "rules"), { recursive: true });
  writeRules();

  try {
    const redisPort = await startProcess(
      "redis",
      (p) => ({
        name: "redis",
        command: toolPath("redis-server", "REDIS_SERVER_BIN"),
        args: ["--port", String(p), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", o.dataDir],
        logDir: o.logDir,
        stateFile,
        ready: { tcp: { host: HOST, port: p } },
      }),
      "redis",
    );
    const toxiPort = await startProcess(
      "toxiproxy",
      (p) => ({
        name: "toxiproxy",
        command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
        args: ["-host", HOST, "-port", String(p)],
        logDir: o.logDir,
        stateFile,
        ready: { http: `http://${HOST}:${p}/version` },
      }),
      "toxiproxy",
    );
    const toxiApi = `http://${HOST}:${toxiPort}`;

    const providerEnv: Record<(typeof PROVIDERS)[number], [string, Record<string, string>]> = {
      control: ["control.ts", {}],
      "llm-primary": ["llm.ts", { PROVIDER: "primary" }],
      "llm-secondary": ["llm.ts", { PROVIDER: "secondary" }],
      embeddings: ["embeddings.ts", {}],
      "vector-store": ["vector-store.ts", {}],
    };
    const providerPorts = Object.fromEntries(
      await Promise.all(
        PROVIDERS.map(async (name) => {
          const [file, env] = providerEnv[name];
          return [name, await startProcess(name, node(name, file, env), name)] as const;
        }),
      ),
    ) as Record<(typeof PROVIDERS)[number], number>;

    const toxi = async (name: string, upstreamPort: number): Promise<number> => {
      let lastError = "";
      for (let attempt = 0; attempt < (useFree ? 3 : 1); attempt++) {
        const listen = await port(`tcp:${name}` as PortName);
        const res = await fetch(`${toxiApi}/proxies`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            name,
            listen: `${HOST}:${listen}`,
            upstream: `${HOST}:${upstreamPort}`,
            enabled: true,
          }),
        });
        lastError = `${res.status} ${await res.text()}`;
        if (res.ok) return listen;
        await fetch(`${toxiApi}/proxies/${name}`, { method: "DELETE" }).catch(() => {});
      }
      throw new EnvironmentError(
        `reference stack: toxiproxy proxy ${name} not created: ${lastError} (log: ${join(o.logDir, "toxiproxy.log")})`,
      );
    };
    const tcp = {
      "llm-primary-tcp": await toxi("llm-primary-tcp", providerPorts["llm-primary"]),
      "llm-secondary-tcp": await toxi("llm-secondary-tcp", providerPorts["llm-secondary"]),
      "vector-store": await toxi("vector-store", providerPorts["vector-store"]),
      redis: await toxi("redis", redisPort),
    };

    const httpProxy = async (name: "llm-primary" | "embeddings", upstream: string) => {
      const hp = await startHttpFaultProxy({
        host: HOST,
        port: useFree ? 0 : DEFAULT_PORTS[`http:${name}`],
        upstream,
      }).catch((err: Error) => {
        throw new EnvironmentError(`reference stack: HTTP fault proxy ${name} did not start: ${err.message}`);
      });
      started.push({ name: `http-proxy ${name}`, stop: () => hp.close() });
      return { port: hp.port, upstream };
    };
    const http = {
      "llm-primary": await httpProxy("llm-primary", `http://${HOST}:${tcp["llm-primary-tcp"]}`),
      embeddings: await httpProxy("embeddings", `http://${HOST}:${providerPorts.embeddings}`),
    };

    const controlUrl = `http://${HOST}:${providerPorts.control}`;
    const copilotEnv: Record<string, string> = {
      REDIS_URL: `redis://${HOST}:${tcp.redis}`,
      LLM_PRIMARY_URL: `http://${HOST}:${http["llm-primary"].port}`,
      LLM_SECONDARY_URL: `http://${HOST}:${tcp["llm-secondary-tcp"]}`,
      EMBEDDINGS_URL: `http://${HOST}:${http.embeddings.port}`,
      EMBEDDINGS_FALLBACK_URL: `http://${HOST}:${providerPorts.embeddings}`,
      VECTOR_URL: `http://${HOST}:${tcp["vector-store"]}`,
      FLAGS_URL: controlUrl,
      PRICING_URL: controlUrl,
      AUDIT_LOG: auditLog,
      SECURITY_WEBHOOK_URL: `${o.receiverUrl.replace(/\/+$/, "")}/alerts/security/plain`,
      DEFECTS: (o.defects ?? []).join(","),
      // A short hit-ratio window so a purge shows within the ci profile's compressed time.
      CACHE_WINDOW_MS: "5000",
    };
    const copilotPort = await startProcess("copilot", node("copilot", "copilot.ts", copilotEnv), "copilot");
    const copilotUrl = `http://${HOST}:${copilotPort}`;

    const receiver = o.receiverUrl.replace(/\/+$/, "");
    const am = await startAlertmanager({
      logDir: o.logDir,
      dataDir: join(o.dataDir, "alertmanager"),
      port: useFree ? undefined : DEFAULT_PORTS.alertmanager,
      receivers: [
        { name: "oncall", webhookUrl: `${receiver}/alerts/oncall` },
        { name: "security", webhookUrl: `${receiver}/alerts/security` },
      ],
      routes: [{ matchers: ['team="security"'], receiver: "security" }],
      defaultReceiver: "oncall",
      groupWait: "0s",
      stateFile,
    }).catch((err: Error) => {
      throw new EnvironmentError(
        `reference stack: alertmanager did not start: ${err.message} (log: ${join(o.logDir, "alertmanager.log")})`,
      );
    });
    managed.set("alertmanager", am.process);
    started.push({ name: "alertmanager", stop: () => am.stop() });
    const prom = await startPrometheus({
      logDir: o.logDir,
      dataDir: join(o.dataDir, "prometheus"),
      port: useFree ? undefined : DEFAULT_PORTS.prometheus,
      scrapeTargets: [{ job: "copilot", target: `${HOST}:${copilotPort}` }],
      ruleFiles: [rulesFile],
      alertmanagerUrl: am.url,
      scrapeInterval: "1s",
      evaluationInterval: "1s",
      stateFile,
    }).catch((err: Error) => {
      throw new EnvironmentError(
        `reference stack: prometheus did not start: ${err.message} (log: ${join(o.logDir, "prometheus.log")})`,
      );
    });
    managed.set("prometheus", prom.process);
    started.push({ name: "prometheus", stop: () => prom.stop() });
    // Until the first scrape, an event would be folded into the counters' first sample and rate-based
    // alert rules would never see it; the stack is up when Prometheus sees the copilot.
    await waitForScrape(prom.url, "copilot").catch((err: Error) => {
      throw new EnvironmentError(
        `reference stack: ${err.message} (log: ${join(o.logDir, "prometheus.log")})`,
      );
    });

    const processEntry = (name: string, file: string, env: Record<string, string>, p: number) => ({
      name,
      command: [process.execPath, join(FIXTURES, "ops-copilot", file)],
      env: { ...env, HOST, PORT: String(p) },
      ready: { http: `http://${HOST}:${p}/healthz` },
    });
    const input: GamedayConfigInput = {
      provider: "reference",
      toxiproxy: { api: `${HOST}:${toxiPort}` },
      proxies: [
        ...Object.entries(tcp).map(([name, listen]) => ({
          kind: "toxiproxy" as const,
          name,
          listen: `${HOST}:${listen}`,
          upstream: `${HOST}:${
            name === "redis"
              ? redisPort
              : providerPorts[name.replace(/-tcp$/, "") as "llm-primary" | "llm-secondary" | "vector-store"]
          }`,
        })),
        ...Object.entries(http).map(([name, hp]) => ({
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
      redis: [{ name: "cache", url: `redis://${HOST}:${redisPort}` }],
      processes: [
        processEntry("copilot", "copilot.ts", copilotEnv, copilotPort),
        ...PROVIDERS.map((name) =>
          processEntry(name, providerEnv[name][0], providerEnv[name][1], providerPorts[name]),
        ),
      ],
      prometheus: { url: prom.url },
      alertmanager: { url: am.url },
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
    const config = configSchema.parse(input);

    const copilotJson = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`${copilotUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      const json: unknown = await res.json();
      if (!res.ok)
        throw new Error(`copilot ${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };

    return {
      config,
      auditLog,
      processes: {
        pid: (name) => managed.get(name)?.pid,
        restart: async (name) => {
          const p = managed.get(name);
          if (!p)
            throw new Error(
              `reference stack: no process named ${name} (have ${[...managed.keys()].join(", ")})`,
            );
          await p.restart();
        },
      },
      groundTruth: async () =>
        ((await copilotJson("GET", "/debug/events")) as { events: GroundTruthEvent[] }).events,
      setDefect: async (name, on) => {
        if (!(REFERENCE_DEFECTS as readonly string[]).includes(name)) {
          throw new Error(`unknown defect ${name} (known: ${REFERENCE_DEFECTS.join(", ")})`);
        }
        if (name === "missing_alert_rule") {
          missingRule = on;
          writeRules();
          const res = await fetch(`${prom.url}/-/reload`, {
            method: "POST",
            signal: AbortSignal.timeout(5_000),
          });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`prometheus reload answered ${res.status}`);
        }
        await copilotJson("PUT", "/admin/defects", { [name]: on });
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function waitForScrape(promUrl: string, job: string, timeoutMs = 20_000): Promise<void> {
  const query = `${promUrl}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"} == 1`)}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(query, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { data?: { result?: unknown[] } };
      if (body.data?.result?.length) return;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`prometheus did not scrape ${job} within ${timeoutMs} ms`);
}

/** The rule file without the named alerts (for missing_alert_rule and omitAlertRules). */
export function filterRules(yamlText: string, omit: ReadonlySet<string>): string {
  const doc = parse(yamlText) as { groups: Array<{ name: string; rules: Array<{ alert?: string }> }> };
  for (const g of doc.groups) g.rules = g.rules.filter((r) => !r.alert || !omit.has(r.alert));
  return stringify(doc);
}
