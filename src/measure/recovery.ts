// Recovery per DESIGN.md: t_recover is the start of the first run of `sustain` consecutive 1 s
// buckets (aligned to the reference instant) in which every steady-state condition holds.
//
// Choices, each tested:
// - A bucket without requests does not hold: silence is not health (a partitioned service answers
//   nothing), so an empty bucket breaks a run.
// - Unit cost is judged only in buckets that have cost samples: failed requests carry no cost.
// - 1 s buckets are too coarse to compare with ground truth, so the instant is refined with
//   per-request timestamps: it is the start of the first request started after the last bad one
//   completed before the run — no interpolation, the instant is always an observed good request.
//   Requests are placed at their start (sample time − duration) because the load engines (ours and k6) stamp a sample when
//   the request completes: after a latency fault ends, requests that started during it keep
//   completing slowly for up to their duration, and by completion time recovery would look that
//   much later than it was. Cost samples carry no duration and are placed at their own time.
//   Inside the run's first bucket the instant moves past a leading stretch of bad requests when
//   that lowers the number of misclassified requests (good before the instant + bad after it);
//   ties go to the later instant. A healthy bucket tolerates a few bad requests, and without this
//   step an outage ending a few hundred ms into that bucket would be reported early.
// - The refined instant is never before the reference instant, nor before an empty bucket that
//   precedes the run (good requests before a silent second do not start the recovery).
import type { SteadyState } from "../scenario/schema.ts";
import { percentile, type SampleStore } from "./samples.ts";

export const BUCKET_MS = 1_000;

export interface RecoveryInput {
  store: SampleStore;
  steadyState: SteadyState;
  isFailure: (status: number) => boolean;
  /** Reference instant (t_inject, or t_decision for a rollback drill); buckets are aligned to it. */
  from: number;
  /** End of observation (exclusive). */
  to: number;
}

export interface BucketHealth {
  start: number;
  /** Requests in the bucket. */
  count: number;
  p95: number;
  errorRate: number;
  costMean: number | undefined;
  holds: boolean;
}

export interface Recovery {
  /** null: never recovered within the observed time. */
  at: number | null;
  observedMs: number;
  /** Start of the first healthy bucket of the run (before refinement), or null. */
  runStart: number | null;
  buckets: BucketHealth[];
}

/** Dense per-second health of the steady state in [from, to), buckets aligned to `from`. */
export function bucketHealth(i: RecoveryInput): BucketHealth[] {
  const n = Math.max(0, Math.ceil((i.to - i.from) / BUCKET_MS));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const failed = new Array<number>(n).fill(0);
  const costSum = new Array<number>(n).fill(0);
  const costN = new Array<number>(n).fill(0);
  for (const s of i.store.samples("http_req_duration", {}, i.from, i.to)) {
    const k = Math.floor((s.t - i.from) / BUCKET_MS);
    lat[k]!.push(s.value);
    if (i.isFailure(statusOf(s.tags))) failed[k]! += 1;
  }
  if (i.steadyState.unitCostUsd !== undefined) {
    for (const s of i.store.samples("unit_cost_usd", {}, i.from, i.to)) {
      const k = Math.floor((s.t - i.from) / BUCKET_MS);
      costSum[k]! += s.value;
      costN[k]! += 1;
    }
  }
  const ss = i.steadyState;
  return lat.map((values, k) => {
    const count = values.length;
    const p95 = count ? percentile(values, 95) : Number.NaN;
    const errorRate = count ? failed[k]! / count : Number.NaN;
    const costMean = costN[k]! ? costSum[k]! / costN[k]! : undefined;
    const holds =
      count > 0 &&
      (ss.p95Ms === undefined || p95 <= ss.p95Ms) &&
      (ss.errorRate === undefined || errorRate <= ss.errorRate) &&
      (ss.unitCostUsd === undefined || costMean === undefined || costMean <= ss.unitCostUsd + 1e-12);
    return { start: i.from + k * BUCKET_MS, count, p95, errorRate, costMean, holds };
  });
}

