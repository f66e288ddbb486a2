// Streaming ingest of k6's NDJSON output (`--out json=-`) into the SampleStore while k6 runs.
// Chunks arrive at arbitrary byte boundaries; LineSplitter cuts lines, a torn tail waits for the next
// chunk. Most lines are k6 built-ins the harness never reads (≈ 12 per request), so the metric name
// is read by position first and those lines are skipped without JSON.parse; timestamps are parsed
// by hand because Date.parse is slow and drops the sub-millisecond part.
import { LineSplitter } from "./line-splitter.ts";
import type { SampleStore, Tags } from "../measure/samples.ts";

/** k6 built-in metrics skipped unless asked for; http_req_duration is always kept. */
export const K6_BUILTIN_METRICS: ReadonlySet<string> = new Set([
  "vus",
  "vus_max",
  "iterations",
  "iteration_duration",
  "dropped_iterations",
  "data_sent",
  "data_received",
  "checks",
  "group_duration",
  "http_reqs",
  "http_req_blocked",
  "http_req_connecting",
  "http_req_tls_handshaking",
  "http_req_sending",
  "http_req_waiting",
  "http_req_receiving",
  "http_req_failed",
  "ws_sessions",
  "ws_msgs_sent",
  "ws_msgs_received",
  "ws_ping",
  "ws_session_duration",
  "ws_connecting",
  "grpc_req_duration",
  "grpc_streams",
  "grpc_streams_msgs_sent",
  "grpc_streams_msgs_received",
]);

/**
 * System tags dropped from stored samples: constant within a run (scenario, group, proto) or
 * unbounded (url without a name tag, vu, iter), which would blow up the store's tag sets.
 */
const DROPPED_TAGS: ReadonlySet<string> = new Set([
  "url",
  "proto",
  "subproto",
  "group",
  "scenario",
  "tls_version",
  "ip",
  "vu",
  "iter",
  "service",
]);

export interface IngestOptions {
  store: SampleStore;
  /** Built-in k6 metrics to store as well (e.g. "dropped_iterations", "checks"). */
  keepBuiltins?: readonly string[];
  /** Called for every http_req_duration point (the live stats and stop conditions feed on this). */
  onRequest?: (t: number, durationMs: number, status: number) => void;
  /** Lines that are not JSON (k6's text summary on stdout); handed over, not counted as malformed. */
  onText?: (line: string) => void;
}

export interface IngestStats {
  lines: number;
  bytes: number;
  /** Point lines seen, kept or not. */
  points: number;
  /** Samples added to the store. */
  samples: number;
  /** Point lines of metrics not kept (built-ins). */
  skipped: number;
  /** `{"type":"Metric"}` declarations. */
  declarations: number;
  malformed: number;
  textLines: number;
  /** http_req_duration points, i.e. requests completed or failed. */
  requests: number;
  /** Iterations k6 could not start for lack of VUs (the load fell behind its arrival rate). */
  droppedIterations: number;
}

/** Longest line accepted; a longer one is not k6 output and is dropped rather than buffered. */
const MAX_LINE = 1 << 20;
const FAST_PREFIX = '{"metric":"';

