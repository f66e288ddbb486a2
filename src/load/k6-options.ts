// The executor config the harness hands k6 through `--config <file>.json`: one entry under
// `scenarios`, built from the scenario's `load` block. The harness owns it so that a profile's time
// compression applies to the load too; a script should therefore not export `options.scenarios`
// (k6 ranks script options above the config file and would silently win).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { K6Load } from "../scenario/schema.ts";

/** Name of the single k6 scenario entry; also the `scenario` tag k6 puts on every sample. */
export const K6_SCENARIO_NAME = "gameday";

export interface K6ArrivalStage {
  duration: string;
  target: number;
}

export type K6ScenarioConfig =
  | {
      executor: "constant-arrival-rate";
      rate: number;
      timeUnit: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs: number;
      gracefulStop: string;
      tags: Record<string, string>;
    }
  | {
      executor: "ramping-arrival-rate";
      startRate: number;
      timeUnit: string;
      stages: K6ArrivalStage[];
      preAllocatedVUs: number;
      maxVUs: number;
      gracefulStop: string;
      tags: Record<string, string>;
    }
  | {
      executor: "constant-vus";
      vus: number;
      duration: string;
      gracefulStop: string;
      tags: Record<string, string>;
    };

export interface K6ConfigFile {
  scenarios: Record<string, K6ScenarioConfig>;
  /** Adds p(99) to the end-of-test summary (the overhead benchmark and reports read it). */
  summaryTrendStats: string[];
}

/**
 * How long in-flight iterations may finish after the planned end. k6's default is 30 s, which a
 * hanging dependency (a timeout toxic) would add to every scenario; 10 s bounds that tail.
 */
const GRACEFUL_STOP = "10s";

/** k6 takes arrival rates as integers per time unit; a fractional rate gets a longer unit. */
function timeUnitFor(rates: readonly number[]): number {
  for (let seconds = 1; seconds <= 1000; seconds++) {
    if (rates.every((r) => Math.abs(r * seconds - Math.round(r * seconds)) < 1e-9)) return seconds;
  }
  return 1000;
}

function ms(value: number): string {
  return `${Math.max(0, Math.round(value))}ms`;
}

/**
 * VUs for an arrival-rate executor. Pre-allocating half a second's worth of arrivals covers a
 * service answering in under 500 ms without k6 allocating VUs mid-run; maxVUs (5 s worth) lets k6
 * hold the rate while a fault slows the service, and is where dropped_iterations begin.
 */
function arrivalVUs(load: K6Load, peakRate: number): { preAllocatedVUs: number; maxVUs: number } {
  const pre = load.vus ?? Math.max(1, Math.ceil(peakRate * 0.5));
  const max = load.maxVUs ?? Math.max(pre, Math.ceil(peakRate * 5), 10);
  return { preAllocatedVUs: Math.min(pre, max), maxVUs: max };
}

/** Builds the k6 config for a `load` block. Throws with the field at fault when it cannot. */
export function k6Config(load: K6Load): K6ConfigFile {
  const tags = { ...load.tags };
  let scenario: K6ScenarioConfig;
  switch (load.executor) {
    case "constant-arrival-rate": {
      if (load.rate === undefined)
        throw new Error("load.rate is required for the constant-arrival-rate executor");
      if (load.duration === undefined) {
        throw new Error("load.duration is required for the constant-arrival-rate executor");
      }
      const unit = timeUnitFor([load.rate]);
      scenario = {
        executor: "constant-arrival-rate",
        rate: Math.round(load.rate * unit),
        timeUnit: `${unit}s`,
        duration: ms(load.duration),
        ...arrivalVUs(load, load.rate),
        gracefulStop: GRACEFUL_STOP,
        tags,
      };
      break;
    }
    case "ramping-arrival-rate": {
      if (!load.stages || load.stages.length === 0) {
        throw new Error("load.stages is required for the ramping-arrival-rate executor");
      }
      const startRate = load.rate ?? 0;
      const rates = [startRate, ...load.stages.map((s) => s.target)];
      const unit = timeUnitFor(rates);
      scenario = {
        executor: "ramping-arrival-rate",
        startRate: Math.round(startRate * unit),
        timeUnit: `${unit}s`,
        stages: load.stages.map((s) => ({ duration: ms(s.duration), target: Math.round(s.target * unit) })),
        ...arrivalVUs(load, Math.max(...rates)),
        gracefulStop: GRACEFUL_STOP,
        tags,
      };
      break;
    }
    case "constant-vus": {
      if (load.duration === undefined)
        throw new Error("load.duration is required for the constant-vus executor");
      scenario = {
        executor: "constant-vus",
        vus: load.vus ?? 1,
        duration: ms(load.duration),
        gracefulStop: GRACEFUL_STOP,
        tags,
      };
      break;
    }
  }
  return {
    scenarios: { [K6_SCENARIO_NAME]: scenario },
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
  };
}

/** Planned length of the load in ms (without the graceful stop), for progress and timeouts. */
export function plannedLoadMs(load: K6Load): number {
  if (load.executor === "ramping-arrival-rate")
    return (load.stages ?? []).reduce((a, s) => a + s.duration, 0);
  return load.duration ?? 0;
}

/** Writes the config as `k6.config.json` in `outDir` and returns its path. */
export function writeK6Config(load: K6Load, outDir: string): string {
  const file = join(outDir, "k6.config.json");
  writeFileSync(file, `${JSON.stringify(k6Config(load), null, 2)}\n`);
  return file;
}
