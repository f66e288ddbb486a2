// Runs a built-in HTTP load: the engine (load-engine/, Vegeta's attacker) as a child process paces
// the requests; this side generates them from the scenario's request generator while the load runs
// (written to the engine's stdin with backpressure, so only a few thousand are ever ahead), reads
// each result as it arrives, stores it as samples and hands it to the scenario's `record`.
//
// Samples: see result-sink.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { setPriority, getPriority } from "node:os";
import { join } from "node:path";
import type { SampleStore } from "../measure/samples.ts";
import type { HttpLoad, LoadRequest, RequestGenerator } from "../scenario/schema.ts";
import { resolveLoadEngine } from "./engine-bin.ts";
import { maxInFlightOf, plannedRequests, ratePlan, type RateStage } from "./http-plan.ts";
import { LiveStats } from "./live.ts";
import { type LoadRunOutcome, startLoadProcess } from "./load-process.ts";
import { ResultLineParser } from "./result-lines.ts";
import { ResultSink } from "./result-sink.ts";

export { DROPPED } from "./result-sink.ts";

export interface RunHttpLoadOptions {
  load: HttpLoad;
  /** Base URL of the load's target. */
  baseUrl: string;
  /** Folder for load.stderr.log and load.summary.json. */
  outDir: string;
  store: SampleStore;
  /** Aborting stops sending at once; requests in flight finish or time out. */
  signal?: AbortSignal;
  /** How long after an abort the engine may take before it is killed; default: the request timeout + 2 s + the gap between arrivals at the lowest rate. */
  graceMs?: number;
  bin?: string;
  /** Called about once a second while the load runs. */
  onProgress?: (live: LiveStats) => void;
}

export interface HttpLoadStats {
  planned: number;
  /** Requests handed to the engine. */
  generated: number;
  /** Results received: requests answered or failed, plus dropped arrivals. */
  results: number;
  requests: number;
  dropped: number;
  /** Requests counted as failures by `load.failOn`. */
  failures: number;
  /** Calls of `record` that threw or rejected. */
  recordErrors: number;
  malformed: number;
}

export interface HttpLoadRunResult extends LoadRunOutcome {
  stats: HttpLoadStats;
  /** First failure of the request generator or of `record`, when there was one. */
  scenarioError: string | undefined;
  files: { stderr: string; summary: string };
}

/** Bodies handed to `record` are cut here; the engine reads the rest and throws it away. */
const BODY_BYTES = 64 * 1024;
/** Requests generated per write to the engine. */
const BATCH = 128;

/** A request generator's output, checked: a bad one stops the load with the field at fault. */
function checkRequest(r: unknown, i: number): LoadRequest {
  const req = r as Partial<LoadRequest> | null;
  const bad = (what: string) => new Error(`load.request(${i}) returned ${what}`);
  if (typeof req !== "object" || req === null)
    throw bad(`${req === null ? "null" : typeof req}, not a request`);
  if (typeof req.path !== "string" || !req.path.startsWith("/"))
    throw bad(`a path that does not start with /`);
  if (req.method !== undefined && typeof req.method !== "string") throw bad("a method that is not a string");
  if (req.headers !== undefined && (typeof req.headers !== "object" || req.headers === null))
    throw bad("headers that are not an object");
  return req as LoadRequest;
}

