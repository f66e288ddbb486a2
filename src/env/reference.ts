// The reference provider: brings up the bundled Ops Copilot stack (fixtures/ops-copilot) on loopback —
// redis-server, toxiproxy-server, the fake providers, the copilot, Prometheus and Alertmanager — and
// wires the fault points in between (the address chain is drawn in fixtures/ops-copilot/README.md).
// It resolves every address itself and hands back a complete GamedayConfig. startReferenceStack reads
// as its phases: backends (Redis, Toxiproxy, the fake providers), the fault points in front of them,
// the copilot, monitoring; then the config (reference-config.ts) and the controls a run uses.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { ProcessControl } from "../faults/driver.ts";
import { startHttpFaultProxy } from "../faults/http-proxy/server.ts";
import { opsCopilotScript } from "../package/layout.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { startAlertmanager, startPrometheus } from "./monitoring.ts";
import { freePort, type ManagedProcess, type StartOptions, startOnPort } from "./process.ts";
import {
  copilotEnvironment,
  FIXTURES,
  HOST,
  type HttpProxyName,
  PROVIDER_SCRIPTS,
  PROVIDERS,
  type ProviderName,
  type ReferencePorts,
  referenceConfig,
  TCP_PROXIES,
  type TcpProxyName,
  tcpUpstreamPort,
} from "./reference-config.ts";
import { toolPath } from "./tool-path.ts";

/**
 * One state change the reference service recorded itself (its /debug/events), stamped with
 * wall-clock ms: the ground truth the accuracy tests hold the harness's measurements against. The
 * service is a separate process, so the harness keeps its own reading of that JSON.
 */
export interface GroundTruthEvent {
  t: number;
  type: string;
  detail?: Record<string, unknown>;
}

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

const RULES = join(FIXTURES, "monitoring", "rules", "ops-copilot.yml");

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/**
 * What every start step shares: where logs and pids go, fixed or free ports, and what has started
 * so far. A failed start stops `started` in reverse, so each step only has to register what it starts.
 */
interface Launch {
  logDir: string;
  dataDir: string;
  /** The pid file every started process is recorded in (for a crashed holder's leftovers). */
  stateFile: string;
  useFree: boolean;
  started: Stoppable[];
  /** The processes a process fault can restart, by name. */
  managed: Map<string, ManagedProcess>;
}

