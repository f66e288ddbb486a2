// Starts the Debian Prometheus and Alertmanager binaries on loopback with configs tuned for the
// fastest alert delivery the pair allows (1 s scrape and evaluation, group_wait 0s), so that a
// compressed `ci` run still sees its alerts. Configs are written as YAML into the data folder;
// nothing outside it is touched.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { onPath } from "../tools/executable.ts";
import { type ManagedProcess, type StartOptions, startOnPort } from "./process.ts";

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  /** Metrics path; default /metrics. */
  path?: string;
}

export interface PrometheusOptions {
  logDir: string;
  dataDir: string;
  /** 0 or absent: a free loopback port. */
  port?: number;
  scrapeTargets: ScrapeTarget[];
  /** Prometheus rule files, by path. */
  ruleFiles: string[];
  /** Base URL of the Alertmanager that receives the alerts, e.g. http://127.0.0.1:9093. */
  alertmanagerUrl?: string;
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Records the pid so `gameday cleanup` can stop it after a crash. */
  stateFile?: string;
  /** Process name (log file <name>.log and state key); default "prometheus". */
  name?: string;
}

export interface AlertmanagerReceiver {
  name: string;
  webhookUrl: string;
  /** Sent as `Authorization: Bearer …` when the receiver requires a token. */
  bearerToken?: string;
}

export interface AlertmanagerOptions {
  logDir: string;
  dataDir: string;
  port?: number;
  receivers: AlertmanagerReceiver[];
  /** Routes tried in order; the first whose matchers all hold wins. Matchers like 'team="security"'. */
  routes?: Array<{ matchers: string[]; receiver: string }>;
  defaultReceiver: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  stateFile?: string;
  /** Process name; default "alertmanager". */
  name?: string;
}

export interface MonitoringProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

export function prometheusConfig(o: PrometheusOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: o.scrapeInterval ?? "1s",
      scrape_timeout: o.scrapeInterval ?? "1s",
      evaluation_interval: o.evaluationInterval ?? "1s",
    },
    rule_files: o.ruleFiles.map((f) => resolve(f)),
    scrape_configs: o.scrapeTargets.map((t) => ({
      job_name: t.job,
      metrics_path: t.path ?? "/metrics",
      static_configs: [{ targets: [t.target] }],
    })),
  };
  if (o.alertmanagerUrl) {
    const u = new URL(o.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [
        {
          scheme: u.protocol.replace(":", ""),
          path_prefix: u.pathname === "/" ? "/" : u.pathname,
          timeout: "2s",
          static_configs: [{ targets: [u.host] }],
        },
      ],
    };
  }
  return config;
}

export function alertmanagerConfig(o: AlertmanagerOptions): Record<string, unknown> {
  const names = new Set(o.receivers.map((r) => r.name));
  for (const want of [o.defaultReceiver, ...(o.routes ?? []).map((r) => r.receiver)]) {
    if (!names.has(want))
      throw new Error(
        `alertmanager: route names receiver "${want}", which is not among receivers [${[...names].join(", ")}]`,
      );
  }
  return {
    route: {
      receiver: o.defaultReceiver,
      // Every distinct label set is its own group, so a new alert never waits behind another one.
      group_by: ["..."],
      group_wait: o.groupWait ?? "0s",
      group_interval: o.groupInterval ?? "1s",
      repeat_interval: o.repeatInterval ?? "1h",
      routes: (o.routes ?? []).map((r) => ({ receiver: r.receiver, matchers: r.matchers, continue: false })),
    },
    receivers: o.receivers.map((r) => ({
      name: r.name,
      webhook_configs: [
        {
          url: r.webhookUrl,
          send_resolved: true,
          max_alerts: 0,
          ...(r.bearerToken
            ? { http_config: { authorization: { type: "Bearer", credentials: r.bearerToken } } }
            : {}),
        },
      ],
    })),
  };
}

export async function startPrometheus(o: PrometheusOptions): Promise<MonitoringProcess> {
  for (const f of o.ruleFiles) {
    if (!existsSync(f)) throw new Error(`prometheus: rule file ${f} does not exist`);
  }
  mkdirSync(o.dataDir, { recursive: true });
  const configFile = join(o.dataDir, "prometheus.yml");
  writeFileSync(configFile, stringify(prometheusConfig(o)));
  const name = o.name ?? "prometheus";
  const command = binary("GAMEDAY_PROMETHEUS", ["prometheus"]);
  return startMonitoring(o.port, name, o.logDir, (port) => ({
    name,
    command,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(o.dataDir, "tsdb")}`,
      `--web.listen-address=${HOST}:${port}`,
      "--web.enable-lifecycle",
      // The first notification of a firing alert is sent at once; this only spaces re-sends.
      "--rules.alert.resend-delay=1s",
      "--log.level=info",
    ],
    logDir: o.logDir,
    stateFile: o.stateFile,
    ready: { http: `http://${HOST}:${port}/-/ready`, timeoutMs: 30_000 },
  }));
}

export async function startAlertmanager(o: AlertmanagerOptions): Promise<MonitoringProcess> {
  mkdirSync(o.dataDir, { recursive: true });
  const configFile = join(o.dataDir, "alertmanager.yml");
  writeFileSync(configFile, stringify(alertmanagerConfig(o)));
  const name = o.name ?? "alertmanager";
  const command = binary("GAMEDAY_ALERTMANAGER", ["prometheus-alertmanager", "alertmanager"]);
  return startMonitoring(o.port, name, o.logDir, (port) => ({
    name,
    command,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(o.dataDir, "am-data")}`,
      `--web.listen-address=${HOST}:${port}`,
      // An empty address turns the gossip cluster off (no second port, no settle wait).
      "--cluster.listen-address=",
      "--log.level=info",
    ],
    logDir: o.logDir,
    stateFile: o.stateFile,
    ready: { http: `http://${HOST}:${port}/-/ready`, timeoutMs: 30_000 },
  }));
}

async function startMonitoring(
  fixedPort: number | undefined,
  name: string,
  logDir: string,
  options: (port: number) => StartOptions,
): Promise<MonitoringProcess> {
  try {
    const { process: proc, port } = await startOnPort(fixedPort ?? 0, options, { host: HOST });
    return { url: `http://${HOST}:${port}`, port, process: proc, stop: () => proc.stop() };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${logTail(join(logDir, `${name}.log`))}`);
  }
}

/** The binary's own complaint (its error lines, else the log's tail), so a config error shows in the thrown message. */
function logTail(file: string, lines = 6): string {
  try {
    const all = readFileSync(file, "utf8").trimEnd().split("\n");
    const errors = all.filter((l) => /level=(error|fatal)/.test(l));
    return (errors.length ? errors : all).slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function binary(envVar: string, candidates: string[]): string {
  const override = process.env[envVar];
  if (override) return override;
  for (const c of candidates) {
    const found = onPath(c);
    if (found) return found;
  }
  throw new Error(
    `none of ${candidates.join(", ")} is on PATH (install Debian's prometheus packages or set ${envVar})`,
  );
}