/** One target line in Vegeta's JSON format; the index rides in the URL fragment, which is never sent. */
export function targetLine(base: string, req: LoadRequest, i: number): string {
  const header: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) header[k] = [String(v)];
  let body: string | undefined;
  if (req.body !== undefined) {
    if (typeof req.body === "string") body = req.body;
    else {
      body = JSON.stringify(req.body);
      if (!Object.keys(header).some((k) => k.toLowerCase() === "content-type"))
        header["content-type"] = ["application/json"];
    }
  }
  const path = req.path.includes("#") ? req.path.slice(0, req.path.indexOf("#")) : req.path;
  return `${JSON.stringify({
    method: (req.method ?? "GET").toUpperCase(),
    url: `${base}${path}#${i}`,
    header,
    ...(body !== undefined ? { body: Buffer.from(body).toString("base64") } : {}),
  })}\n`;
}

export async function runHttpLoad(o: RunHttpLoadOptions): Promise<HttpLoadRunResult> {
  const bin = resolveLoadEngine(o.bin);
  mkdirSync(o.outDir, { recursive: true });
  const load = o.load;
  const stages: RateStage[] = ratePlan(load);
  const planned = plannedRequests(stages);
  const maxInFlight = maxInFlightOf(load);
  const base = o.baseUrl.replace(/\/+$/, "");
  const enginePlan = {
    stages,
    timeoutMs: load.timeout,
    maxInFlight,
    keepAlive: load.keepAlive,
    headers: load.responseHeaders,
    bodyBytes: load.record && load.responseBody ? BODY_BYTES : 0,
  };
  const args = ["-plan", JSON.stringify(enginePlan)];
  const stderrPath = join(o.outDir, "load.stderr.log");
  const summaryPath = join(o.outDir, "load.summary.json");

  const live = new LiveStats({ failOn: load.failOn });
  const sink = new ResultSink({ load, baseUrl: base, store: o.store, live });
  const parser = new ResultLineParser(sink.onResult);
  const generate: RequestGenerator =
    typeof load.request === "function" ? load.request : () => load.request as LoadRequest;
  let generated = 0;
  let generatorError: string | undefined;

  const started = performance.now();
  let feeding = true;
  const engine = startLoadProcess({
    what: "the load engine",
    bin,
    args,
    stdin: "pipe",
    stderrLog: stderrPath,
    signal: o.signal,
    graceMs: o.graceMs ?? defaultGraceMs(stages, load.timeout),
    onStop: () => {
      feeding = false;
    },
  });
  const { child } = engine;
  const stdin = child.stdin as NonNullable<typeof child.stdin>;
  const enginePriority = raisePriority(child.pid);
  child.stdout?.on("data", (chunk: Buffer) => parser.write(chunk));
  // The engine closes stdin when it stops early; a write after that is expected, not an error.
  stdin.on("error", () => {});

  /** Resolves when the engine wants more input, or when its stdin is gone (it stopped early). */
  const writable = () =>
    new Promise<void>((resume) => {
      const done = () => {
        stdin.off("drain", done);
        stdin.off("close", done);
        resume();
      };
      stdin.on("drain", done);
      stdin.on("close", done);
    });
  const feed = async () => {
    let i = 0;
    try {
      while (feeding && i < planned && !stdin.destroyed) {
        let chunk = "";
        const stop = Math.min(planned, i + BATCH);
        for (; i < stop; i++) {
          let req: LoadRequest;
          let line: string;
          try {
            req = checkRequest(generate(i), i);
            try {
              line = targetLine(base, req, i);
            } catch (err) {
              // A body JSON cannot encode (a BigInt, a cycle) is the generator's fault too.
              throw new Error(
                `load.request(${i}) returned a body that is not JSON: ${(err as Error).message}`,
              );
            }
          } catch (err) {
            // A generator that throws or returns no request stops the load: the scenario is ERROR.
            generatorError =
              err instanceof Error && err.message.startsWith("load.request(")
                ? err.message
                : `load.request(${i}) threw: ${(err as Error)?.message ?? String(err)}`;
            feeding = false;
            break;
          }
          sink.sent(i, req);
          chunk += line;
        }
        generated = i;
        if (chunk && !stdin.write(chunk)) await writable();
      }
      // Only the generator's own failure stops the load; a `record` that threw is counted, not fatal.
      if (generatorError !== undefined) engine.stop();
    } finally {
      // The plan's requests are all written: end of input lets the engine stop when they are sent.
      stdin.end();
    }
  };
  const progress = o.onProgress ? setInterval(() => o.onProgress?.(live), 1_000) : undefined;

  try {
    void feed();
    const exit = await engine.exit;
    const durationMs = performance.now() - started;
    parser.end();
    await sink.settled(load.timeout);
    const stats: HttpLoadStats = { planned, generated, ...sink.counts, malformed: parser.malformed };
    const summary = {
      engine: bin,
      plan: { stages, planned, maxInFlight, timeoutMs: load.timeout, keepAlive: load.keepAlive },
      enginePriority: enginePriority ?? "as the harness (raising it is not permitted)",
      ...stats,
      achievedRps: stats.results / Math.max(0.001, durationMs / 1000),
      aborted: exit.aborted,
      errors: sink.topErrors(),
    };
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      aborted: exit.aborted,
      killed: exit.killed,
      stopMs: exit.stopMs,
      durationMs,
      command: [bin, ...args],
      stats,
      scenarioError: generatorError ?? sink.recordError,
      files: { stderr: stderrPath, summary: summaryPath },
      stderrTail: exit.stderrTail,
    };
  } finally {
    feeding = false;
    if (progress) clearInterval(progress);
  }
}

/** How far the engine is raised above the harness (a lower nice value) where that is permitted. */
const ENGINE_NICE = -5;

/**
 * The engine's pacing and its latency readings are the measurement; the harness's ingestion may lag
 * by a few ms without harm. On two shared cores, the harness's bursts of result handling otherwise
 * delay the engine's goroutines and show up in sub-millisecond p95s. Raising a process needs
 * CAP_SYS_NICE (root); without it the engine keeps the harness's priority. Returns the nice value set.
 */
function raisePriority(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const nice = Math.max(-20, getPriority() + ENGINE_NICE);
    setPriority(pid, nice);
    return nice;
  } catch {
    return undefined;
  }
}

/**
 * How long a stopping engine may take: requests in flight finish or time out, and Vegeta's pacer
 * sleeps out the gap to the next arrival before it sees the stop (up to 1/rate at a low rate).
 */
function defaultGraceMs(stages: readonly RateStage[], timeoutMs: number): number {
  const lowest = Math.min(...stages.flatMap((s) => [s.from, s.to]).filter((r) => r > 0));
  const gapMs = Number.isFinite(lowest) ? Math.min(60_000, 1_000 / lowest) : 0;
  return timeoutMs + 2_000 + gapMs;
}
