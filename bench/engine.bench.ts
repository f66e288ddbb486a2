// The built-in load engine (load-engine/, gameday-load on Vegeta) with and without the harness,
// against a zero-work loopback upstream (bench/zero-upstream.go, built here with `go build`, its own
// process). The load is the bundled chat load (scenarios/load/chat.ts, unique prompts: a request
// generator, four response headers and a `record` that emits four samples per response), so the
// harness side does what a scenario run does per request.
// 1. Overhead: the engine alone (gameday-load with a pre-generated target file on stdin, stdout to
//    a file parsed afterwards) vs the harness + engine (runHttpLoad into a SampleStore), same plan
//    (2,000 req/s × 10 s), alternating rounds: achieved-rate ratio (≥ 0.95) and p95 ratio (≤ 1.05),
//    medians; also the median over 1 s windows of each window's p95, which a burst of other work
//    on the machine moves less. Both sides are computed from the engine's own per-request start
//    and latency.
// 2. Pacing: requests per 1 s bucket of start times vs the plan in the harness runs; the worst
//    bucket's deviation (≤ 2 %).
// 3. Ceiling: the harness stepped up in rate until a 1 s bucket of start times falls below 95 % of
//    the plan or a request fails or is dropped; the engine alone by the same rule; wrk (closed loop,
//    as fast as it can) on the same upstream.
// 4. Memory: the harness at 20 and 200 req/s, each in a child process of its own (--expose-gc), on
//    an hour-long plan stopped after two minutes; heap and RSS read after a full GC every 2 s; their
//    growth over the second minute (least-squares slope) and the store's are extrapolated to an hour.
// Everything shares the machine's cores (upstream, engine, Node, wrk): ratios within one run only.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chat } from "../scenarios/load/chat.ts";
import { resolveLoadEngine } from "../src/load/engine-bin.ts";
import { type HttpLoadRunResult, runHttpLoad, targetLine } from "../src/load/http-engine.ts";
import { maxInFlightOf, plannedRequests, ratePlan } from "../src/load/http-plan.ts";
import { ResultLineParser } from "../src/load/result-lines.ts";
import { SampleStore, percentile } from "../src/measure/samples.ts";
import { type HttpLoad, httpLoad } from "../src/scenario/schema.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const run = promisify(execFile);
const UPSTREAM_SRC = fileURLToPath(new URL("./zero-upstream.go", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

// ---- upstream and wrk ----------------------------------------------------------------------------

async function buildUpstream(dir: string): Promise<string> {
  const out = join(dir, "zero-upstream");
  // A single stdlib-only file: no module, nothing downloaded.
  await run("go", ["build", "-trimpath", "-o", out, UPSTREAM_SRC], {
    env: { ...process.env, GOWORK: "off", GOFLAGS: "" },
  });
  return out;
}

interface Upstream {
  url: string;
  child: ChildProcess;
}

async function startUpstream(bin: string): Promise<Upstream> {
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    rl.once("line", resolve);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`zero-upstream exited with ${code}`)));
  });
  rl.close();
  return { url, child };
}

function stopUpstream(u: Upstream): Promise<void> {
  if (u.child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    u.child.once("exit", () => r());
    u.child.kill("SIGTERM");
  });
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "s" ? v * 1000 : v;
}

