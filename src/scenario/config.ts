// The run config (gameday.config.ts): names every target a scenario may touch and how it comes up.
// Scenarios refer to targets by name only, so the same scenario runs against the reference stack,
// a local process set or a team's staging.
import { Cron } from "croner";
import { z } from "zod";
import { duration } from "./schema.ts";

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "names are lowercase letters, digits, - and _");
/** host:port; port 0 asks the local provider for a free port. */
const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, "must be host:port");
const url = z.string().url();

export const proxyConfig = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("toxiproxy"),
    /** What scenarios call it (fault.latency / fault.toxic target). */
    name,
    /** Where clients (the service, load) reach the proxy. */
    listen: hostPort,
    /** host:port the proxy forwards to. */
    upstream: hostPort,
    /**
     * Where Toxiproxy itself listens, when that differs from `listen` (Toxiproxy in a container: its
     * port inside, while clients use the host's mapped port). Default: `listen`.
     */
    bind: hostPort.optional(),
  }),
  z.strictObject({
    kind: z.literal("http"),
    /** What scenarios call it (fault.httpStatus / fault.http target). */
    name,
    /** host:port where it listens; the local provider starts it (port 0: a free port). */
    listen: hostPort,
    /** The URL it forwards to. */
    upstream: url,
    /** Bearer token of the proxy's control API (`gameday proxy --token`); required off loopback. */
    token: z.string().min(1).optional(),
  }),
]);

export const serviceConfig = z.strictObject({
  /** What scenarios call it (load target, fault.httpAction and runbook targets). */
  name,
  /** Its base URL; request paths are appended to it. */
  url,
  /** Path answering 2xx when healthy; used for readiness and wait-healthy steps. */
  health: z.string().startsWith("/").default("/healthz"),
});

export const redisConfig = z.strictObject({
  /** What scenarios call it (fault.cachePurge target). */
  name,
  /** redis://host:port[/db]; port 0 asks the local provider to start a redis-server. */
  url: z.string().regex(/^redis:\/\//, "must be a redis:// URL"),
});

export const processConfig = z.strictObject({
  /** What scenarios call it (fault.signal target). */
  name,
  /** Command the local provider starts (and restarts after a SIGKILL fault). */
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()).default({}),
  /** Readiness: a TCP port or an HTTP URL that must answer before the process counts as up. */
  ready: z.union([z.strictObject({ tcp: hostPort }), z.strictObject({ http: url })]).optional(),
});

export const probeConfig = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("http"),
    name,
    url,
    interval: duration.default(1_000),
    timeout: duration.default(2_000),
    expectStatus: z.number().int().default(200),
    /** Dot path of a numeric JSON field to record as the probe's value. */
    field: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal("scrape"),
    name,
    url,
    interval: duration.default(1_000),
    timeout: duration.default(2_000),
    /** Metric names (with optional {label="v"} selectors) to record from the exposition. */
    metrics: z.array(z.string()).min(1),
  }),
  z.strictObject({
    kind: z.literal("promql"),
    name,
    query: z.string().min(1),
    interval: duration.default(1_000),
    timeout: duration.default(2_000),
  }),
]);

const unitTolerance = z.number().min(0);

/** Whether croner reads the pattern (schedules, rollout freeze windows). */
export function validCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
const DAY_MS = 86_400_000;

