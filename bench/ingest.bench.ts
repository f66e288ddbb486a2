// Result ingestion throughput and SampleStore memory, on this thread, without a load running.
// 1. The built-in engine's result lines (load-engine/: index, start ns, latency ns, status, error
//    [, header values]): ≥ 1,000,000 synthetic lines in 64 KiB chunks through ResultLineParser and
//    runHttpLoad's own ResultSink (src/load/result-sink.ts: counters, the http_req_duration
//    sample, LiveStats, failure and error tallies) → results/s (target ≥ 500,000).
//    Plain lines without a record, and, as a second row, the chat load's lines (four response
//    headers) with its `record` (scenarios/load/chat.ts, four more samples per response).
// 2. Bytes per stored sample, and the store's size for a simulated one-hour run of the chat load at
//    20 req/s fed through the same path, at 15/30/45/60 min to show it grows linearly.
// 3. Secondary: k6 NDJSON ingestion (K6Ingest, for loads on the user's own k6), on synthetic lines
//    in k6 v1.8's format; no k6 binary is run.
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { recordChat } from "../scenarios/load/chat.ts";
import { K6Ingest } from "../src/load/ingest.ts";
import { LiveStats } from "../src/load/live.ts";
import { type LoadResult, ResultLineParser } from "../src/load/result-lines.ts";
import { ResultSink } from "../src/load/result-sink.ts";
import { SampleStore } from "../src/measure/samples.ts";
import type { LoadRecorder, LoadRequest } from "../src/scenario/schema.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const CHUNK = 64 * 1024;
const TARGET_LINES = 1_000_000;
const FAIL_ON = ["5xx", "429", "network"] as const;
const CHAT_HEADERS = ["x-provider", "x-cost-usd", "x-cache", "x-depth-k"];
const BASE = "http://127.0.0.1:8080";
const CHAT_REQUEST: LoadRequest = { method: "POST", path: "/v1/chat", name: "chat", headers: {}, body: {} };

// ---- engine result lines -------------------------------------------------------------------------

const HEADER_LINE = (headers: string[]) =>
  `${["#gameday-load", "1", "index", "start_ns", "latency_ns", "status", "error", ...headers.map((h) => `h:${h}`)].join("\t")}\n`;

/**
 * Result lines as the engine writes them: 2,000 req/s of start times, latencies of 0.2–40 ms,
 * 2 % 502s, 0.1 % connection errors (status 0) and, with `headers`, the chat service's headers.
 */
function resultLines(n: number, headers: boolean, from = 0, startNs = 1_796_230_000_000_000_000n): string {
  const parts: string[] = [];
  const stepNs = 500_000n;
  for (let i = from; i < from + n; i++) {
    const start = startNs + BigInt(i) * stepNs;
    const latency = 200_000 + ((i * 7919) % 40_000_000);
    let status = "200";
    let error = "";
    if (i % 1000 === 999) {
      status = "0";
      error = `Post "${BASE}/v1/chat": dial tcp 127.0.0.1:8080: connect: connection refused`;
    } else if (i % 50 === 49) {
      status = "502";
      error = "502 Bad Gateway";
    }
    let line = `${i}\t${start}\t${latency}\t${status}\t${error}`;
    if (headers)
      line +=
        status === "200"
          ? `\tsecondary\t0.0021\t${i % 3 === 0 ? "hit" : "miss"}\t${(i % 16) + 1}`
          : status === "502"
            ? "\tprimary\t\t\t"
            : "\t\t\t\t";
    parts.push(`${line}\n`);
  }
  return parts.join("");
}

/**
 * What runHttpLoad does with each result: its ResultSink (src/load/result-sink.ts), minus the
 * child process. `record` given: the chat load's recorder, fed the LoadResponse runHttpLoad builds.
 */
function resultSink(store: SampleStore, record?: LoadRecorder, responseHeaders: string[] = []) {
  const sink = new ResultSink({
    load: { tags: {}, failOn: [...FAIL_ON], responseHeaders, record, request: CHAT_REQUEST },
    baseUrl: BASE,
    store,
    live: new LiveStats({ failOn: FAIL_ON }),
  });
  return {
    stats: sink.counts,
    // runHttpLoad keeps request i when it writes it to the engine; here, just before its result.
    onResult: (r: LoadResult) => {
      sink.sent(r.index, CHAT_REQUEST);
      sink.onResult(r);
    },
  };
}

function chunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median results/s over `passes` timed passes (fresh parser and store each), after a warm-up pass. */
function engineThroughput(withChat: boolean, passes: number, lines: number) {
  const headers = withChat ? CHAT_HEADERS : [];
  const block = Buffer.from(HEADER_LINE(headers) + resultLines(lines, withChat));
  const parts = chunks(block);
  const rates: number[] = [];
  let samples = 0;
  for (let pass = -1; pass < passes; pass++) {
    const store = new SampleStore();
    const sink = resultSink(store, withChat ? recordChat : undefined, headers);
    const parser = new ResultLineParser(sink.onResult);
    const t0 = performance.now();
    for (const p of parts) parser.write(p);
    parser.end();
    const s = (performance.now() - t0) / 1000;
    if (parser.malformed > 0 || sink.stats.results !== lines || sink.stats.recordErrors > 0)
      throw new Error(
        `replay: ${sink.stats.results}/${lines} results, ${parser.malformed} malformed, ${sink.stats.recordErrors} record errors`,
      );
    if (pass >= 0) rates.push(lines / s);
    samples = store.metrics().reduce((n, m) => n + store.count(m), 0);
  }
  return { perS: median(rates), all: rates, mbPerS: (median(rates) * block.length) / lines / 1e6, samples };
}

