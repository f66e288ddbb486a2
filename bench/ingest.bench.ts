// Ingest throughput and SampleStore memory.
// 1. Records real k6 NDJSON once (chat.ts at 50 rps against a loopback stand-in, reused from
//    workDir when present), replays it to ≥ 1,000,000 lines in 64 KiB chunks through K6Ingest on
//    this thread → lines/s (target ≥ 500,000).
// 2. Bytes per stored sample, and the store's size for a simulated one-hour run at 20 rps fed
//    through the ingest in k6's own line format, at 15/30/45/60 min to show it grows linearly.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { K6Ingest } from "../src/load/ingest.ts";
import { writeK6Config } from "../src/load/k6-options.ts";
import { resolveK6Bin } from "../src/load/k6-runner.ts";
import { SampleStore } from "../src/measure/samples.ts";
import { k6Load } from "../src/scenario/schema.ts";
import { startChatServer } from "../test/integration/load-chat-server.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const CHAT = fileURLToPath(new URL("../scenarios/load/chat.ts", import.meta.url));
const CHUNK = 64 * 1024;
const TARGET_LINES = 1_000_000;

async function recording(ctx: BenchContext): Promise<string> {
  const file = join(ctx.workDir, "k6-recording.ndjson");
  if (existsSync(file)) return file;
  const server = await startChatServer({ failEvery: 10 });
  try {
    const seconds = Math.max(3, Math.round(10 * ctx.scale));
    const load = k6Load.parse({ kind: "k6", script: CHAT, rate: 50, duration: `${seconds}s` });
    ctx.log(`recording k6 NDJSON: 50 rps × ${seconds} s`);
    // Spawned, not execFileSync: the server lives on this process's event loop.
    const args = [
      "run",
      "--quiet",
      "--no-usage-report",
      "--address",
      "",
      "--config",
      writeK6Config(load, ctx.workDir),
    ];
    args.push("--out", `json=${file}`, "-e", `TARGET_URL=${server.url}`, CHAT);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(resolveK6Bin(), args, {
        stdio: "ignore",
        env: { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: "false" },
      });
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`k6 exited with ${code}`))));
    });
  } finally {
    await server.close();
  }
  return file;
}

function chunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
}

function throughput(
  block: Buffer,
  linesPerBlock: number,
): { linesPerS: number; mbPerS: number; lines: number } {
  const parts = chunks(block);
  const repeats = Math.ceil(TARGET_LINES / linesPerBlock);
  const warm = new K6Ingest({ store: new SampleStore() });
  for (const p of parts) warm.write(p);
  warm.end();
  const ing = new K6Ingest({ store: new SampleStore() });
  const t0 = performance.now();
  for (let r = 0; r < repeats; r++) for (const p of parts) ing.write(p);
  const stats = ing.end();
  const s = (performance.now() - t0) / 1000;
  if (stats.malformed > 0) throw new Error(`${stats.malformed} malformed lines in the replay`);
  return { linesPerS: stats.lines / s, mbPerS: stats.bytes / 1e6 / s, lines: stats.lines };
}

/** One request as k6 v1.8 writes it with chat.ts: 13 built-in lines and 3 kept ones. */
function requestLines(t: number, i: number): string {
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

function hourAt20rps(ctx: BenchContext): BenchRecord[] {
  const store = new SampleStore();
  const ing = new K6Ingest({ store });
  const start = Date.UTC(2026, 0, 1, 9);
  const rps = 20;
  const rows: BenchRecord[] = [];
  globalThis.gc?.();
  const heap0 = process.memoryUsage();
  let i = 0;
  for (let second = 0; second < 3600; second++) {
    let text = "";
    for (let k = 0; k < rps; k++) text += requestLines(start + second * 1000 + k * (1000 / rps), i++);
    ing.write(text);
    if ((second + 1) % 900 === 0) {
      const minutes = (second + 1) / 60;
      const samples =
        store.count("http_req_duration") + store.count("provider_responses") + store.count("unit_cost_usd");
      ctx.log(
        `${minutes} min: ${samples} samples, store ${store.bytes()} bytes (${(store.bytes() / samples).toFixed(1)} B/sample)`,
      );
      rows.push({ name: `ingest.store_bytes_${minutes}min_20rps`, value: store.bytes(), unit: "bytes" });
    }
  }
  const stats = ing.end();
  globalThis.gc?.();
  const heap1 = process.memoryUsage();
  const samples = stats.samples;
  rows.push(
    { name: "ingest.hour_20rps_samples", value: samples, unit: "samples", note: `${stats.lines} k6 lines` },
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
      value: heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers,
      unit: "bytes",
      note: globalThis.gc ? "after gc" : "no --expose-gc: includes garbage",
    },
  );
  // The store stays reachable until here so the heap figure includes it.
  if (store.count("http_req_duration") !== 72_000) throw new Error("hour simulation lost requests");
  return rows;
}

export default async function ingestBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const file = await recording(ctx);
  const raw = readFileSync(file, "utf8");
  const lines = raw.split("\n").filter((l) => l.length > 0);
  const block = Buffer.from(`${lines.join("\n")}\n`);
  const kept = lines.filter((l) =>
    /^\{"metric":"(http_req_duration|provider_responses|unit_cost_usd)"/.test(l),
  ).length;
  ctx.log(
    `recording: ${lines.length} lines, ${block.length} bytes, ${kept} kept (${((kept / lines.length) * 100).toFixed(0)} %)`,
  );
  const run = throughput(block, lines.length);
  ctx.log(
    `replayed ${run.lines} lines at ${Math.round(run.linesPerS)} lines/s (${run.mbPerS.toFixed(0)} MB/s)`,
  );
  const rows: BenchRecord[] = [
    {
      name: "ingest.lines_per_s",
      value: run.linesPerS,
      unit: "lines/s",
      target: ">= 500000",
      ok: run.linesPerS >= 500_000,
      note: `${run.lines} lines of recorded k6 output, one thread`,
    },
    { name: "ingest.mb_per_s", value: run.mbPerS, unit: "MB/s" },
  ];
  rows.push(...hourAt20rps(ctx));
  return rows;
}

// `node bench/ingest.bench.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const workDir = process.env.BENCH_WORKDIR ?? mkdtempSync(join(tmpdir(), "gameday-bench-ingest-"));
  const rows = await ingestBench({
    workDir,
    scale: Number(process.env.BENCH_SCALE ?? "1"),
    log: console.log,
  });
  for (const r of rows)
    console.log(r.name, Math.round(r.value * 100) / 100, r.unit, r.target ?? "", r.ok ?? "");
}