async function wrk(url: string, threads: number, conns: number, seconds: number) {
  const { stdout } = await run("wrk", [`-t${threads}`, `-c${conns}`, `-d${seconds}s`, "--latency", url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(stdout);
  if (!Number.isFinite(rps)) throw new Error(`could not read wrk's output:\n${stdout}`);
  return { rps, p50Ms: p50 ? toMs(p50[1]!, p50[2]!) : Number.NaN, errors: errors?.[0] };
}

// ---- the load, both ways -------------------------------------------------------------------------

const CHAT = chat({ prompts: "unique" });

function chatLoad(rate: number, seconds: number): HttpLoad {
  return httpLoad.parse({ kind: "http", target: "zero", rate, duration: seconds * 1000, ...CHAT });
}

/** The engine's -plan exactly as runHttpLoad builds it (checked against its command line). */
function enginePlan(load: HttpLoad): string {
  return JSON.stringify({
    stages: ratePlan(load),
    timeoutMs: load.timeout,
    maxInFlight: maxInFlightOf(load),
    keepAlive: load.keepAlive,
    headers: load.responseHeaders,
    bodyBytes: 0,
  });
}

/** What one run achieved, from the engine's per-request start times and latencies. */
interface Side {
  /** Responses with status 200 per second: / max(planned duration, span of start times). */
  achieved: number;
  p95: number;
  /** Median over the run's 1 s buckets of each bucket's p95: less moved by a burst of other work. */
  p95Typical: number;
  ok: number;
  /** Results that were not a 200: dropped, failed or timed out. */
  bad: number;
  /** Worst |requests − plan| / plan over the full 1 s buckets of start times. */
  worstBucket: number;
  buckets: number[];
  cpuMsPerReq?: number;
}

function side(
  starts: Float64Array,
  latencies: Float64Array,
  bad: number,
  rate: number,
  seconds: number,
): Side {
  const ok = starts.length;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of starts) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const span = ok > 0 ? last - first : 0;
  const buckets: number[] = new Array(Math.floor(seconds)).fill(0);
  const perSecond: number[][] = buckets.map(() => []);
  starts.forEach((t, i) => {
    const k = Math.floor((t - first) / 1000);
    if (k < buckets.length) {
      buckets[k]! += 1;
      perSecond[k]!.push(latencies[i]!);
    }
  });
  const worstBucket = Math.max(...buckets.map((n) => Math.abs(n - rate) / rate));
  return {
    achieved: ok / Math.max(seconds, span / 1000 + 1 / rate),
    p95: percentile(latencies, 95),
    p95Typical: median(perSecond.filter((l) => l.length > 0).map((l) => percentile(l, 95))),
    ok,
    bad,
    worstBucket,
    buckets,
  };
}

/** gameday-load on its own: targets from a file on stdin, results to a file, read afterwards. */
async function engineAlone(load: HttpLoad, targets: string, dir: string): Promise<Side> {
  mkdirSync(dir, { recursive: true });
  const outFile = join(dir, "results.tsv");
  const inFd = openSync(targets, "r");
  const outFd = openSync(outFile, "w");
  try {
    // Spawned as runHttpLoad spawns it (its own session, hence its own scheduler autogroup on
    // Linux): the two sides differ only in what is at the other end of stdin and stdout.
    const child = spawn(resolveLoadEngine(), ["-plan", enginePlan(load)], {
      stdio: [inFd, outFd, "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0) throw new Error(`gameday-load exited ${code}: ${stderr}`);
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  const starts: number[] = [];
  const latencies: number[] = [];
  let bad = 0;
  const parser = new ResultLineParser((r) => {
    if (r.status !== 200) bad += 1;
    else {
      starts.push(r.startMs);
      latencies.push(r.latencyMs);
    }
  });
  parser.write(readFileSync(outFile));
  parser.end();
  const rate = load.rate!;
  return side(Float64Array.from(starts), Float64Array.from(latencies), bad, rate, load.duration! / 1000);
}

/** runHttpLoad into a SampleStore, read back from the store as a scenario's measurements would. */
async function harness(
  load: HttpLoad,
  url: string,
  dir: string,
): Promise<Side & { res: HttpLoadRunResult; store: SampleStore }> {
  const store = new SampleStore();
  const cpu0 = process.cpuUsage();
  const res = await runHttpLoad({ load, baseUrl: url, outDir: dir, store });
  const cpu = process.cpuUsage(cpu0);
  if (res.exitCode !== 0 || res.scenarioError)
    throw new Error(`runHttpLoad: exit ${res.exitCode}, ${res.scenarioError ?? ""} ${res.stderrTail}`);
  const starts: number[] = [];
  const latencies: number[] = [];
  for (const s of store.samples("http_req_duration", { status: "200" })) {
    starts.push(s.t - s.value);
    latencies.push(s.value);
  }
  const bad = res.stats.results - starts.length;
  const out = side(
    Float64Array.from(starts),
    Float64Array.from(latencies),
    bad,
    load.rate!,
    load.duration! / 1000,
  );
  return { ...out, cpuMsPerReq: (cpu.user + cpu.system) / 1000 / Math.max(1, res.stats.results), res, store };
}

function writeTargets(load: HttpLoad, url: string, file: string): void {
  const generate = load.request as (i: number) => Parameters<typeof targetLine>[1];
  const n = plannedRequests(ratePlan(load));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(targetLine(url, generate(i), i));
  writeFileSync(file, lines.join(""));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmtSide = (s: Side) =>
  `${s.achieved.toFixed(1)} req/s, p95 ${s.p95.toFixed(3)} ms (per-second median ${s.p95Typical.toFixed(3)}), ${s.ok} ok, ${s.bad} not ok, worst bucket ${(s.worstBucket * 100).toFixed(2)} %`;

// ---- 1 + 2: overhead and pacing ------------------------------------------------------------------

async function overhead(ctx: BenchContext, url: string): Promise<BenchRecord[]> {
  const rate = 2000;
  const seconds = Math.max(3, Math.round(10 * ctx.scale));
  const rounds = ctx.scale >= 1 ? 5 : 2;
  const load = chatLoad(rate, seconds);
  const alone: Side[] = [];
  const withHarness: Side[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first so drift in the machine's load hits both.
    for (const which of r % 2 === 0 ? ["alone", "harness"] : ["harness", "alone"]) {
      const dir = join(ctx.workDir, `overhead-${which}-${r}`);
      mkdirSync(dir, { recursive: true });
      if (which === "alone") {
        // Generated per round: the unique prompts carry the clock, as the harness's do.
        const targets = join(dir, "targets.jsonl");
        writeTargets(load, url, targets);
        alone.push(await engineAlone(load, targets, dir));
      } else {
        const h = await harness(load, url, dir);
        if (h.res.command[2] !== enginePlan(load))
          throw new Error("the bench's -plan differs from runHttpLoad's");
        withHarness.push(h);
      }
    }
    const h = withHarness.at(-1)!;
    ctx.log(`round ${r + 1}: alone   ${fmtSide(alone.at(-1)!)}`);
    ctx.log(`         harness ${fmtSide(h)}; harness CPU ${h.cpuMsPerReq!.toFixed(3)} ms/req`);
  }
  const rateRatio = median(withHarness.map((h) => h.achieved)) / median(alone.map((a) => a.achieved));
  const p95Alone = median(alone.map((a) => a.p95));
  const p95Harness = median(withHarness.map((h) => h.p95));
  const p95Ratio = p95Harness / p95Alone;
  const worst = Math.max(...withHarness.map((h) => h.worstBucket));
  const worstAlone = Math.max(...alone.map((a) => a.worstBucket));
  const planned = plannedRequests(ratePlan(load));
  const complete = [...withHarness, ...alone].every((x) => x.bad === 0 && x.ok === planned);
  const pairRatios = withHarness.map((h, k) => h.p95 / alone[k]!.p95);
  const typicalAlone = median(alone.map((a) => a.p95Typical));
  const typicalHarness = median(withHarness.map((h) => h.p95Typical));
  const worstPerRound = withHarness.map((h) => (h.worstBucket * 100).toFixed(2));
  const cpuUs = median(withHarness.map((h) => h.cpuMsPerReq! * 1000));
  const plan = `${rate} req/s × ${seconds} s, median of ${rounds} alternating rounds`;
  return [
    {
      name: "engine.rate_ratio",
      value: rateRatio,
      unit: "ratio",
      target: ">= 0.95",
      ok: rateRatio >= 0.95,
      note: `${plan}; alone ${median(alone.map((a) => a.achieved)).toFixed(1)}, harness ${median(withHarness.map((h) => h.achieved)).toFixed(1)} req/s`,
    },
    {
      name: "engine.p95_ratio",
      value: p95Ratio,
      unit: "ratio",
      target: "<= 1.05",
      ok: p95Ratio <= 1.05,
      note: `alone ${p95Alone.toFixed(3)} ms, harness ${p95Harness.toFixed(3)} ms; per round ${pairRatios.map((r) => r.toFixed(2)).join(", ")}`,
    },
    {
      name: "engine.p95_ratio_per_second",
      value: typicalHarness / typicalAlone,
      unit: "ratio",
      note: `median over 1 s buckets of each bucket's p95, median of rounds: alone ${typicalAlone.toFixed(3)} ms, harness ${typicalHarness.toFixed(3)} ms`,
    },
    {
      name: "engine.worst_bucket_deviation",
      value: worst * 100,
      unit: "%",
      target: "<= 2",
      ok: worst <= 0.02,
      note: `all harness runs, 1 s buckets of start times at ${rate} req/s; per round ${worstPerRound.join(", ")} %; engine alone ≤ ${(worstAlone * 100).toFixed(2)} %`,
    },
    {
      name: "engine.harness_cpu_per_request",
      value: cpuUs,
      unit: "µs",
      note: `the harness process's CPU (user + system) per request at ${rate} req/s, median of ${rounds}`,
    },
    {
      name: "engine.all_ok",
      value: complete ? 1 : 0,
      unit: "bool",
      target: "== 1",
      ok: complete,
      note: "every planned request answered 200, none dropped, on both sides",
    },
  ];
}

// ---- 3: ceiling ----------------------------------------------------------------------------------

/**
 * Steps of 2,000 req/s, then of 500 above the last that held: the highest rate that held, i.e.
 * every 1 s bucket of start times ≥ 95 % of the plan and no request failed or was dropped.
 */
async function stepUp(
  ctx: BenchContext,
  label: string,
  runAt: (rate: number) => Promise<Side>,
): Promise<{ held: number; broke: number; atMax: Side | undefined }> {
  let held = 0;
  let broke = 0;
  let atMax: Side | undefined;
  const step = async (rate: number): Promise<boolean> => {
    const s = await runAt(rate);
    // Sustained: on plan overall and in every 1 s bucket of start times, nothing failed or dropped.
    const ok = s.bad === 0 && s.achieved >= 0.95 * rate && Math.min(...s.buckets) >= 0.95 * rate;
    ctx.log(`${label} ${rate} req/s: ${fmtSide(s)}; ${ok ? "held" : "did not hold"}`);
    if (ok) {
      held = rate;
      atMax = s;
    } else broke = rate;
    return ok;
  };
  for (let rate = 2000; rate <= 40_000; rate += 2000) if (!(await step(rate))) break;
  if (broke > 0) for (let rate = held + 500; rate < broke; rate += 500) if (!(await step(rate))) break;
  return { held, broke, atMax };
}

async function ceiling(ctx: BenchContext, url: string): Promise<BenchRecord[]> {
  const seconds = Math.max(3, Math.round(5 * ctx.scale));
  const wrkSeconds = Math.max(3, Math.round(10 * ctx.scale));
  const w = await wrk(`${url}/`, 2, 32, wrkSeconds);
  ctx.log(
    `wrk -t2 -c32 -d${wrkSeconds}s: ${Math.round(w.rps)} req/s, p50 ${w.p50Ms.toFixed(3)} ms ${w.errors ?? ""}`,
  );
  const withHarness = await stepUp(ctx, "harness", async (rate) => {
    const dir = join(ctx.workDir, `ceiling-harness-${rate}`);
    const { res: _res, store: _store, ...h } = await harness(chatLoad(rate, seconds), url, dir);
    return h;
  });
  const alone = await stepUp(ctx, "alone", async (rate) => {
    const dir = join(ctx.workDir, `ceiling-alone-${rate}`);
    mkdirSync(dir, { recursive: true });
    const load = chatLoad(rate, seconds);
    writeTargets(load, url, join(dir, "targets.jsonl"));
    return engineAlone(load, join(dir, "targets.jsonl"), dir);
  });
  const max = withHarness.held;
  return [
    {
      name: "engine.max_sustained_rate",
      value: max,
      unit: "req/s",
      note: `harness ingesting the chat load, ${seconds} s steps; ${withHarness.broke || "no"} req/s did not hold; p95 ${withHarness.atMax?.p95.toFixed(3) ?? "–"} ms at the max`,
    },
    {
      name: "engine.max_sustained_rate_alone",
      value: alone.held,
      unit: "req/s",
      note: `the engine alone, same steps and rule; ${alone.broke || "no"} req/s did not hold`,
    },
    {
      name: "engine.wrk_rate",
      value: w.rps,
      unit: "req/s",
      note: `wrk -t2 -c32 -d${wrkSeconds}s, GET, same upstream (closed loop); harness max / wrk = ${(max / w.rps).toFixed(2)}`,
    },
  ];
}

// ---- 4: memory -----------------------------------------------------------------------------------

interface MemoryReading {
  s: number;
  heap: number;
  rss: number;
  store: number;
}

interface MemoryRun {
  rate: number;
  seconds: number;
  requests: number;
  samples: number;
  storeBytes: number;
  readings: MemoryReading[];
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

/**
 * In the child: a warm-up run, then an hour-long plan stopped after `seconds`, so the requests
 * generated ahead of the engine (its prefetch, held in runHttpLoad until their results) stay a
 * constant window as in a real hour. A reading after a full GC every 2 s.
 */
async function memoryChild(url: string, rate: number, seconds: number, dir: string): Promise<MemoryRun> {
  const gc = globalThis.gc;
  if (!gc) throw new Error("run with --expose-gc");
  await runHttpLoad({
    load: chatLoad(rate, 3),
    baseUrl: url,
    outDir: join(dir, "warm"),
    store: new SampleStore(),
  });
  const store = new SampleStore();
  const readings: MemoryReading[] = [];
  const read = (s: number) => {
    gc();
    const m = process.memoryUsage();
    readings.push({ s, heap: m.heapUsed + m.external, rss: m.rss, store: store.bytes() });
  };
  const stop = new AbortController();
  let tick = 0;
  const res = await runHttpLoad({
    load: chatLoad(rate, 3600),
    baseUrl: url,
    outDir: join(dir, "run"),
    store,
    signal: stop.signal,
    onProgress: () => {
      tick += 1;
      if (tick % 2 === 0) read(tick);
      if (tick >= seconds) stop.abort();
    },
  });
  const samples = store.metrics().reduce((n, m) => n + store.count(m), 0);
  return { rate, seconds, requests: res.stats.results, samples, storeBytes: store.bytes(), readings };
}

function memoryRun(url: string, rate: number, seconds: number, dir: string): Promise<MemoryRun> {
  return new Promise((resolve, reject) => {
    const args = ["--expose-gc", "--disable-warning=ExperimentalWarning", SELF, "memory", url];
    const child = spawn(process.execPath, [...args, String(rate), String(seconds), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as MemoryRun)
        : reject(new Error(`memory child exited ${code}`)),
    );
  });
}

async function memory(ctx: BenchContext, url: string): Promise<BenchRecord[]> {
  // Two minutes: LiveStats' ring (60 one-second histograms) fills during the first; growth is read
  // over the second.
  const seconds = Math.max(30, Math.round(120 * ctx.scale));
  const from = Math.min(64, seconds / 2);
  // Both rates at once, each in its own process: together they are a tenth of the overhead load.
  const runs = await Promise.all(
    [20, 200].map((rate) => memoryRun(url, rate, seconds, join(ctx.workDir, `memory-${rate}`))),
  );
  const rows: BenchRecord[] = [];
  const mib = (b: number) => (b / MiB).toFixed(1);
  for (const m of runs) {
    const rs = m.readings.filter((r) => r.s >= from);
    const xs = rs.map((r) => r.s);
    const perH = (ys: number[]) => (slope(xs, ys) * 3600) / MiB;
    const heapPerH = perH(rs.map((r) => r.heap));
    const otherPerH = perH(rs.map((r) => r.heap - r.store));
    const rssPerH = perH(rs.map((r) => r.rss));
    const samplesPerS = m.samples / m.seconds;
    // 20 B per sample (8 B time, 8 B value, 4 B tag-set id); columns double, so up to 2× that.
    const storePerH = (samplesPerS * 3600 * 20) / MiB;
    ctx.log(
      `${m.rate} req/s × ${m.seconds} s: ${m.requests} requests, ${m.samples} samples (${(m.samples / m.requests).toFixed(2)}/request), store ${mib(m.storeBytes)} MiB at the end`,
    );
    ctx.log(
      `   after GC, s: heap+external / RSS MiB: ${rs
        .filter((_, k) => k % 4 === 0)
        .map((r) => `${r.s}: ${mib(r.heap)}/${mib(r.rss)}`)
        .join(", ")}`,
    );
    ctx.log(
      `   per hour: store ${storePerH.toFixed(1)} MiB (raw), heap ${heapPerH.toFixed(1)} MiB (of which not the store ${otherPerH.toFixed(1)}), RSS ${rssPerH.toFixed(1)} MiB`,
    );
    const window = `${from}–${m.seconds} s`;
    rows.push(
      {
        name: `engine.memory_${m.rate}rps_store_mib_per_h`,
        value: storePerH,
        unit: "MiB/h",
        note: `${samplesPerS.toFixed(0)} samples/s × 20 B × 3600; the store's columns double, so it holds up to 2× that`,
      },
      {
        name: `engine.memory_${m.rate}rps_heap_other_mib_per_h`,
        value: otherPerH,
        unit: "MiB/h",
        note: `heap + external after GC minus the store, slope over ${window} × 3600`,
      },
      {
        name: `engine.memory_${m.rate}rps_heap_mib_per_h`,
        value: heapPerH,
        unit: "MiB/h",
        note: `heap + external after GC, slope over ${window} × 3600 (steps when the store's columns double)`,
      },
      {
        name: `engine.memory_${m.rate}rps_rss_mib_per_h`,
        value: rssPerH,
        unit: "MiB/h",
        note: `RSS slope over ${window} × 3600`,
      },
    );
  }
  return rows;
}

// ---- entry ---------------------------------------------------------------------------------------

export default async function engineBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const bin = await buildUpstream(ctx.workDir);
  const upstream = await startUpstream(bin);
  ctx.log(`engine ${resolveLoadEngine()}, upstream ${upstream.url} (zero-work, Go)`);
  const parts = (process.env.BENCH_ENGINE_PARTS ?? "overhead,ceiling,memory").split(",");
  const rows: BenchRecord[] = [];
  try {
    if (parts.includes("overhead")) rows.push(...(await overhead(ctx, upstream.url)));
    if (parts.includes("ceiling")) rows.push(...(await ceiling(ctx, upstream.url)));
    if (parts.includes("memory")) rows.push(...(await memory(ctx, upstream.url)));
  } finally {
    await stopUpstream(upstream);
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === "memory") {
    const [url, rate, seconds, dir] = process.argv.slice(3);
    const m = await memoryChild(url!, Number(rate), Number(seconds), dir!);
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } else {
    const workDir = mkdtempSync(join(tmpdir(), "gameday-bench-engine-"));
    const rows = await engineBench({
      workDir,
      scale: Number(process.env.BENCH_SCALE ?? "1"),
      log: console.log,
    });
    for (const r of rows)
      console.log(
        r.name,
        Math.round(r.value * 1000) / 1000,
        r.unit,
        r.target ?? "",
        r.ok ?? "",
        r.note ?? "",
      );
  }
}
