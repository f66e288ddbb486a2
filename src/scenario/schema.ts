// The scenario model: what a team writes (input) and what the engine runs (output, durations in ms).
// Shape follows Chaos Toolkit (steady-state hypothesis → method → rollbacks) and k6's vocabulary.
import { z } from "zod";
import { parseDuration } from "./duration.ts";

export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

const name = z.string().min(1, "must not be empty");
const ratio = z.number().min(0).max(1);

// ---- faults ----------------------------------------------------------------------------------------

export const TOXIC_TYPES = [
  "latency",
  "timeout",
  "down",
  "reset_peer",
  "bandwidth",
  "slow_close",
  "slicer",
  "limit_data",
] as const;

export const toxiproxyFault = z.strictObject({
  kind: z.literal("toxiproxy"),
  /** A Toxiproxy proxy of the config (`proxies`, kind "toxiproxy"). */
  target: name,
  toxic: z.enum(TOXIC_TYPES),
  /** Toxiproxy toxic attributes, e.g. { latency: 300, jitter: 50 } or { timeout: 0 }. */
  attributes: z.record(z.string(), z.number()).default({}),
  /** Which direction the toxic acts on: "downstream" (responses, default) or "upstream" (requests). */
  stream: z.enum(["upstream", "downstream"]).default("downstream"),
  /** Share of connections affected, 0–1 (default 1). */
  toxicity: ratio.default(1),
  /** How long the toxic stays; removed after it (and on every exit path). Scaled by the profile. */
  duration,
});

export const HTTP_FAULT_STATUSES = [429, 500, 502, 503, 504] as const;

/** Which requests an HTTP fault applies to; every given field must match (default: all requests). */
export const httpMatch = z.strictObject({
  method: z.string().toUpperCase().optional(),
  /** e.g. "/v1/chat": requests whose path starts with it. */
  pathPrefix: z.string().startsWith("/").optional(),
  /** A request header with exactly this value. */
  header: z.strictObject({ name: name, value: z.string() }).optional(),
});

export const httpFault = z
  .strictObject({
    kind: z.literal("http"),
    /** An HTTP fault proxy of the config (`proxies`, kind "http"). */
    target: name,
    /** Answer with this status instead of forwarding: 429, 500, 502, 503 or 504. */
    status: z
      .number()
      .int()
      .refine((s) => (HTTP_FAULT_STATUSES as readonly number[]).includes(s), {
        message: `status must be one of ${HTTP_FAULT_STATUSES.join(", ")}`,
      })
      .optional(),
    /** Retry-After header sent with the status (a 429's back-off). Not scaled by profiles. */
    retryAfter: duration.optional(),
    /** Body of the status answer. */
    body: z.string().optional(),
    /** Latency added before forwarding. Not scaled by profiles. */
    latency: duration.optional(),
    /** Cut the response off after its head: the client gets a broken answer. */
    abort: z.boolean().default(false),
    /** Which requests are affected (default: all). */
    match: httpMatch.default({}),
    /** Share of matching requests affected, 0–100. */
    percent: z.number().min(0).max(100).default(100),
    /** How long the rule stays; removed after it (and on every exit path). Scaled by the profile. */
    duration,
  })
  .refine((f) => f.status !== undefined || f.latency !== undefined || f.abort, {
    message: "an http fault needs a status, a latency or abort: true",
  });

export const redisFault = z.strictObject({
  kind: z.literal("redis"),
  /** A Redis of the config (`redis`). */
  target: name,
  /** "all" is FLUSHDB; a pattern is SCAN MATCH + UNLINK (never KEYS). */
  purge: z.union([z.literal("all"), z.strictObject({ pattern: z.string().min(1) })]),
});

/** An HTTP call to a service of the config (flag flips, price changes, runbook steps). */
export const httpCall = z.strictObject({
  /** Default POST. */
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
  /** Path on the service's URL, e.g. "/flags/failover". */
  path: z.string().startsWith("/"),
  /** Sent as JSON. */
  body: z.unknown().optional(),
  /** The status the call must answer; any other fails the step (default: any 2xx). */
  expectStatus: z.number().int().min(100).max(599).optional(),
});

