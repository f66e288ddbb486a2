// Dense per-second views of a series: one entry per 1 s bucket of [from, to), aligned to `from`,
// empty seconds included, so "consecutive seconds" means consecutive on the clock and not merely
// consecutive among seconds that happened to have samples.
import type { Points } from "../engine/result.ts";
import { percentile, type SampleStore, type TagFilter } from "./samples.ts";

export interface Second {
  start: number;
  count: number;
  sum: number;
  values: number[];
}

export type SecondAgg = "mean" | "count" | "sum" | "p95" | "max" | "last";

export function seconds(
  store: SampleStore,
  metric: string,
  filter: TagFilter,
  from: number,
  to: number,
): Second[] {
  const n = Math.max(0, Math.ceil((to - from) / 1_000));
  const out: Second[] = Array.from({ length: n }, (_, k) => ({
    start: from + k * 1_000,
    count: 0,
    sum: 0,
    values: [],
  }));
  for (const s of store.samples(metric, filter, from, to)) {
    const b = out[Math.floor((s.t - from) / 1_000)]!;
    b.count += 1;
    b.sum += s.value;
    b.values.push(s.value);
  }
  return out;
}

/** One number for one second; undefined for an empty second (except count and sum, which are 0). */
export function aggregate(b: Second, agg: SecondAgg): number | undefined {
  if (agg === "count") return b.count;
  if (agg === "sum") return b.sum;
  if (b.count === 0) return undefined;
  switch (agg) {
    case "mean":
      return b.sum / b.count;
    case "p95":
      return percentile(b.values, 95);
    case "max":
      return Math.max(...b.values);
    case "last":
      return b.values[b.values.length - 1];
  }
}

/** Chart points: [second start, value] for every non-empty second. */
export function perSecond(
  store: SampleStore,
  metric: string,
  filter: TagFilter,
  from: number,
  to: number,
  agg: SecondAgg,
): Points {
  const out: Points = [];
  for (const b of seconds(store, metric, filter, from, to)) {
    if (b.count === 0) continue;
    out.push([b.start, aggregate(b, agg)!]);
  }
  return out;
}