/** The run store and how runs are judged against it (docs/ci.md). */
export const historyConfig = z.strictObject({
  /** A shared PostgreSQL store (postgres://user:pass@host/db); wins over `path`. */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//i, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /** The SQLite file; default history.sqlite in the reports folder. */
  path: z.string().min(1).optional(),
  regression: z
    .strictObject({
      /** A regression makes the measurement FAIL (default) or only WARN. */
      fail: z.boolean().default(true),
      /** Normal runs, up to the baseline, whose spread is the noise band. */
      window: z.number().int().min(1).max(1_000).default(10),
      /** Band half-width in robust standard deviations (1.4826 × MAD). */
      k: z.number().positive().default(3),
      /** Minimum band half-width by unit (ms, usd, ratio, pct, count, value) or metric name; times as durations. */
      minDelta: z.record(z.string(), z.union([unitTolerance, duration])).default({}),
      /** Metrics compared: names, or prefixes ending in "*" (e.g. "check:*"). */
      metrics: z.array(z.string().min(1)).min(1).optional(),
    })
    .prefault({}),
  /** A scenario not run for this long is stale and scores 0. */
  staleAfter: duration.default(30 * DAY_MS),
  score: z
    .strictObject({
      /** Runs older than this do not count. */
      window: duration.default(30 * DAY_MS),
      /** A run this old counts half. */
      halfLife: duration.default(7 * DAY_MS),
      /** Share of runs expected to pass; 1 − objective is the budget the burn is measured on. */
      objective: z.number().gt(0).lt(1).default(0.9),
    })
    .prefault({}),
});

/** A gameday `gameday serve` starts on a cron schedule (docs/serve.md). */
export const scheduleConfig = z.strictObject({
  name,
  /** Five fields (minute precision) or six (a leading seconds field), as croner reads them. */
  cron: z.string().refine(validCron, { message: 'not a cron pattern croner can read (e.g. "0 10 * * 2")' }),
  /** Scenario files or folders, relative to the config's folder. */
  scenarios: z.array(z.string().min(1)).min(1),
  profile: z.enum(["real", "ci"]).default("real"),
  /** IANA time zone the cron is read in (default: the server's). */
  timezone: z
    .string()
    .refine(validTimeZone, { message: "not an IANA time zone (e.g. Europe/Berlin)" })
    .optional(),
  /** Compare each scheduled run with this baseline (as `run --baseline`). */
  baseline: z.string().min(1).optional(),
});

/** Where `gameday serve` posts run outcomes and stakeholder updates. */
export const webhookConfig = z.strictObject({
  name,
  url,
  /** slack: an incoming-webhook body ({ text, blocks }); json: the generic event object. */
  format: z.enum(["slack", "json"]).default("json"),
  /** Which events it gets: fail, error, regression (scheduled or API runs), update (IC updates). */
  on: z
    .array(z.enum(["fail", "error", "regression", "update"]))
    .min(1)
    .default(["fail", "error", "regression", "update"]),
  /** Extra request headers (e.g. an authorization header the receiving end wants). */
  headers: z.record(z.string(), z.string()).default({}),
});

/** A console panel: one PromQL query against the config's Prometheus, in one of the seed's groups. */
export const panelConfig = z.strictObject({
  group: z.enum(["SRE", "FinOps", "Safety", "Product"]),
  title: z.string().min(1),
  query: z.string().min(1),
  unit: z.enum(["ms", "ratio", "usd", "count", "rps", "value"]).default("value"),
});

export const serveConfig = z.strictObject({
  /** Where the console and API listen; off loopback a token is required. */
  listen: hostPort.default("127.0.0.1:8090"),
  token: z.string().min(8, "a serve token needs at least 8 characters").optional(),
  /** The console's address as people reach it (behind a proxy), for links in notifications. */
  publicUrl: url.optional(),
  /** Console panels; absent: the reference stack's panels when the provider is "reference", else none. */
  panels: z.array(panelConfig).optional(),
});

/**
 * Where the alert receiver listens when the config does not say: the documented, fixed address an
 * external Alertmanager (or any other sender the user configures) delivers to.
 */
export const DEFAULT_RECEIVER_LISTEN = "127.0.0.1:9095";
/**
 * The same for provider "reference": a free loopback port (port 0), because the harness writes the
 * stack's Alertmanager config itself and two reference runs on one machine must not collide.
 */
export const REFERENCE_RECEIVER_LISTEN = "127.0.0.1:0";