export const httpActionFault = z.strictObject({
  kind: z.literal("http-action"),
  /** A service from the config. */
  target: name,
  apply: httpCall,
  /** Undo call; when absent and `read` is given, the previous value read back is PUT/POSTed again. */
  revert: httpCall.optional(),
  /** Read endpoint used to capture the previous value before applying (journalled for cleanup). */
  read: z.strictObject({ path: z.string().startsWith("/") }).optional(),
  /** How long the change stays; absent means until the end of the scenario. */
  duration: duration.optional(),
});

export const processFault = z.strictObject({
  kind: z.literal("process"),
  /** A process of the config (`processes`) that the environment started. */
  target: name,
  /** SIGSTOP pauses it for `duration` (then SIGCONT); SIGKILL and SIGTERM end it (see `restart`). */
  signal: z.enum(["SIGSTOP", "SIGKILL", "SIGTERM"]),
  /** For SIGKILL/SIGTERM: start the process again when the fault ends. */
  restart: z.boolean().default(true),
  duration: duration.optional(),
});

export const faultSpec = z.discriminatedUnion("kind", [
  toxiproxyFault,
  httpFault,
  redisFault,
  httpActionFault,
  processFault,
]);

// ---- runbook steps (rollback drill) -------------------------------------------------------------

export const runbookAction = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("declare"),
    severity: z.enum(["Sev-1", "Sev-2", "Sev-3"]),
    note: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal("http"), target: name, call: httpCall }),
  z.strictObject({ kind: z.literal("wait-healthy"), within: duration }),
  z.strictObject({
    kind: z.literal("smoke"),
    target: name,
    flows: z.array(z.strictObject({ name: name, call: httpCall })).min(1),
  }),
  z.strictObject({ kind: z.literal("check-cost"), maxUsd: z.number().positive(), within: duration }),
  z.strictObject({ kind: z.literal("alerts-cleared"), names: z.array(name).default([]), within: duration }),
  z.strictObject({ kind: z.literal("note"), text: z.string() }),
]);

export const runbookStep = z.strictObject({
  id: name,
  title: name,
  actions: z.array(runbookAction).min(1),
});

// ---- timeline ----------------------------------------------------------------------------------------

/**
 * A step at an offset from the scenario start: either a fault to inject, or a decision that
 * records t_decision and executes the scenario's runbook, timing each step.
 */
export const timelineStep = z
  .strictObject({
    /** Offset from the scenario start, e.g. "2m". Scaled by the profile. */
    at: duration,
    /** A label for the journal and the report. */
    name: z.string().optional(),
    /** The fault to inject: one of the `fault.*` builders. */
    inject: faultSpec.optional(),
    /** A decision (e.g. "rollback"): records t_decision and runs the scenario's runbook. */
    decide: z.string().min(1).optional(),
  })
  .refine((st) => (st.inject === undefined) !== (st.decide === undefined), {
    message: "a timeline step needs exactly one of inject or decide",
  });

// ---- load ----------------------------------------------------------------------------------------------

/** One stage of a ramping load: the rate moves linearly to `target` requests/s over `duration`. */
export const stage = z.strictObject({
  /** Scaled by the profile. */
  duration,
  /** Requests per second at the end of the stage. */
  target: z.number().nonnegative(),
});

export const FAILURE_CLASSES = ["5xx", "429", "4xx", "network"] as const;
/** Which responses count as failures in error rate. */
const failOn = z.array(z.enum(FAILURE_CLASSES)).default(["5xx", "429", "network"]);

/** One request of a built-in HTTP load: a path on the load's target, with headers and a body. */
export const loadRequest = z.strictObject({
  /** Default GET. */
  method: z.string().toUpperCase().default("GET"),
  /** Path on the target's URL, e.g. "/v1/chat?stream=false". */
  path: z.string().startsWith("/", "must start with /"),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body: z.unknown().optional(),
  /** The `name` tag of this request's samples (k6's request name), e.g. "chat". */
  name: z.string().min(1).optional(),
});
export type LoadRequest = z.input<typeof loadRequest>;

/** What `record` sees of one response. Only the headers listed in `responseHeaders` are present. */
export interface LoadResponse {
  /** The request's index in the load (0, 1, 2, …), as handed to the request generator. */
  i: number;
  request: LoadRequest;
  /** Base URL of the load's target, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** HTTP status; 0 when no response came (refused, reset, timed out). */
  status: number;
  /** Why the request failed (network error or the status line of a 4xx/5xx); "" otherwise. */
  error: string;
  /** Request start, wall-clock epoch ms (fractional). */
  startedAt: number;
  latencyMs: number;
  /** Response headers asked for in `responseHeaders`, names in lower case. */
  headers: Readonly<Record<string, string>>;
  /** The response body (first 64 KiB) when `responseBody` is set. */
  body: string | undefined;
}