/** Index of the first run of `len` consecutive true values, or -1. */
export function firstRun(flags: readonly boolean[], len: number): number {
  let run = 0;
  for (let k = 0; k < flags.length; k++) {
    run = flags[k] ? run + 1 : 0;
    if (run >= len) return k - len + 1;
  }
  return -1;
}

export function sustainBuckets(ss: SteadyState): number {
  return Math.max(1, Math.ceil(ss.sustain / BUCKET_MS));
}

export function recovery(i: RecoveryInput): Recovery {
  const buckets = bucketHealth(i);
  const observedMs = Math.max(0, i.to - i.from);
  const k = firstRun(
    buckets.map((b) => b.holds),
    sustainBuckets(i.steadyState),
  );
  if (k < 0) return { at: null, observedMs, runStart: null, buckets };
  const runStart = buckets[k]!.start;
  // Silence before the run is a hard boundary: nothing before the last empty bucket counts.
  let after = i.from;
  for (let j = 0; j < k; j++) if (buckets[j]!.count === 0) after = buckets[j]!.start + BUCKET_MS;
  return { at: refine(i, runStart, after), observedMs, runStart, buckets };
}

interface Obs {
  /** When the observation reflects the service: a request's start, a cost sample's own time. */
  at: number;
  /** Completion (sample) time. */
  done: number;
  bad: boolean;
}

function refine(i: RecoveryInput, runStart: number, notBefore: number): number {
  const ss = i.steadyState;
  const firstEnd = runStart + BUCKET_MS;
  const badReq = (value: number, status: number) =>
    (ss.errorRate !== undefined && i.isFailure(status)) || (ss.p95Ms !== undefined && value > ss.p95Ms);
  // Every request completed before the end of the run's first bucket, placed at its start.
  const all: Obs[] = [];
  const before: Obs[] = [];
  for (const s of i.store.samples("http_req_duration", {}, i.from, firstEnd)) {
    const o = { at: s.t - Math.max(0, s.value), done: s.t, bad: badReq(s.value, statusOf(s.tags)) };
    (s.t < runStart ? before : all).push(o);
  }
  if (ss.unitCostUsd !== undefined) {
    const cap = ss.unitCostUsd + 1e-12;
    for (const s of i.store.samples("unit_cost_usd", {}, i.from, firstEnd))
      (s.t < runStart ? before : all).push({ at: s.t, done: s.t, bad: s.value > cap });
  }
  // The last bad observation before the run; everything started after it is a candidate.
  let lastBad = Number.NEGATIVE_INFINITY;
  for (const o of before) if (o.bad && o.at > lastBad) lastBad = o.at;
  const obs = [...before.filter((o) => !o.bad && o.done >= notBefore), ...all]
    .filter((o) => o.at > lastBad)
    .sort((a, b) => a.at - b.at || Number(a.bad) - Number(b.bad));
  // Move past a leading bad stretch of the run's first bucket when that misclassifies fewer.
  let badAfter = 0;
  for (const o of obs) if (o.bad) badAfter += 1;
  let best = 0;
  let bestCost = badAfter;
  let goodBefore = 0;
  for (let j = 0; j < obs.length; j++) {
    if (obs[j]!.bad) badAfter -= 1;
    else goodBefore += 1;
    const cost = goodBefore + badAfter;
    if (obs[j]!.bad && cost <= bestCost) {
      best = j + 1;
      bestCost = cost;
    }
  }
  const at = best < obs.length ? obs[best]!.at : nextStart(i, firstEnd);
  return Math.max(i.from, notBefore, at);
}

/** Start of the first request completed at or after `from`, or `from` itself. */
function nextStart(i: RecoveryInput, from: number): number {
  const next = i.store.first("http_req_duration", {}, from);
  return next !== undefined && next.t < i.to ? Math.max(from, next.t - Math.max(0, next.value)) : from;
}

export function statusOf(tags: Readonly<Record<string, string>>): number {
  return Number(tags.status ?? "0");
}