/** A full GC, also when node runs without --expose-gc (as `make bench` does). */
function fullGc(): void {
  if (globalThis.gc) {
    globalThis.gc();
    return;
  }
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

function hourAt20rps(ctx: BenchContext): BenchRecord[] {
  const store = new SampleStore();
  const sink = resultSink(store, recordChat, CHAT_HEADERS);
  const parser = new ResultLineParser(sink.onResult);
  parser.write(HEADER_LINE(CHAT_HEADERS));
  const rps = 20;
  const rows: BenchRecord[] = [];
  const startNs = BigInt(Date.UTC(2026, 0, 1, 9)) * 1_000_000n;
  fullGc();
  const heap0 = process.memoryUsage();
  // resultLines spaces requests 0.5 ms apart; at 20 req/s they are 50 ms apart.
  const stepNs = 50_000_000n;
  for (let second = 0; second < 3600; second++) {
    let text = "";
    for (let k = 0; k < rps; k++) {
      const i = second * rps + k;
      text += resultLines(1, true, i, startNs + BigInt(i) * stepNs - BigInt(i) * 500_000n);
    }
    parser.write(text);
    if ((second + 1) % 900 === 0) {
      const minutes = (second + 1) / 60;
      const samples = store.metrics().reduce((n, m) => n + store.count(m), 0);
      ctx.log(
        `${minutes} min: ${samples} samples, store ${store.bytes()} bytes (${(store.bytes() / samples).toFixed(1)} B/sample)`,
      );
      rows.push({ name: `ingest.store_bytes_${minutes}min_20rps`, value: store.bytes(), unit: "bytes" });
    }
  }
  parser.end();
  fullGc();
  const heap1 = process.memoryUsage();
  const samples = store.metrics().reduce((n, m) => n + store.count(m), 0);
  rows.push(
    {
      name: "ingest.hour_20rps_samples",
      value: samples,
      unit: "samples",
      note: `${sink.stats.results} results of the chat load, ${(samples / sink.stats.results).toFixed(2)} samples each`,
    },
    {
      name: "ingest.bytes_per_sample",
      value: store.bytes() / samples,
      unit: "B",
      target: "<= 48",
      ok: store.bytes() / samples <= 48,
      note: "columns t/value/tag id = 20 B, capacity doubles",
    },
    {
      name: "ingest.hour_20rps_heap_delta",
      value: heap1.heapUsed + heap1.external - heap0.heapUsed - heap0.external,
      unit: "bytes",
      note: "heap + external after a full GC, store included",
    },
  );
  if (store.count("http_req_duration") !== 72_000) throw new Error("hour simulation lost requests");
  return rows;
}

// ---- k6 NDJSON (secondary) -----------------------------------------------------------------------

/** One request as k6 v1.8 writes it with a chat-like script: 15 lines, 3 of them kept. */
function k6RequestLines(t: number, i: number): string {
  const time = new Date(t).toISOString().replace("Z", `${String(i % 1000).padStart(3, "0")}123Z`);
  const fail = i % 50 === 0;
  const status = fail ? "502" : "200";
  const provider = fail ? "primary" : "secondary";
  const http = `{"expected_response":"${!fail}","group":"","method":"POST","name":"chat","proto":"HTTP/1.1","scenario":"gameday","status":"${status}","url":"chat"}`;
  const plain = `{"group":"","scenario":"gameday"}`;
  const p = (metric: string, value: number, tags: string) =>
    `{"metric":"${metric}","type":"Point","data":{"time":"${time}","value":${value},"tags":${tags}}}\n`;
  return (
    p("http_reqs", 1, http) +
    p("http_req_duration", 40 + (i % 97), http) +
    p("http_req_blocked", 0.004, http) +
    p("http_req_connecting", 0, http) +
    p("http_req_tls_handshaking", 0, http) +
    p("http_req_sending", 0.02, http) +
    p("http_req_waiting", 39.5, http) +
    p("http_req_receiving", 0.05, http) +
    p("http_req_failed", fail ? 1 : 0, http) +
    p(
      "provider_responses",
      1,
      `{"group":"","provider":"${provider}","scenario":"gameday","status":"${status}"}`,
    ) +
    p("unit_cost_usd", fail ? 0 : 0.0021, `{"group":"","provider":"${provider}","scenario":"gameday"}`) +
    p("data_sent", 250, plain) +
    p("data_received", 180, plain) +
    p("iteration_duration", 41, plain) +
    p("iterations", 1, plain)
  );
}

function k6Throughput(): { linesPerS: number; mbPerS: number; lines: number } {
  const start = Date.UTC(2026, 0, 1, 9);
  let text = "";
  for (let i = 0; i < 10_000; i++) text += k6RequestLines(start + i * 20, i);
  const parts = chunks(Buffer.from(text));
  const linesPerBlock = 15 * 10_000;
  const repeats = Math.ceil(TARGET_LINES / linesPerBlock);
  const warm = new K6Ingest({ store: new SampleStore() });
  for (const p of parts) warm.write(p);
  warm.end();
  const ing = new K6Ingest({ store: new SampleStore() });
  const t0 = performance.now();
  for (let r = 0; r < repeats; r++) for (const p of parts) ing.write(p);
  const stats = ing.end();
  const s = (performance.now() - t0) / 1000;
  if (stats.malformed > 0) throw new Error(`${stats.malformed} malformed k6 lines`);
  return { linesPerS: stats.lines / s, mbPerS: stats.bytes / 1e6 / s, lines: stats.lines };
}

export default async function ingestBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const passes = ctx.scale >= 1 ? 5 : 3;
  const lines = Math.max(200_000, Math.round(TARGET_LINES * Math.min(1, ctx.scale)));
  // The hour first, on a quiet heap: the throughput passes leave large buffers behind.
  const rows: BenchRecord[] = hourAt20rps(ctx);
  const plain = engineThroughput(false, passes, lines);
  ctx.log(
    `engine lines, no record: ${lines} lines × ${passes} passes: ${plain.all.map((r) => Math.round(r / 1000)).join(", ")} k results/s`,
  );
  const withChat = engineThroughput(true, passes, lines);
  ctx.log(
    `engine lines, chat headers + record (${(withChat.samples / lines).toFixed(2)} samples/result): ${withChat.all.map((r) => Math.round(r / 1000)).join(", ")} k results/s`,
  );
  rows.push(
    {
      name: "ingest.engine_results_per_s",
      value: plain.perS,
      unit: "results/s",
      target: ">= 500000",
      ok: plain.perS >= 500_000,
      note: `${lines} result lines in 64 KiB chunks, one thread, median of ${passes}; ${plain.mbPerS.toFixed(0)} MB/s`,
    },
    {
      name: "ingest.engine_results_per_s_chat_record",
      value: withChat.perS,
      unit: "results/s",
      note: `with 4 response headers and the chat load's record; ${withChat.mbPerS.toFixed(0)} MB/s`,
    },
  );
  const k6 = k6Throughput();
  ctx.log(`k6 NDJSON (synthetic): ${k6.lines} lines at ${Math.round(k6.linesPerS)} lines/s`);
  rows.push({
    name: "ingest.k6_ndjson_lines_per_s",
    value: k6.linesPerS,
    unit: "lines/s",
    note: `secondary (loads on the user's k6): ${k6.lines} synthetic k6 lines, ${k6.mbPerS.toFixed(0)} MB/s`,
  });
  return rows;
}

// `node bench/ingest.bench.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await ingestBench({
    workDir: "",
    scale: Number(process.env.BENCH_SCALE ?? "1"),
    log: console.log,
  });
  for (const r of rows)
    console.log(r.name, Math.round(r.value * 100) / 100, r.unit, r.target ?? "", r.ok ?? "");
}
