// What scenario files import: typed builders that read like the seed's gameday matrix.
// They only shape plain objects; validation happens in the loader so that every problem in a file
// is reported at once with its path.
import type { GamedayConfigInput } from "./config.ts";
import type { DurationInput } from "./duration.ts";
import type { FaultSpecInput, ScenarioInput } from "./schema.ts";
import type { z } from "zod";
import type { HttpLoadInput, httpCall, k6Load, runbookAction, toxiproxyFault, httpFault } from "./schema.ts";

export const SCENARIO_BRAND = Symbol.for("gameday.scenario");
export const CONFIG_BRAND = Symbol.for("gameday.config");

export type Branded<T> = T & { readonly [SCENARIO_BRAND]?: true };

/**
 * Declares a scenario: the default export of a scenario file. One row of a gameday matrix: who
 * (`owner`), what is expected (`hypothesis`), the load, the steady state, the faults on the
 * `timeline`, the targets in `expect`, and what the report records. Checked by `gameday validate`.
 *
 * @example
 * export default defineScenario({
 *   id: "checkout-503s", title: "Payments answers 503", owner: "SRE",
 *   hypothesis: "A fifth of payment calls fail for 2 min; checkout retries and stays under 1 % errors",
 *   load: load.http({ target: "checkout", rate: 10, duration: "5m" }),
 *   steadyState: { p95Ms: 800, errorRate: 0.01, sustain: "60s" },
 *   timeline: [{ at: "1m", inject: fault.httpStatus("payments", { status: 503, percent: 20, duration: "2m" }) }],
 *   expect: { ttr: "3m" },
 * });
 */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return Object.defineProperty({ ...scenario }, SCENARIO_BRAND, { value: true, enumerable: false });
}

/**
 * Declares the run config: the default export of gameday.config.ts (or .mts, .js, .mjs). Names
 * every target scenarios may touch (services, proxies, redis, processes) and how they come up
 * (`provider`); a host off loopback must be listed in `allowHosts`.
 *
 * @example
 * export default defineConfig({
 *   provider: "external",
 *   services: [{ name: "checkout", url: "http://127.0.0.1:8080" }],
 *   proxies: [{ kind: "http", name: "payments", listen: "127.0.0.1:8081", upstream: "http://127.0.0.1:9000" }],
 * });
 */
export function defineConfig(config: GamedayConfigInput): GamedayConfigInput {
  return Object.defineProperty({ ...config }, CONFIG_BRAND, { value: true, enumerable: false });
}

type ToxicOptions = Omit<z.input<typeof toxiproxyFault>, "kind" | "target" | "toxic">;
type HttpFaultOptions = Omit<z.input<typeof httpFault>, "kind" | "target">;

/**
 * Fault builders, one per kind of fault the drivers know; each goes in a timeline step,
 * `{ at: "2m", inject: fault.httpStatus("payments", { status: 503, duration: "5m" }) }`. The target
 * is a name from the config, and every fault is undone when its duration ends and on every exit path.
 */