/** Adds one sample to the run's sample store; `t` defaults to the instant the response ended. */
export type EmitSample = (metric: string, value: number, tags?: Record<string, string>, t?: number) => void;
/** Turns one response into tagged samples (provider, unit cost, depth-k, cache hit, …). */
export type LoadRecorder = (res: LoadResponse, emit: EmitSample) => void | Promise<void>;
/** Builds request i; called in order while the load runs, so bodies can vary per request. */
export type RequestGenerator = (i: number) => LoadRequest;

const isFunction = (v: unknown) => typeof v === "function";

export const httpLoad = z
  .strictObject({
    kind: z.literal("http"),
    /** A service or proxy from the config; requests go to its URL. */
    target: name,
    /** Requests per second: the constant rate, or the start rate of `stages`. */
    rate: z.number().positive().optional(),
    /** Ramping arrival rate: linear from the previous target (or `rate`, else 0) to each stage's target. */
    stages: z.array(stage).min(1).optional(),
    /** Length of a constant-rate load; a staged load lasts the sum of its stages. */
    duration: duration.optional(),
    /**
     * One request `{ method, path, headers, body, name }` or a generator `(i) => request` (default: GET /).
     */
    request: z
      .union(
        [
          loadRequest,
          z.custom<RequestGenerator>(isFunction, {
            message: "must be a request or a function (i) => request",
          }),
        ],
        { error: "must be a request { method, path, headers, body, name } or a function (i) => request" },
      )
      .default({ method: "GET", path: "/", headers: {} }),
    /**
     * `(res, emit) => void`: turns each response into tagged samples,
     * e.g. `emit("provider_responses", 1, { provider })`.
     */
    record: z
      .custom<LoadRecorder>(isFunction, { message: "must be a function (res, emit) => void" })
      .optional(),
    /** Response headers handed to `record` (case-insensitive). */
    responseHeaders: z.array(z.string().min(1).toLowerCase()).default([]),
    /** Hand the response body (first 64 KiB) to `record`. */
    responseBody: z.boolean().default(false),
    /** Per-request timeout; not scaled by profiles (it is the client's, not the scenario's clock). */
    timeout: duration.default(10_000),
    /** Requests in flight at most; an arrival beyond it is dropped and counted (dropped_requests). */
    maxInFlight: z.number().int().positive().optional(),
    /** Reuse connections (default true). */
    keepAlive: z.boolean().default(true),
    /** Tags added to every request sample. */
    tags: z.record(z.string(), z.string()).default({}),
    /** What counts as a failed request: "5xx", "429", "4xx", "network" (default 5xx, 429, network). */
    failOn,
  })
  .superRefine((l, ctx) => {
    if (l.stages === undefined) {
      if (l.rate === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["rate"],
          message: "a load needs rate (with duration) or stages",
        });
      if (l.duration === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["duration"],
          message: "a constant-rate load needs a duration",
        });
    } else if (l.duration !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["duration"],
        message: "a staged load lasts the sum of its stages; leave duration out",
      });
    }
  });

export const k6Load = z.strictObject({
  kind: z.literal("k6"),
  /** Path of a k6 script (TypeScript or JavaScript), relative to the scenario file's folder or the project. */
  script: z.string().min(1),
  executor: z
    .enum(["constant-arrival-rate", "ramping-arrival-rate", "constant-vus"])
    .default("constant-arrival-rate"),
  /** Requests per second (arrival-rate executors). */
  rate: z.number().positive().optional(),
  /** Virtual users (constant-vus), or the pre-allocated VUs of an arrival-rate executor. */
  vus: z.number().int().positive().optional(),
  /** At most this many VUs (arrival-rate executors). */
  maxVUs: z.number().int().positive().optional(),
  /** Ramping arrival rate (executor "ramping-arrival-rate"). */
  stages: z.array(stage).optional(),
  /** Scaled by the profile. */
  duration: duration.optional(),
  /** Service (config name) or proxy whose URL is passed to the script as TARGET_URL. */
  target: z.string().optional(),
  /** Environment variables for the script (__ENV). */
  env: z.record(z.string(), z.string()).default({}),
  /** Tags added to every request sample. */
  tags: z.record(z.string(), z.string()).default({}),
  /** What counts as a failed request: "5xx", "429", "4xx", "network" (default 5xx, 429, network). */
  failOn,
});