export async function startReferenceStack(o: ReferenceStackOptions): Promise<ReferenceStack> {
  const defects = checkedDefects(o.defects);
  const launch = prepareLaunch(o);
  const auditLog = join(o.dataDir, "audit.jsonl");
  const rules = alertRuleFile(o.dataDir, o.omitAlertRules ?? [], defects.includes("missing_alert_rule"));
  const stopAll = async (): Promise<void> => {
    for (const s of launch.started.splice(0).reverse()) await s.stop().catch(() => {});
  };
  try {
    const backends = await startBackends(launch);
    const tcp = await createTcpFaultPoints(launch, backends);
    const http = await startHttpFaultPoints(launch, backends, tcp);
    const portsWithoutCopilot = { ...backends, tcp, http };
    const copilotEnv = copilotEnvironment(portsWithoutCopilot, {
      auditLog,
      receiverUrl: o.receiverUrl,
      defects,
    });
    const copilot = await startCopilot(launch, copilotEnv);
    const ports: ReferencePorts = { ...portsWithoutCopilot, copilot };
    const monitoring = await startPrometheusAndAlertmanager(launch, {
      receiverUrl: o.receiverUrl,
      copilotPort: copilot,
      rulesFile: rules.path,
    });
    const config = referenceConfig(ports, {
      copilotEnv,
      prometheusUrl: monitoring.prometheusUrl,
      alertmanagerUrl: monitoring.alertmanagerUrl,
      receiverUrl: o.receiverUrl,
    });
    return {
      config,
      auditLog,
      ...stackControls(launch.managed, {
        copilotUrl: `http://${HOST}:${copilot}`,
        prometheusUrl: monitoring.prometheusUrl,
        rules,
      }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The defect switches asked for, all of them known ones (else an EnvironmentError naming the rest). */
function checkedDefects(asked: readonly string[] | undefined): string[] {
  const defects = [...(asked ?? [])];
  const unknown = defects.filter((d) => !(REFERENCE_DEFECTS as readonly string[]).includes(d));
  if (unknown.length) {
    throw new EnvironmentError(
      `reference stack: unknown defect ${unknown.join(", ")} (known: ${REFERENCE_DEFECTS.join(", ")})`,
    );
  }
  return defects;
}

function prepareLaunch(o: ReferenceStackOptions): Launch {
  mkdirSync(o.dataDir, { recursive: true });
  mkdirSync(o.logDir, { recursive: true });
  return {
    logDir: o.logDir,
    dataDir: o.dataDir,
    stateFile: join(o.dataDir, "pids.json"),
    useFree: o.freePorts ?? true,
    started: [],
    managed: new Map(),
  };
}

/** Prometheus's rule file: the bundled rules without the omitted alerts, and without MISSING_ALERT_RULE while that defect is on. */
export function alertRuleFile(
  dataDir: string,
  omitted: readonly string[],
  missingRule: boolean,
): { path: string; setMissingRule(on: boolean): void } {
  const path = join(dataDir, "rules", "ops-copilot.yml");
  const write = (missing: boolean): void => {
    const omit = new Set([...omitted, ...(missing ? [MISSING_ALERT_RULE] : [])]);
    writeFileSync(path, filterRules(readFileSync(RULES, "utf8"), omit));
  };
  mkdirSync(join(dataDir, "rules"), { recursive: true });
  write(missingRule);
  return { path, setMissingRule: write };
}

/** Starts a process on a free port (a new one when the first is taken before the bind), or its fixed one. */
async function startProcess(
  l: Launch,
  name: string,
  options: (port: number) => StartOptions,
  portName: PortName,
): Promise<number> {
  try {
    const fixed = l.useFree ? 0 : DEFAULT_PORTS[portName];
    const { process: proc, port: p } = await startOnPort(fixed, options, { host: HOST });
    l.managed.set(name, proc);
    l.started.push({ name, stop: () => proc.stop() });
    return p;
  } catch (err) {
    throw new EnvironmentError(
      `reference stack: ${name} did not start: ${(err as Error).message} (log: ${join(l.logDir, `${name}.log`)})`,
    );
  }
}

/** A script of fixtures/ops-copilot as a process on `port`, up when /healthz answers. */
function nodeScript(l: Launch, name: string, file: string, env: Record<string, string>) {
  return (p: number): StartOptions => ({
    name,
    command: process.execPath,
    args: [opsCopilotScript(file)],
    env: { ...env, HOST, PORT: String(p) },
    logDir: l.logDir,
    stateFile: l.stateFile,
    ready: { http: `http://${HOST}:${p}/healthz`, timeoutMs: 20_000 },
  });
}

/** Redis, toxiproxy-server and the fake providers: everything the fault points stand in front of. */
async function startBackends(l: Launch): Promise<Pick<ReferencePorts, "redis" | "toxiproxy" | "providers">> {
  const redis = await startProcess(
    l,
    "redis",
    (p) => ({
      name: "redis",
      command: toolPath("redis-server", "REDIS_SERVER_BIN"),
      args: ["--port", String(p), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", l.dataDir],
      logDir: l.logDir,
      stateFile: l.stateFile,
      ready: { tcp: { host: HOST, port: p } },
    }),
    "redis",
  );
  const toxiproxy = await startProcess(
    l,
    "toxiproxy",
    (p) => ({
      name: "toxiproxy",
      command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
      args: ["-host", HOST, "-port", String(p)],
      logDir: l.logDir,
      stateFile: l.stateFile,
      ready: { http: `http://${HOST}:${p}/version` },
    }),
    "toxiproxy",
  );
  const providers = Object.fromEntries(
    await Promise.all(
      PROVIDERS.map(async (name) => {
        const [file, env] = PROVIDER_SCRIPTS[name];
        return [name, await startProcess(l, name, nodeScript(l, name, file, env), name)] as const;
      }),
    ),
  ) as Record<ProviderName, number>;
  return { redis, toxiproxy, providers };
}

/**
 * The Toxiproxy proxies, one after the other. With free ports a listen port can be taken between
 * the pick and Toxiproxy's bind: the proxy is then created again on another (three tries).
 */
async function createTcpFaultPoints(
  l: Launch,
  backends: Pick<ReferencePorts, "redis" | "toxiproxy" | "providers">,
): Promise<Record<TcpProxyName, number>> {
  const toxiApi = `http://${HOST}:${backends.toxiproxy}`;
  const create = async (name: TcpProxyName): Promise<number> => {
    let lastError = "";
    for (let attempt = 0; attempt < (l.useFree ? 3 : 1); attempt++) {
      const listen = l.useFree ? await freePort(HOST) : DEFAULT_PORTS[`tcp:${name}`];
      const res = await fetch(`${toxiApi}/proxies`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name,
          listen: `${HOST}:${listen}`,
          upstream: `${HOST}:${tcpUpstreamPort(name, backends)}`,
          enabled: true,
        }),
      });
      lastError = `${res.status} ${await res.text()}`;
      if (res.ok) return listen;
      await fetch(`${toxiApi}/proxies/${name}`, { method: "DELETE" }).catch(() => {});
    }
    throw new EnvironmentError(
      `reference stack: toxiproxy proxy ${name} not created: ${lastError} (log: ${join(l.logDir, "toxiproxy.log")})`,
    );
  };
  const tcp = {} as Record<TcpProxyName, number>;
  for (const name of Object.keys(TCP_PROXIES) as TcpProxyName[]) tcp[name] = await create(name);
  return tcp;
}

/** The HTTP fault proxies, in process: llm-primary behind its TCP proxy, embeddings straight to the provider. */
async function startHttpFaultPoints(
  l: Launch,
  backends: Pick<ReferencePorts, "providers">,
  tcp: Record<TcpProxyName, number>,
): Promise<ReferencePorts["http"]> {
  const start = async (name: HttpProxyName, upstream: string) => {
    const hp = await startHttpFaultProxy({
      host: HOST,
      port: l.useFree ? 0 : DEFAULT_PORTS[`http:${name}`],
      upstream,
    }).catch((err: Error) => {
      throw new EnvironmentError(`reference stack: HTTP fault proxy ${name} did not start: ${err.message}`);
    });
    l.started.push({ name: `http-proxy ${name}`, stop: () => hp.close() });
    return { port: hp.port, upstream };
  };
  return {
    "llm-primary": await start("llm-primary", `http://${HOST}:${tcp["llm-primary-tcp"]}`),
    embeddings: await start("embeddings", `http://${HOST}:${backends.providers.embeddings}`),
  };
}

async function startCopilot(l: Launch, env: Record<string, string>): Promise<number> {
  return startProcess(l, "copilot", nodeScript(l, "copilot", "copilot.ts", env), "copilot");
}

/**
 * Alertmanager (delivering to the harness's receiver) and Prometheus (scraping the copilot, alerting
 * through that Alertmanager); up once Prometheus has scraped the copilot.
 */
async function startPrometheusAndAlertmanager(
  l: Launch,
  o: { receiverUrl: string; copilotPort: number; rulesFile: string },
): Promise<{ prometheusUrl: string; alertmanagerUrl: string }> {
  const receiver = o.receiverUrl.replace(/\/+$/, "");
  const am = await startAlertmanager({
    logDir: l.logDir,
    dataDir: join(l.dataDir, "alertmanager"),
    port: l.useFree ? undefined : DEFAULT_PORTS.alertmanager,
    receivers: [
      { name: "oncall", webhookUrl: `${receiver}/alerts/oncall` },
      { name: "security", webhookUrl: `${receiver}/alerts/security` },
    ],
    routes: [{ matchers: ['team="security"'], receiver: "security" }],
    defaultReceiver: "oncall",
    groupWait: "0s",
    stateFile: l.stateFile,
  }).catch((err: Error) => {
    throw new EnvironmentError(
      `reference stack: alertmanager did not start: ${err.message} (log: ${join(l.logDir, "alertmanager.log")})`,
    );
  });
  l.managed.set("alertmanager", am.process);
  l.started.push({ name: "alertmanager", stop: () => am.stop() });
  const prom = await startPrometheus({
    logDir: l.logDir,
    dataDir: join(l.dataDir, "prometheus"),
    port: l.useFree ? undefined : DEFAULT_PORTS.prometheus,
    scrapeTargets: [{ job: "copilot", target: `${HOST}:${o.copilotPort}` }],
    ruleFiles: [o.rulesFile],
    alertmanagerUrl: am.url,
    scrapeInterval: "1s",
    evaluationInterval: "1s",
    stateFile: l.stateFile,
  }).catch((err: Error) => {
    throw new EnvironmentError(
      `reference stack: prometheus did not start: ${err.message} (log: ${join(l.logDir, "prometheus.log")})`,
    );
  });
  l.managed.set("prometheus", prom.process);
  l.started.push({ name: "prometheus", stop: () => prom.stop() });
  // Until the first scrape, an event would be folded into the counters' first sample and rate-based
  // alert rules would never see it; the stack is up when Prometheus sees the copilot.
  await waitForScrape(prom.url, "copilot").catch((err: Error) => {
    throw new EnvironmentError(`reference stack: ${err.message} (log: ${join(l.logDir, "prometheus.log")})`);
  });
  return { prometheusUrl: prom.url, alertmanagerUrl: am.url };
}

/** What a run does to the running stack: restart its processes, read its ground truth, flip defects. */
function stackControls(
  managed: ReadonlyMap<string, ManagedProcess>,
  o: { copilotUrl: string; prometheusUrl: string; rules: { setMissingRule(on: boolean): void } },
): Pick<ReferenceStack, "processes" | "groundTruth" | "setDefect"> {
  const copilotJson = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${o.copilotUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`copilot ${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  return {
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
        o.rules.setMissingRule(on);
        const res = await fetch(`${o.prometheusUrl}/-/reload`, {
          method: "POST",
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`prometheus reload answered ${res.status}`);
      }
      await copilotJson("PUT", "/admin/defects", { [name]: on });
    },
  };
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
