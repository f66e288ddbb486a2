// What happens to each result of the built-in engine: the per-request sample, the live stats, the
// failure and error tallies, and the scenario's `record`. runHttpLoad feeds it from the engine's
// stdout; the ingestion benchmark feeds it recorded lines, so both measure the same code.
//
// Samples, matching what the measurements read:
// - http_req_duration{status, name?, …tags}: latency in ms, stamped when the request completed
//   (start + latency), as k6 stamps its samples; measurements place a request at its start by
//   subtracting its duration. status "0" is a request that got no response.
// - dropped_requests: an arrival not sent because maxInFlight requests were in flight.
// - whatever `record` emits, stamped at the request's completion unless it says otherwise.
import { failureClassifier } from "../engine/failures.ts";
import type { SampleStore, Tags } from "../measure/samples.ts";
import type { EmitSample, HttpLoad, LoadRequest, LoadResponse } from "../scenario/schema.ts";
import type { LiveStats } from "./live.ts";
import type { LoadResult } from "./result-lines.ts";

/** The engine's error text for an arrival it did not send (load-engine/main.go). */
export const DROPPED = "gameday: dropped, max in-flight reached";

/** Distinct error texts counted for load.summary.json; the rest are counted together. */
const MAX_ERROR_KINDS = 200;

export interface ResultCounts {
  /** Results received: requests answered or failed, plus dropped arrivals. */
  results: number;
  requests: number;
  dropped: number;
  /** Requests counted as failures by `load.failOn`. */
  failures: number;
  /** Calls of `record` that threw or rejected. */
  recordErrors: number;
}

export type SinkLoad = Pick<HttpLoad, "tags" | "failOn" | "responseHeaders" | "record"> & {
  request: HttpLoad["request"] | LoadRequest;
};

export class ResultSink {
  readonly counts: ResultCounts = { results: 0, requests: 0, dropped: 0, failures: 0, recordErrors: 0 };
  /** The first `record` failure, for the scenario's errors. */
  recordError: string | undefined;
  readonly #load: SinkLoad;
  readonly #baseUrl: string;
  readonly #store: SampleStore;
  readonly #live: LiveStats;
  readonly #isFailure: (status: number) => boolean;
  readonly #staticName: string | undefined;
  /** Requests waiting for their result, for `record` and the `name` tag of generated requests. */
  readonly #pending: Map<number, LoadRequest> | undefined;
  readonly #running = new Set<Promise<void>>();
  readonly #errors = new Map<string, number>();
  // Tag sets repeat (a few statuses × names); build each once.
  readonly #tags = new Map<string, Tags>();

  constructor(o: { load: SinkLoad; baseUrl: string; store: SampleStore; live: LiveStats }) {
    this.#load = o.load;
    this.#baseUrl = o.baseUrl;
    this.#store = o.store;
    this.#live = o.live;
    this.#isFailure = failureClassifier(o.load.failOn);
    const generated = typeof o.load.request === "function";
    this.#staticName = generated ? undefined : (o.load.request as LoadRequest).name;
    this.#pending = o.load.record || generated ? new Map() : undefined;
  }

  /** Keeps request i until its result arrives (a no-op when nothing needs it). */
  sent(i: number, req: LoadRequest): void {
    this.#pending?.set(i, req);
  }

  readonly onResult = (r: LoadResult): void => {
    const c = this.counts;
    c.results += 1;
    const req = this.#pending?.get(r.index);
    this.#pending?.delete(r.index);
    if (r.error === DROPPED) {
      c.dropped += 1;
      this.#store.add("dropped_requests", r.startMs, 1, this.#load.tags);
      return;
    }
    c.requests += 1;
    const end = r.startMs + r.latencyMs;
    this.#store.add(
      "http_req_duration",
      end,
      r.latencyMs,
      this.#tagsFor(r.status, req?.name ?? this.#staticName),
    );
    this.#live.record(end, r.latencyMs, r.status);
    if (this.#isFailure(r.status)) c.failures += 1;
    if (r.error) this.#countError(r);
    if (this.#load.record && req) this.#record(r, req, end);
  };

  /** Waits for asynchronous records (a follow-up request) to finish, at most `ms`. */
  async settled(ms: number): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise((r) => setTimeout(r, ms).unref()),
    ]);
  }

  /** The most frequent error texts. */
  topErrors(n = 20): Array<{ error: string; count: number }> {
    return [...this.#errors.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([error, count]) => ({ error, count }));
  }

  #tagsFor(status: number, name: string | undefined): Tags {
    const key = `${status}\u0000${name ?? ""}`;
    let t = this.#tags.get(key);
    if (!t) {
      t = Object.freeze({ ...this.#load.tags, ...(name ? { name } : {}), status: String(status) });
      this.#tags.set(key, t);
    }
    return t;
  }

  #countError(r: LoadResult): void {
    // Go's client error names the request as `Post "url#i": …`: cut it, so one cause counts once.
    let kind = r.status ? r.error : r.error.replace(/^[A-Za-z]+ "[^"]*": /, "");
    // Some texts carry a local port (connection resets): bound the distinct ones kept.
    if (!this.#errors.has(kind) && this.#errors.size >= MAX_ERROR_KINDS) kind = "(other errors)";
    this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1);
  }

  #record(r: LoadResult, req: LoadRequest, end: number): void {
    const headers: Record<string, string> = {};
    this.#load.responseHeaders.forEach((h, k) => {
      const v = r.headerValues[k];
      if (v) headers[h] = v;
    });
    const res: LoadResponse = {
      i: r.index,
      request: req,
      baseUrl: this.#baseUrl,
      status: r.status,
      error: r.error,
      startedAt: r.startMs,
      latencyMs: r.latencyMs,
      headers,
      body: r.body === undefined ? undefined : Buffer.from(r.body, "base64").toString("utf8"),
    };
    const store = this.#store;
    const emit: EmitSample = (metric, value, tags, t) => store.add(metric, t ?? end, value, tags ?? {});
    const failed = (err: unknown) => {
      this.counts.recordErrors += 1;
      this.recordError ??= `load.record threw for request ${r.index}: ${(err as Error)?.message ?? String(err)}`;
    };
    try {
      const out = this.#load.record?.(res, emit);
      if (out && typeof (out as Promise<void>).then === "function") {
        const p: Promise<void> = (out as Promise<void>).catch(failed).finally(() => this.#running.delete(p));
        this.#running.add(p);
      }
    } catch (err) {
      failed(err);
    }
  }
}