export class K6Ingest {
  readonly stats: IngestStats = {
    lines: 0,
    bytes: 0,
    points: 0,
    samples: 0,
    skipped: 0,
    declarations: 0,
    malformed: 0,
    textLines: 0,
    requests: 0,
    droppedIterations: 0,
  };
  readonly #store: SampleStore;
  readonly #skip: Set<string>;
  readonly #onRequest: IngestOptions["onRequest"];
  readonly #onText: IngestOptions["onText"];
  readonly #lines = new LineSplitter(
    MAX_LINE,
    (s, start, end) => this.#line(s, start, end),
    () => {
      this.stats.malformed += 1;
      this.stats.lines += 1;
    },
  );
  readonly #time = new K6TimeParser();
  readonly #tagCache = new Map<string, Tags>();

  constructor(o: IngestOptions) {
    this.#store = o.store;
    this.#skip = new Set(K6_BUILTIN_METRICS);
    for (const m of o.keepBuiltins ?? []) this.#skip.delete(m);
    this.#onRequest = o.onRequest;
    this.#onText = o.onText;
  }

  /** Feeds one chunk of k6 output; complete lines are ingested now, a torn tail is kept. */
  write(chunk: Uint8Array | string): void {
    this.stats.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.#lines.write(chunk);
  }

  /** Flushes a final line without a newline. Returns the stats. */
  end(): IngestStats {
    this.#lines.end();
    return this.stats;
  }

  #line(s: string, start: number, end: number): void {
    if (end > start && s.charCodeAt(end - 1) === 13) end -= 1; // CRLF
    if (end <= start) return;
    this.stats.lines += 1;
    if (s.startsWith(FAST_PREFIX, start)) {
      // k6 writes Point envelopes as {"metric":"<name>","type":"Point","data":{...}}.
      const nameStart = start + FAST_PREFIX.length;
      const nameEnd = s.indexOf('"', nameStart);
      if (nameEnd < 0 || nameEnd >= end) {
        this.stats.malformed += 1;
        return;
      }
      const name = s.slice(nameStart, nameEnd);
      if (this.#skip.has(name)) {
        this.stats.points += 1;
        this.stats.skipped += 1;
        if (name === "dropped_iterations") this.stats.droppedIterations += 1;
        return;
      }
    } else if (s.charCodeAt(start) !== 123 /* { */) {
      this.stats.textLines += 1;
      this.#onText?.(s.slice(start, end));
      return;
    }
    this.#parsed(s.slice(start, end));
  }

  #parsed(line: string): void {
    let env: unknown;
    try {
      env = JSON.parse(line);
    } catch {
      this.stats.malformed += 1;
      return;
    }
    if (typeof env !== "object" || env === null) {
      this.stats.malformed += 1;
      return;
    }
    const e = env as { type?: unknown; metric?: unknown; data?: unknown };
    if (e.type === "Metric") {
      this.stats.declarations += 1;
      return;
    }
    const data = e.data as { time?: unknown; value?: unknown; tags?: unknown } | null | undefined;
    if (e.type !== "Point" || typeof e.metric !== "string" || typeof data !== "object" || data === null) {
      this.stats.malformed += 1;
      return;
    }
    const { time, value } = data;
    if (typeof time !== "string" || typeof value !== "number") {
      this.stats.malformed += 1;
      return;
    }
    const t = this.#time.parse(time);
    if (Number.isNaN(t)) {
      this.stats.malformed += 1;
      return;
    }
    this.stats.points += 1;
    const metric = e.metric;
    if (this.#skip.has(metric)) {
      this.stats.skipped += 1;
      if (metric === "dropped_iterations") this.stats.droppedIterations += 1;
      return;
    }
    const tags = this.#tags(data.tags);
    this.#store.add(metric, t, value, tags);
    this.stats.samples += 1;
    if (metric === "http_req_duration") {
      this.stats.requests += 1;
      const status = tags.status === undefined ? 0 : Number(tags.status);
      this.#onRequest?.(t, value, Number.isNaN(status) ? 0 : status);
    }
  }

  #tags(raw: unknown): Tags {
    if (typeof raw !== "object" || raw === null) return EMPTY_TAGS;
    const src = raw as Record<string, unknown>;
    // Requests of one kind repeat the same handful of tag sets; build each once.
    let key = "";
    for (const k in src) key += `${k}\u0000${String(src[k])}\u0001`;
    const cached = this.#tagCache.get(key);
    if (cached) return cached;
    const out: Record<string, string> = {};
    for (const k in src) {
      const v = src[k];
      if (DROPPED_TAGS.has(k) || v === undefined || v === null) continue;
      out[k] = String(v);
    }
    const frozen = Object.freeze(out);
    if (this.#tagCache.size < 10_000) this.#tagCache.set(key, frozen);
    return frozen;
  }
}

const EMPTY_TAGS: Tags = Object.freeze({});

// ---- timestamps ------------------------------------------------------------------------------------

/**
 * Parses k6's timestamps (Go RFC3339Nano: `2026-01-02T15:04:05.123456789+02:00`, fraction of 0–9
 * digits with trailing zeros trimmed, `Z` or a ±hh:mm offset) to epoch milliseconds with the
 * sub-millisecond part kept as a fraction. The epoch of the `YYYY-MM-DDTHH` prefix is cached: it
 * changes once an hour. Returns NaN for anything else.
 */
export class K6TimeParser {
  #prefix = "";
  #prefixMs = 0;

  parse(s: string): number {
    if (s.length < 20 || s.charCodeAt(13) !== 58 /* : */ || s.charCodeAt(16) !== 58) return Number.NaN;
    const prefix = s.slice(0, 13);
    if (prefix !== this.#prefix) {
      const base = hourEpoch(s);
      if (Number.isNaN(base)) return Number.NaN;
      this.#prefix = prefix;
      this.#prefixMs = base;
    }
    const mm = twoDigits(s, 14);
    const ss = twoDigits(s, 17);
    if (mm > 59 || ss > 60) return Number.NaN;
    let i = 19;
    let frac = 0;
    if (s.charCodeAt(i) === 46 /* . */) {
      i += 1;
      let scale = 100; // first fraction digit is hundreds of ms
      const first = i;
      for (; i < s.length; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        frac += d * scale;
        scale /= 10;
      }
      if (i === first) return Number.NaN;
    }
    let offsetMs = 0;
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */ && i + 1 === s.length) {
      offsetMs = 0;
    } else if ((z === 43 /* + */ || z === 45) /* - */ && i + 6 === s.length && s.charCodeAt(i + 3) === 58) {
      const oh = twoDigits(s, i + 1);
      const om = twoDigits(s, i + 4);
      if (oh > 23 || om > 59) return Number.NaN;
      offsetMs = (oh * 60 + om) * 60_000 * (z === 43 ? 1 : -1);
    } else {
      return Number.NaN;
    }
    return this.#prefixMs + mm * 60_000 + ss * 1_000 + frac - offsetMs;
  }
}

/** Two ASCII digits at `i`, or a value > 99 when they are not digits. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return 1000;
  return a * 10 + b;
}

/** Epoch ms of `YYYY-MM-DDTHH` (read as UTC; the caller applies the offset). */
function hourEpoch(s: string): number {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (s.charCodeAt(10) | 0x20) !== 116 /* t */) {
    return Number.NaN;
  }
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  if (year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour);
}

/** One-off parse (tests, callers without a stream). */
export function parseK6Time(s: string): number {
  return new K6TimeParser().parse(s);
}