export const fault = {
  /**
   * Toxiproxy latency on a proxy of kind "toxiproxy": `latency` and `jitter` in ms (not scaled by
   * profiles), for `duration` (scaled).
   */
  latency(
    target: string,
    o: { latency: number; jitter?: number; duration: DurationInput } & Omit<
      ToxicOptions,
      "attributes" | "duration"
    >,
  ): FaultSpecInput {
    const { latency, jitter = 0, ...rest } = o;
    return { kind: "toxiproxy", target, toxic: "latency", attributes: { latency, jitter }, ...rest };
  },
  /**
   * Any Toxiproxy toxic on a proxy of kind "toxiproxy": timeout, down, reset_peer, bandwidth,
   * slow_close, slicer, limit_data, with its `attributes` (e.g. `{ timeout: 0 }`).
   */
  toxic(target: string, toxic: z.input<typeof toxiproxyFault>["toxic"], o: ToxicOptions): FaultSpecInput {
    return { kind: "toxiproxy", target, toxic, ...o };
  },
  /**
   * The HTTP fault proxy (a proxy of kind "http") answers with a status (429, 500, 502, 503, 504)
   * instead of forwarding, optionally with Retry-After; `percent` and `match` pick the requests.
   */
  httpStatus(target: string, o: Omit<HttpFaultOptions, "status"> & { status: number }): FaultSpecInput {
    return { kind: "http", target, ...o };
  },
  /**
   * Any HTTP fault proxy rule: a status, added `latency`, or `abort: true` (responses cut off), for
   * the requests `match` and `percent` pick.
   */
  http(target: string, o: HttpFaultOptions): FaultSpecInput {
    return { kind: "http", target, ...o };
  },
  /** Purge a Redis cache: "all" (FLUSHDB) or keys matching a pattern (SCAN + UNLINK). */
  cachePurge(target: string, purge: "all" | { pattern: string } = "all"): FaultSpecInput {
    return { kind: "redis", target, purge };
  },
  /**
   * An HTTP call to a service of the config that changes something (a flag, a price): `apply`, and
   * `revert` to undo it, or `read` to capture the previous value and write it back.
   */
  httpAction(
    target: string,
    o: {
      apply: z.input<typeof httpCall>;
      revert?: z.input<typeof httpCall>;
      read?: { path: string };
      duration?: DurationInput;
    },
  ): FaultSpecInput {
    return { kind: "http-action", target, ...o };
  },
  /**
   * Signal a process of the config that the environment started: SIGSTOP (paused for `duration`),
   * SIGKILL/SIGTERM (restarted after, unless `restart: false`).
   */
  signal(
    target: string,
    signal: "SIGSTOP" | "SIGKILL" | "SIGTERM",
    o: { duration?: DurationInput; restart?: boolean } = {},
  ): FaultSpecInput {
    return { kind: "process", target, signal, ...o };
  },
};

/** Load builders: the scenario's `load`. */
export const load = {
  /**
   * The built-in engine (Vegeta): an open-model arrival rate at a service or proxy of the config.
   * `rate` + `duration`, or `stages` (linear ramps, k6's ramping-arrival-rate); `request` is one
   * request or a generator `(i) => request`; `record(res, emit)` turns each response into samples.
   */
  http(options: Omit<HttpLoadInput, "kind">): HttpLoadInput {
    return { kind: "http", ...options };
  },
  /**
   * A k6 script, run by your own k6 (K6_BIN or PATH): gameday never installs k6 (AGPL-3.0).
   * For teams with existing k6 scripts; new scenarios use load.http.
   */
  k6(script: string, options: Omit<z.input<typeof k6Load>, "kind" | "script"> = {}): z.input<typeof k6Load> {
    return { kind: "k6", script, ...options };
  },
};

type Action = z.input<typeof runbookAction>;

/** Runbook actions for drills (the rollback runbook's steps); each is timed in the report. */
export const act = {
  /** Declares an incident of this severity (recorded as the step's instant). */
  declare(severity: "Sev-1" | "Sev-2" | "Sev-3", note?: string): Action {
    return { kind: "declare", severity, note };
  },
  /** An HTTP call to a service of the config, e.g. flipping a flag back. */
  http(target: string, call: z.input<typeof httpCall>): Action {
    return { kind: "http", target, call };
  },
  /**
   * Waits until every service's health path answers 200 and the load meets the steady state, at most
   * `within`.
   */
  waitHealthy(within: DurationInput): Action {
    return { kind: "wait-healthy", within };
  },
  /** Calls each flow on a service; every one must answer as expected. */
  smoke(target: string, flows: Array<{ name: string; call: z.input<typeof httpCall> }>): Action {
    return { kind: "smoke", target, flows };
  },
  /** Waits until the unit cost is at or below `maxUsd`, at most `within`. */
  checkCost(maxUsd: number, within: DurationInput): Action {
    return { kind: "check-cost", maxUsd, within };
  },
  /** Waits until the named alerts (default: all) have resolved, at most `within`. */
  alertsCleared(within: DurationInput, names: string[] = []): Action {
    return { kind: "alerts-cleared", within, names };
  },
  /** A note in the journal and the report. */
  note(text: string): Action {
    return { kind: "note", text };
  },
};
