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

/** Declares a scenario. The default export of a scenario file. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return Object.defineProperty({ ...scenario }, SCENARIO_BRAND, { value: true, enumerable: false });
}

/** Declares the run config (gameday.config.ts). */
export function defineConfig(config: GamedayConfigInput): GamedayConfigInput {
  return Object.defineProperty({ ...config }, CONFIG_BRAND, { value: true, enumerable: false });
}

type ToxicOptions = Omit<z.input<typeof toxiproxyFault>, "kind" | "target" | "toxic">;
type HttpFaultOptions = Omit<z.input<typeof httpFault>, "kind" | "target">;

/** Fault builders, one per kind of fault the drivers know. */
export const fault = {
  /** Toxiproxy latency on a proxy: { latency: ms, jitter?: ms }. */
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
  /** Any Toxiproxy toxic: timeout, down, reset_peer, bandwidth, slow_close, slicer, limit_data. */
  toxic(target: string, toxic: z.input<typeof toxiproxyFault>["toxic"], o: ToxicOptions): FaultSpecInput {
    return { kind: "toxiproxy", target, toxic, ...o };
  },
  /** The HTTP fault proxy answers with a status (429/5xx), optionally with Retry-After. */
  httpStatus(target: string, o: Omit<HttpFaultOptions, "status"> & { status: number }): FaultSpecInput {
    return { kind: "http", target, ...o };
  },
  /** Any HTTP fault proxy rule: status, added latency, aborted responses, by match and percentage. */
  http(target: string, o: HttpFaultOptions): FaultSpecInput {
    return { kind: "http", target, ...o };
  },
  /** Purge a Redis cache: "all" (FLUSHDB) or keys matching a pattern (SCAN + UNLINK). */
  cachePurge(target: string, purge: "all" | { pattern: string } = "all"): FaultSpecInput {
    return { kind: "redis", target, purge };
  },
  /** An HTTP call that changes something (a flag, a price) with its revert. */
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
  /** Signal a process the environment started: SIGSTOP (paused for the duration), SIGKILL/SIGTERM (restarted after). */
  signal(
    target: string,
    signal: "SIGSTOP" | "SIGKILL" | "SIGTERM",
    o: { duration?: DurationInput; restart?: boolean } = {},
  ): FaultSpecInput {
    return { kind: "process", target, signal, ...o };
  },
};

/** Load builders. */
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

/** Runbook actions for drills (the rollback runbook's steps). */
export const act = {
  declare(severity: "Sev-1" | "Sev-2" | "Sev-3", note?: string): Action {
    return { kind: "declare", severity, note };
  },
  http(target: string, call: z.input<typeof httpCall>): Action {
    return { kind: "http", target, call };
  },
  waitHealthy(within: DurationInput): Action {
    return { kind: "wait-healthy", within };
  },
  smoke(target: string, flows: Array<{ name: string; call: z.input<typeof httpCall> }>): Action {
    return { kind: "smoke", target, flows };
  },
  checkCost(maxUsd: number, within: DurationInput): Action {
    return { kind: "check-cost", maxUsd, within };
  },
  alertsCleared(within: DurationInput, names: string[] = []): Action {
    return { kind: "alerts-cleared", within, names };
  },
  note(text: string): Action {
    return { kind: "note", text };
  },
};
