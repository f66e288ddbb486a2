// The run config (gameday.config.ts): names every target a scenario may touch and how it comes up.
// Scenarios refer to targets by name only, so the same scenario runs against the reference stack,
// a local process set or a team's staging.
import { z } from "zod";
import { duration } from "./schema.ts";

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "names are lowercase letters, digits, - and _");
/** host:port; port 0 asks the local provider for a free port. */
const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, "must be host:port");
const url = z.string().url();

export const proxyConfig = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("toxiproxy"),
    name,
    /** Where clients (the service, load) reach the proxy. */
    listen: hostPort,
    upstream: hostPort,
    /**
     * Where Toxiproxy itself listens, when that differs from `listen` (Toxiproxy in a container: its
     * port inside, while clients use the host's mapped port). Default: `listen`.
     */
    bind: hostPort.optional(),
  }),
  z.strictObject({
    kind: z.literal("http"),
    name,
    listen: hostPort,
    upstream: url,
    /** Bearer token of the proxy's control API (`gameday proxy --token`); required off loopback. */
    token: z.string().min(1).optional(),
  }),
]);

export const serviceConfig = z.strictObject({
  name,
  url,
  /** Path answering 2xx when healthy; used for readiness and wait-healthy steps. */
  health: z.string().startsWith("/").default("/healthz"),
});

export const redisConfig = z.strictObject({
  name,
  url: z.string().regex(/^redis:\/\//, "must be a redis:// URL"),
});

export const processConfig = z.strictObject({
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

export const configSchema = z.strictObject({
  /** Who brings the targets up: given URLs, local processes, the bundled reference stack, or containers. */
  provider: z.enum(["external", "local", "reference", "testcontainers"]).default("external"),
  /** Non-loopback hosts a run may touch. Empty means loopback only. */
  allowHosts: z.array(z.string()).default([]),
  toxiproxy: z.strictObject({ api: hostPort }).optional(),
  proxies: z.array(proxyConfig).default([]),
  services: z.array(serviceConfig).default([]),
  redis: z.array(redisConfig).default([]),
  processes: z.array(processConfig).default([]),
  prometheus: z.strictObject({ url }).optional(),
  alertmanager: z.strictObject({ url }).optional(),
  receiver: z
    .strictObject({ listen: hostPort.default("127.0.0.1:9095"), token: z.string().optional() })
    .default({ listen: "127.0.0.1:9095" }),
  probes: z.array(probeConfig).default([]),
  /** Unattended runs: acknowledge alerts after this delay; such acks are labelled synthetic. */
  autoAck: z.strictObject({ after: duration }).optional(),
  reportsDir: z.string().default("reports"),
  /** A folder of `<name>.hbs` files that replace bundled report templates of the same name in runs. */
  reportTemplates: z.string().min(1).optional(),
  history: historyConfig.prefault({}),
});

export type ProxyConfig = z.output<typeof proxyConfig>;
export type ServiceConfig = z.output<typeof serviceConfig>;
export type RedisConfig = z.output<typeof redisConfig>;
export type ProcessConfig = z.output<typeof processConfig>;
export type ProbeConfig = z.output<typeof probeConfig>;
export type HistoryConfig = z.output<typeof historyConfig>;
export type GamedayConfig = z.output<typeof configSchema>;
export type GamedayConfigInput = z.input<typeof configSchema>;