const configFields = z.strictObject({
  /** Who brings the targets up: given URLs, local processes, the bundled reference stack, or containers. */
  provider: z.enum(["external", "local", "reference", "testcontainers"]).default("external"),
  /** Non-loopback hosts a run may touch. Empty means loopback only. */
  allowHosts: z.array(z.string()).default([]),
  /** The Toxiproxy API (host:port) that `proxies` of kind "toxiproxy" live on. */
  toxiproxy: z.strictObject({ api: hostPort }).optional(),
  /**
   * Fault proxies scenarios inject through: kind "toxiproxy" (TCP faults) or "http" (gameday's HTTP fault
   * proxy).
   */
  proxies: z.array(proxyConfig).default([]),
  /** The services under test, by name: load targets, httpAction and runbook targets. */
  services: z.array(serviceConfig).default([]),
  /** Redis instances fault.cachePurge may purge. */
  redis: z.array(redisConfig).default([]),
  /** Commands the local provider starts (and fault.signal may stop). */
  processes: z.array(processConfig).default([]),
  /** Prometheus, for PromQL probes, the console's panels and rollout gates. */
  prometheus: z.strictObject({ url }).optional(),
  /** Alertmanager, for rollout gates on alerts; alerts reach a run through its webhook to `receiver`. */
  alertmanager: z.strictObject({ url }).optional(),
  /**
   * The harness's alert receiver. listen: as given when set; otherwise DEFAULT_RECEIVER_LISTEN, or
   * REFERENCE_RECEIVER_LISTEN for provider "reference" (the port is chosen when the run starts).
   */
  receiver: z.strictObject({ listen: hostPort.optional(), token: z.string().optional() }).prefault({}),
  /** Readings sampled into every run (HTTP, Prometheus scrape, PromQL), for expect.checks. */
  probes: z.array(probeConfig).default([]),
  /** Unattended runs: acknowledge alerts after this delay; such acks are labelled synthetic. */
  autoAck: z.strictObject({ after: duration }).optional(),
  /** Where run folders and the run history go, relative to the working directory (default "reports"). */
  reportsDir: z.string().default("reports"),
  /** A folder of `<name>.hbs` files that replace bundled report templates of the same name in runs. */
  reportTemplates: z.string().min(1).optional(),
  history: historyConfig.prefault({}),
  /** `gameday serve` and `gameday run --ui`: where the console listens, its token, its panels. */
  serve: serveConfig.prefault({}),
  /** Gamedays `gameday serve` starts on a cron schedule. */
  schedules: z
    .array(scheduleConfig)
    .default([])
    .refine((list) => new Set(list.map((s) => s.name)).size === list.length, {
      message: "schedule names must be unique",
    }),
  /** Where `gameday serve` posts failed runs, regressions and stakeholder updates. */
  notify: z.strictObject({ webhooks: z.array(webhookConfig).default([]) }).prefault({}),
  /**
   * Rollout files or folders (a folder: its *.ts and *.js files), relative to the config's folder,
   * like `schedules[].scenarios`. `gameday serve` loads them at start (exit 2 if one does not load)
   * and answers POST /api/v1/system/gate-checkpoint for them (docs/api.md).
   */
  rollouts: z.array(z.string().min(1)).default([]),
});

export const configSchema = configFields.transform((c) => ({
  ...c,
  receiver: {
    ...c.receiver,
    listen:
      c.receiver.listen ?? (c.provider === "reference" ? REFERENCE_RECEIVER_LISTEN : DEFAULT_RECEIVER_LISTEN),
  },
}));

export type ProxyConfig = z.output<typeof proxyConfig>;
export type ServiceConfig = z.output<typeof serviceConfig>;
export type RedisConfig = z.output<typeof redisConfig>;
export type ProcessConfig = z.output<typeof processConfig>;
export type ProbeConfig = z.output<typeof probeConfig>;
export type HistoryConfig = z.output<typeof historyConfig>;
export type ScheduleConfig = z.output<typeof scheduleConfig>;
export type WebhookConfig = z.output<typeof webhookConfig>;
export type PanelConfig = z.output<typeof panelConfig>;
export type ServeConfig = z.output<typeof serveConfig>;
export type GamedayConfig = z.output<typeof configSchema>;
export type GamedayConfigInput = z.input<typeof configSchema>;
