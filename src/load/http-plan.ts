// The arrival-rate plan of a built-in HTTP load: piecewise-linear stages (a constant rate is one
// stage), what the engine paces by and what `--dry-run` prints.
import { formatDuration } from "../scenario/duration.ts";
import type { HttpLoad, LoadRequest, LoadSpec, RequestGenerator } from "../scenario/schema.ts";

export interface RateStage {
  durationMs: number;
  /** Requests per second at the stage's start and end; the rate moves linearly between them. */
  from: number;
  to: number;
}

export function ratePlan(load: HttpLoad): RateStage[] {
  if (!load.stages) {
    if (load.rate === undefined || load.duration === undefined)
      throw new Error("load: a constant-rate load needs rate and duration");
    return [{ durationMs: load.duration, from: load.rate, to: load.rate }];
  }
  let from = load.rate ?? 0;
  return load.stages.map((st) => {
    const stage = { durationMs: st.duration, from, to: st.target };
    from = st.target;
    return stage;
  });
}

/** Requests the plan sends: ⌈∫ rate dt⌉ (the engine sends request k at H⁻¹(k), k = 0, 1, …). */
export function plannedRequests(stages: readonly RateStage[]): number {
  const exact = stages.reduce((n, s) => n + ((s.from + s.to) / 2) * (s.durationMs / 1000), 0);
  return Math.ceil(exact - 1e-9);
}

export function peakRate(stages: readonly RateStage[]): number {
  return Math.max(0, ...stages.flatMap((s) => [s.from, s.to]));
}

/**
 * In-flight cap: five seconds' worth of arrivals at the peak rate (at least 10), so a slow
 * dependency is met with the planned rate until requests take over 5 s; k6's maxVUs default of
 * this harness, kept.
 */
export function maxInFlightOf(load: HttpLoad): number {
  return load.maxInFlight ?? Math.max(10, Math.ceil(peakRate(ratePlan(load)) * 5));
}

/** Planned length of a load in ms. */
export function loadDurationMs(load: LoadSpec): number {
  if (load.kind === "http") return ratePlan(load).reduce((a, s) => a + s.durationMs, 0);
  if (load.executor === "ramping-arrival-rate")
    return (load.stages ?? []).reduce((a, s) => a + s.duration, 0);
  return load.duration ?? 0;
}

function requestLine(r: LoadRequest): string {
  return `${(r.method ?? "GET").toUpperCase()} ${r.path}`;
}

/** The generator's first request, as a sample of what it sends (a generator is a pure function of i). */
function sampleOf(generate: RequestGenerator): string {
  try {
    return `${requestLine(generate(0))} (generated per request)`;
  } catch (err) {
    return `generated requests (request 0 failed: ${(err as Error).message})`;
  }
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function rate(r: number): string {
  return `${Number.isInteger(r) ? r : r.toFixed(2)}/s`;
}

/** Lines for `--dry-run`: what the load will send, stage by stage. */
export function describeLoad(load: LoadSpec): string[] {
  if (load.kind === "k6") {
    const how =
      load.rate !== undefined
        ? rate(load.rate)
        : load.stages
          ? plural(load.stages.length, "stage")
          : `${load.vus ?? 1} VUs`;
    return [`load: your k6 on ${load.script} (${load.executor}, ${how})`];
  }
  const stages = ratePlan(load);
  const request = typeof load.request === "function" ? sampleOf(load.request) : requestLine(load.request);
  const lines = [
    `load: built-in engine, ${request} to ${load.target}: ${plural(plannedRequests(stages), "request")} over ${formatDuration(
      loadDurationMs(load),
    )}, max ${maxInFlightOf(load)} in flight, timeout ${formatDuration(load.timeout)}${load.keepAlive ? "" : ", no keep-alive"}`,
  ];
  let at = 0;
  for (const s of stages) {
    const shape = s.from === s.to ? `${rate(s.from)}` : `${rate(s.from)} → ${rate(s.to)}`;
    lines.push(
      `    ${(at === 0 ? "0s" : formatDuration(at)).padStart(6)} +${formatDuration(s.durationMs)}: ${shape}`,
    );
    at += s.durationMs;
  }
  return lines;
}