export const loadSpec = z.discriminatedUnion("kind", [httpLoad, k6Load]);

// ---- steady state, expectations, stop conditions ----------------------------------------------------

/** The hypothesis' steady state: what "healthy" means for this scenario. */
export const steadyState = z.strictObject({
  /** 95th-percentile latency of the load's requests must stay at or below this, in ms. */
  p95Ms: z.number().positive().optional(),
  /** Share of failed requests (see the load's failOn), 0–1, must stay at or below this. */
  errorRate: ratio.optional(),
  /** Unit cost in USD per request must stay at or below this. */
  unitCostUsd: z.number().positive().optional(),
  /** How long every condition must hold for recovery to count. */
  sustain: duration.default(60_000),
});

const comparison = z.enum(["<", "<=", ">", ">=", "=="]);

/** An assertion over one series in one window of the run, e.g. depth-k during the fault is below 8. */
export const seriesCheck = z.strictObject({
  /** Shown in the verdict table and the report as check:<name>. */
  name: name,
  /** A sample series: "http_req_duration" (ms), "error_rate", a metric `record` emits, "probe:<name>", … */
  series: name,
  /** baseline (before the first fault), fault (while faults are active), after, or run (default fault). */
  window: z.enum(["baseline", "fault", "after", "run"]).default("fault"),
  /** How the window's samples become one value (default mean). */
  agg: z.enum(["min", "max", "mean", "last", "sum", "count", "p95"]).default("mean"),
  /** The check holds when `<agg of the series> <op> <value>`. */
  op: comparison,
  value: z.number(),
  /** A soft check turns WARN instead of FAIL. */
  hard: z.boolean().default(true),
});

/** Targets the run measures and judges, each a PASS, WARN or FAIL in the verdict table. */
export const expectations = z.strictObject({
  /** An alert must fire (time to detect ≤ ttd) and be acknowledged (MTTA ≤ mtta). */
  alert: z
    .strictObject({
      /** The alert's alertname label. */
      name: name,
      /** Receiver the alert must arrive on, e.g. "security" for the PII probe. */
      receiver: z.string().optional(),
      /** Time to detect: fault injected → alert firing. Scaled by the profile. */
      ttd: duration.optional(),
      /** Mean time to acknowledge: alert firing → acknowledged. Scaled by the profile. */
      mtta: duration.optional(),
    })
    .optional(),
  /** Traffic must move to `to` within `within`, with `success` as the share of good answers there. */
  failover: z
    .strictObject({
      /** Value of the `provider` tag that marks the secondary. */
      to: name,
      within: duration,
      success: ratio.default(1),
    })
    .optional(),
  /** First observation of the mitigation signal: a series crossing a value after t_inject. */
  mitigation: z
    .strictObject({ series: name, op: comparison, value: z.number(), within: duration })
    .optional(),
  /**
   * Time to recover: fault injected → the steady state holds again for its `sustain`. Scaled by the
   * profile.
   */
  ttr: duration.optional(),
  /**
   * Cost containment: the unit cost (USD per request) back at or below `max` within `within` of the fault.
   */
  unitCostUsd: z.strictObject({ max: z.number().positive(), within: duration.optional() }).optional(),
  /**
   * Of an SLO (`slo`: the share of good requests, e.g. 0.99), this run may burn at most `maxBurnPct` % of
   * the error budget.
   */
  errorBudget: z.strictObject({ slo: ratio, maxBurnPct: z.number().positive() }).optional(),
  /** Assertions over series in windows of the run, e.g. p95 of http_req_duration over the run ≤ 500. */
  checks: z.array(seriesCheck).default([]),
  /** Warn margin as a share of each time target: measured within target × (1 + margin) is WARN. */
  warnMargin: z.number().min(0).max(1).default(0.1),
});

/** Abort the scenario (faults undone) within 1 s once a condition has held for `for`. */
export const stopConditions = z.strictObject({
  /** Error rate above `above` (0–1) for `for`. */
  errorRate: z.strictObject({ above: ratio, for: duration.default(0) }).optional(),
  /** p95 latency above `above` ms for `for`. */
  p95Ms: z.strictObject({ above: z.number().positive(), for: duration.default(0) }).optional(),
});

