// Live view of the load while it runs (built-in engine or k6): one HDR histogram and two counters per wall-clock second in
// a ring, so the progress line and stop conditions can ask for p50/p95/p99, rps and error rate over
// the last N seconds in constant memory however long the run is.
import * as hdr from "hdr-histogram-js";
import { type FailureClass, failureClassifier } from "../engine/failures.ts";

export interface LiveSnapshot {
  /** Seconds covered: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  requests: number;
  failures: number;
  rps: number;
  /** failures / requests; NaN when there were no requests. */
  errorRate: number;
  /** Latency percentiles in ms; NaN when there were no requests. */
  p50: number;
  p95: number;
  p99: number;
}

export interface LiveStatsOptions {
  /** Which responses count as failures (a scenario's `load.failOn`). */
  failOn?: readonly FailureClass[];
  /** Seconds of history kept; snapshots can look back at most this far. */
  historySeconds?: number;
}

/** Latencies are recorded in microseconds: sub-ms loopback latencies keep their resolution. */
const US_PER_MS = 1_000;
const HIGHEST_US = 10 * 60 * 1_000_000;

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: "packed",
  });
}

interface Slot {
  second: number;
  histogram: hdr.Histogram;
  requests: number;
  failures: number;
}

export class LiveStats {
  readonly #slots: Slot[];
  readonly #isFailure: (status: number) => boolean;
  readonly #scratch = newHistogram();
  #total = 0;
  #totalFailures = 0;
  #latestMs = Number.NEGATIVE_INFINITY;

  constructor(o: LiveStatsOptions = {}) {
    const n = Math.max(2, Math.ceil(o.historySeconds ?? 60));
    this.#slots = Array.from({ length: n }, () => ({
      second: -1,
      histogram: newHistogram(),
      requests: 0,
      failures: 0,
    }));
    this.#isFailure = failureClassifier(o.failOn ?? ["5xx", "429", "network"]);
  }

  /** One request: its timestamp (epoch ms), latency (ms) and HTTP status (0 = network error). */
  record(t: number, durationMs: number, status: number): void {
    const second = Math.floor(t / 1000);
    const slot = this.#slots[second % this.#slots.length]!;
    if (slot.second !== second) {
      if (second < slot.second) return; // older than the ring holds
      slot.second = second;
      slot.histogram.reset();
      slot.requests = 0;
      slot.failures = 0;
    }
    slot.histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(durationMs * US_PER_MS))));
    slot.requests += 1;
    this.#total += 1;
    if (this.#isFailure(status)) {
      slot.failures += 1;
      this.#totalFailures += 1;
    }
    if (t > this.#latestMs) this.#latestMs = t;
  }

  isFailure(status: number): boolean {
    return this.#isFailure(status);
  }

  get totalRequests(): number {
    return this.#total;
  }

  get totalFailures(): number {
    return this.#totalFailures;
  }

  /** Timestamp of the newest request seen, or -Infinity. */
  get latestMs(): number {
    return this.#latestMs;
  }

  /**
   * The last `seconds` whole seconds before `nowMs`. The current second is left out by default
   * because results arrive in batches (the engine flushes every 50 ms, k6 every 200 ms) and that second is still filling.
   */
  snapshot(seconds = 5, nowMs = Date.now(), includeCurrent = false): LiveSnapshot {
    const n = Math.max(1, Math.min(Math.floor(seconds), this.#slots.length - 1));
    const toSecond = Math.floor(nowMs / 1000) + (includeCurrent ? 1 : 0);
    const fromSecond = toSecond - n;
    this.#scratch.reset();
    let requests = 0;
    let failures = 0;
    for (const slot of this.#slots) {
      if (slot.second < fromSecond || slot.second >= toSecond || slot.requests === 0) continue;
      this.#scratch.add(slot.histogram);
      requests += slot.requests;
      failures += slot.failures;
    }
    const pct = (p: number) =>
      requests === 0 ? Number.NaN : this.#scratch.getValueAtPercentile(p) / US_PER_MS;
    return {
      fromMs: fromSecond * 1000,
      toMs: toSecond * 1000,
      requests,
      failures,
      rps: requests / n,
      errorRate: requests === 0 ? Number.NaN : failures / requests,
      p50: pct(50),
      p95: pct(95),
      p99: pct(99),
    };
  }
}
