// Regressions: is this run's measurement worse than the service's normal spread? The band is the
// median of the last N normal runs ± k robust standard deviations (1.4826 × MAD), never narrower
// than a minimum tolerance for the metric or its unit, because a band from a handful of identical
// readings would otherwise call every millisecond of jitter a regression.
import type { Target, Unit } from "../evaluate/verdict.ts";

/** Which way is worse for a measurement. */
export type Worse = "higher" | "lower" | "either";

export interface RegressionSettings {
  /** A regression makes the measurement FAIL (true) or WARN (false). */
  fail: boolean;
  /** How many normal runs, up to the baseline, make the noise band. */
  window: number;
  /** Band half-width in robust standard deviations. */
  k: number;
  /** Minimum half-width, by metric name or unit (metric wins); ms for times. */
  minDelta: Record<string, number>;
  /** Metrics compared: names, or prefixes ending in "*" ("check:*"). */
  metrics: string[];
}

/**
 * Detection, acknowledgement and recovery times move with the monitoring cadence (a 1 s scrape
 * and a 1 s rule evaluation shift them by up to 2 s between identical runs); the others with the
 * service alone.
 */
export const DEFAULT_MIN_DELTA: Readonly<Record<string, number>> = {
  ms: 250,
  usd: 0.0005,
  ratio: 0.02,
  pct: 1,
  count: 1,
  value: 0,
  ttd: 2_000,
  mtta: 2_000,
  ttm: 2_000,
  ttr: 2_000,
};

/** The measurements that describe resilience; `check:*` assertions are judged by their targets. */
export const DEFAULT_REGRESSION_METRICS: readonly string[] = [
  "ttd",
  "mtta",
  "ttm",
  "ttr",
  "failover.time",
  "failover.success",
  "cost.containment",
  "cost.peak",
  "error_budget.burn_pct",
];

export const DEFAULT_REGRESSION: RegressionSettings = {
  fail: true,
  window: 10,
  k: 3,
  minDelta: { ...DEFAULT_MIN_DELTA },
  metrics: [...DEFAULT_REGRESSION_METRICS],
};

/** 1.4826 × MAD estimates the standard deviation of normally distributed readings. */
const MAD_TO_SIGMA = 1.4826;

export function compared(metric: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? metric.startsWith(p.slice(0, -1)) : p === metric));
}

/** Lower is better under a "<"/"<=" target, higher under ">"/">="; without a target, by unit. */
export function worseDirection(m: { unit: Unit; target: Pick<Target, "op"> | null }): Worse | null {
  switch (m.target?.op) {
    case "<":
    case "<=":
      return "higher";
    case ">":
    case ">=":
      return "lower";
    case "==":
      return "either";
  }
  if (m.unit === "ms" || m.unit === "usd" || m.unit === "pct" || m.unit === "count") return "higher";
  if (m.unit === "ratio") return "lower";
  return null;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export interface Band {
  median: number;
  lo: number;
  hi: number;
  /** Normal runs whose values made the band. */
  runs: number;
}

export function noiseBand(values: readonly number[], k: number, minDelta: number): Band | null {
  if (!values.length) return null;
  const m = median(values);
  const half = Math.max(k * MAD_TO_SIGMA * mad(values), minDelta);
  // Times, costs and ratios are never negative: a band reaching below zero is cut at zero.
  const floor = values.every((v) => v >= 0) ? 0 : Number.NEGATIVE_INFINITY;
  return { median: m, lo: Math.max(floor, m - half), hi: m + half, runs: values.length };
}

export function minDeltaFor(metric: string, unit: Unit, minDelta: Readonly<Record<string, number>>): number {
  return minDelta[metric] ?? minDelta[unit] ?? DEFAULT_MIN_DELTA[metric] ?? DEFAULT_MIN_DELTA[unit] ?? 0;
}

/**
 * True when the value lies outside the band on the worse side. A value that never came (never
 * detected, never recovered) is worse than any band when the baseline had one.
 */
export function regressed(value: number | null, band: Band, worse: Worse): boolean {
  if (value === null) return true;
  if (worse === "higher") return value > band.hi;
  if (worse === "lower") return value < band.lo;
  return value > band.hi || value < band.lo;
}