/** A follow-up from the gameday: what, who, by when. */
export const actionItem = z.strictObject({ title: name, owner: name, eta: z.string().min(1) });

/** What the report records beyond measurements. */
export const record = z.strictObject({
  /** The risk that stays after this gameday. */
  residualRisk: z.string().default(""),
  /** Who owns the follow-up actions. */
  actionOwner: z.string().default(""),
  actions: z.array(actionItem).default([]),
  /** The seed matrix columns, for the report. */
  injection: z.string().optional(),
  expected: z.string().optional(),
  evidence: z.string().optional(),
});

export const scenarioSchema = z
  .strictObject({
    /** Lowercase letters, digits and dashes; unique in a run; names the scenario in reports and history. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "id must be lowercase letters, digits and dashes"),
    title: name,
    /** The team answering for the scenario, e.g. "SRE". */
    owner: name,
    /** What is expected to happen, in one sentence: the fault, and how the system copes. */
    hypothesis: name,
    tags: z.array(z.string()).default([]),
    /** `load.http({...})` (the built-in engine) or `load.k6(script, {...})` (your own k6). */
    load: loadSpec.optional(),
    /** What healthy means: p95Ms, errorRate, unitCostUsd, and how long it must hold (`sustain`). */
    steadyState: steadyState.default({ sustain: 60_000 }),
    /** Time before the first step used as the baseline window. Defaults to the first step's offset. */
    baseline: duration.optional(),
    /** Steps at offsets from the start: `{ at, inject: fault.*(...) }` or `{ at, decide: "rollback" }`. */
    timeline: z.array(timelineStep).default([]),
    /** The steps a decision runs and times (`act.*` actions); `file` names the runbook document. */
    runbook: z.strictObject({ file: z.string().optional(), steps: z.array(runbookStep).min(1) }).optional(),
    /** Targets: alert, failover, mitigation, ttr, unitCostUsd, errorBudget, checks. */
    expect: expectations.default({ checks: [], warnMargin: 0.1 }),
    /** Abort conditions: stop the scenario when errors or latency go too far. */
    stopIf: stopConditions.default({}),
    /** Total planned duration; defaults to the load duration or the end of the last fault plus sustain. */
    duration: duration.optional(),
    /**
     * For the report: residual risk, action owner and items, and the matrix's injection, expected,
     * evidence.
     */
    record: record.default({ residualRisk: "", actionOwner: "", actions: [] }),
  })
  .superRefine((s, ctx) => {
    s.timeline.forEach((step, i) => {
      if (step.decide !== undefined && !s.runbook) {
        ctx.addIssue({
          code: "custom",
          path: ["timeline", i, "decide"],
          message: "a decision step needs a runbook",
        });
      }
    });
    if (
      s.expect.ttr !== undefined &&
      s.steadyState.p95Ms === undefined &&
      s.steadyState.errorRate === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["steadyState"],
        message: "expect.ttr needs a steady state (p95Ms or errorRate) to recover to",
      });
    }
  });

export type FaultSpec = z.output<typeof faultSpec>;
export type FaultSpecInput = z.input<typeof faultSpec>;
export type FaultKind = FaultSpec["kind"];
export type ToxiproxyFault = z.output<typeof toxiproxyFault>;
export type HttpFault = z.output<typeof httpFault>;
export type RedisFault = z.output<typeof redisFault>;
export type HttpActionFault = z.output<typeof httpActionFault>;
export type ProcessFault = z.output<typeof processFault>;
export type HttpCall = z.output<typeof httpCall>;
export type RunbookAction = z.output<typeof runbookAction>;
export type RunbookStep = z.output<typeof runbookStep>;
export type TimelineStep = z.output<typeof timelineStep>;
export type K6Load = z.output<typeof k6Load>;
export type HttpLoad = z.output<typeof httpLoad>;
export type HttpLoadInput = z.input<typeof httpLoad>;
export type LoadSpec = z.output<typeof loadSpec>;
export type SteadyState = z.output<typeof steadyState>;
export type SeriesCheck = z.output<typeof seriesCheck>;
export type Expectations = z.output<typeof expectations>;
export type StopConditions = z.output<typeof stopConditions>;
export type ScenarioRecord = z.output<typeof record>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
