// Live stop conditions (stopIf), checked every tick over the trailing `for` window of samples
// (error rate above X over the window, or the window's p95 above Y), so a run aborts within one
// tick plus ingest delay of a condition starting to hold.
// - A window shorter than 1 s is widened to 1 s: a rate over a handful of requests is noise.
// - The window must be covered by observation (the monitor has watched for at least `for`), so a
//   60 s condition cannot fire on the first second of errors merely because the store is young.
// - A window needs `minSamples` requests before it can trigger.
import { percentile, type SampleStore, type Tags } from "../measure/samples.ts";
import type { StopConditions } from "../scenario/schema.ts";

export interface StopMonitorOptions {
  stopIf: StopConditions;
  store: SampleStore;
  /** Request series to watch (default http_req_duration). */
  metric?: string;
  failed: (tags: Tags) => boolean;
  now?: () => number;
  /** Check interval (default 200 ms). */
  tickMs?: number;
  /** A window needs at least this many samples before it can trigger (default 5). */
  minSamples?: number;
  onStop: (reason: string) => void;
}

export type StopCheck = Omit<StopMonitorOptions, "onStop" | "tickMs" | "now">;

/** Reason to stop at instant `now`, or undefined. `since` is when observation began. */
export function evaluateStop(
  o: StopCheck,
  now: number,
  since = Number.NEGATIVE_INFINITY,
): string | undefined {
  const metric = o.metric ?? "http_req_duration";
  const min = o.minSamples ?? 5;
  const er = o.stopIf.errorRate;
  if (er) {
    const window = Math.max(er.for, 1_000);
    if (now - since >= window) {
      let n = 0;
      let bad = 0;
      for (const s of o.store.samples(metric, {}, now - window, now + 1)) {
        n += 1;
        if (o.failed(s.tags)) bad += 1;
      }
      if (n >= min && bad / n > er.above) {
        return `error rate ${((bad / n) * 100).toFixed(1)}% > ${(er.above * 100).toFixed(1)}% over the last ${window} ms (${bad}/${n} requests)`;
      }
    }
  }
  const p = o.stopIf.p95Ms;
  if (p) {
    const window = Math.max(p.for, 1_000);
    if (now - since >= window) {
      const v: number[] = [];
      for (const s of o.store.samples(metric, {}, now - window, now + 1)) v.push(s.value);
      if (v.length >= min) {
        const p95 = percentile(v, 95);
        if (p95 > p.above)
          return `p95 ${Math.round(p95)} ms > ${p.above} ms over the last ${window} ms (${v.length} requests)`;
      }
    }
  }
  return undefined;
}

export function startStopMonitor(o: StopMonitorOptions): { stop(): void } {
  if (!o.stopIf.errorRate && !o.stopIf.p95Ms) return { stop() {} };
  const now = o.now ?? Date.now;
  const since = now();
  let done = false;
  const timer = setInterval(() => {
    if (done) return;
    const reason = evaluateStop(o, now(), since);
    if (reason) {
      done = true;
      clearInterval(timer);
      o.onStop(reason);
    }
  }, o.tickMs ?? 200);
  return {
    stop: () => {
      done = true;
      clearInterval(timer);
    },
  };
}
