// Series checks (expect.checks): one aggregation of one series over one window of the run.
// Values:
// - `count` and `sum` are over the raw samples in the window (events counted, increments added);
// - min/max/mean/last/p95 are over per-second values: the mean of a gauge's samples in that
//   second, the number of events for event series (counters a load's record emits, one sample per event), the share
//   of failed requests for the virtual series `error_rate`;
// - `http_req_duration` is the exception: its aggregations are over requests, because a latency
//   SLO (p95 ≤ X) is a statement about requests, not about seconds.
import type { SeriesCheck } from "../scenario/schema.ts";
import { percentile, type SampleStore } from "./samples.ts";
import { statusOf } from "./recovery.ts";
import { aggregate, seconds } from "./seconds.ts";
import { selectorOf } from "./times.ts";

/** Event counters the bundled loads emit (scenarios/load/): each sample is one event. */
export const EVENT_SERIES: ReadonlySet<string> = new Set(["provider_responses", "pii_cases"]);

export interface CheckWindows {
  t0: number;
  t1: number;
  /** t_inject, or null when the scenario injected nothing (then baseline is empty, fault is the run). */
  tInject: number | null;
  faultEnd: number;
}

export interface CheckValue {
  value: number | null;
  /** How many values the aggregation saw. */
  n: number;
  what: string;
  from: number;
  to: number;
  /** Set when the series does not exist at all: the input is missing, not the behaviour. */
  missing: string | null;
}

// Inclusive window ends: samples() is [from, to), so to is nudged past the end instant.
const INCL = 0.001;

export function checkWindow(c: Pick<SeriesCheck, "window">, w: CheckWindows): [number, number] {
  const inject = w.tInject ?? w.t0;
  switch (c.window) {
    case "baseline":
      return [w.t0, inject];
    case "fault":
      return [inject, w.faultEnd + INCL];
    case "after":
      return [w.faultEnd + INCL, w.t1 + INCL];
    case "run":
      return [w.t0, w.t1 + INCL];
  }
}

export function checkValue(
  c: SeriesCheck,
  store: SampleStore,
  w: CheckWindows,
  isFailure: (status: number) => boolean,
): CheckValue {
  const [from, to] = checkWindow(c, w);
  const base = { from, to, missing: null };
  if (c.series === "error_rate") {
    if (store.count("http_req_duration") === 0)
      return { ...base, value: null, n: 0, what: "requests", missing: "no http_req_duration samples at all" };
    const raw = [...store.samples("http_req_duration", {}, from, to)].map((s): number =>
      isFailure(statusOf(s.tags)) ? 1 : 0,
    );
    if (c.agg === "count" || c.agg === "sum")
      return {
        ...base,
        value: c.agg === "count" ? raw.length : raw.reduce((a, b) => a + b, 0),
        n: raw.length,
        what: c.agg === "count" ? "requests" : "failed requests",
      };
    const rates = failedShares(store, from, to, isFailure);
    return { ...base, ...over(rates, c.agg), what: "per-second error rates" };
  }
  const sel = selectorOf(c.series);
  if (store.count(sel.name) === 0)
    return { ...base, value: null, n: 0, what: "samples", missing: `no ${sel.name} samples at all` };
  if (c.agg === "count" || c.agg === "sum") {
    let n = 0;
    let sum = 0;
    for (const s of store.samples(sel.name, sel.labels, from, to)) {
      n += 1;
      sum += s.value;
    }
    return { ...base, value: c.agg === "count" ? n : sum, n, what: "samples" };
  }
  if (sel.name === "http_req_duration") {
    const values = [...store.samples(sel.name, sel.labels, from, to)].map((s) => s.value);
    return { ...base, ...over(values, c.agg), what: "requests" };
  }
  const event = EVENT_SERIES.has(sel.name);
  const secs = seconds(store, sel.name, sel.labels, from, to);
  // Event series: every second of the window is a value (0 events is a real reading); gauges only
  // where sampled.
  const values = event
    ? secs.map((b) => b.count)
    : secs.flatMap((b) => (b.count ? [aggregate(b, "mean")!] : []));
  return { ...base, ...over(values, c.agg), what: event ? "per-second event counts" : "per-second means" };
}

/** Share of failed requests per non-empty second of [from, to), seconds aligned to `from`. */
function failedShares(
  store: SampleStore,
  from: number,
  to: number,
  isFailure: (status: number) => boolean,
): number[] {
  const n = Math.max(0, Math.ceil((to - from) / 1_000));
  const total = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const s of store.samples("http_req_duration", {}, from, to)) {
    const k = Math.floor((s.t - from) / 1_000);
    total[k]! += 1;
    if (isFailure(statusOf(s.tags))) failed[k]! += 1;
  }
  return total.flatMap((t, k) => (t ? [failed[k]! / t] : []));
}

function over(values: readonly number[], agg: SeriesCheck["agg"]): { value: number | null; n: number } {
  const n = values.length;
  if (agg === "count") return { value: n, n };
  if (agg === "sum") return { value: values.reduce((a, b) => a + b, 0), n };
  if (n === 0) return { value: null, n };
  switch (agg) {
    case "min":
      return { value: values.reduce((a, b) => Math.min(a, b)), n };
    case "max":
      return { value: values.reduce((a, b) => Math.max(a, b)), n };
    case "mean":
      return { value: values.reduce((a, b) => a + b, 0) / n, n };
    case "last":
      return { value: values[n - 1]!, n };
    case "p95":
      return { value: percentile(values, 95), n };
  }
}
