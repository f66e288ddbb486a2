// Runs a built-in HTTP load: the engine (load-engine/, Vegeta's attacker) as a child process paces
// the requests; this side generates them from the scenario's request generator while the load runs
// (written to the engine's stdin with backpressure, so only a few thousand are ever ahead), reads
// each result as it arrives, stores it as samples and hands it to the scenario's `record`.
//
// Samples, matching what the measurements read:
// - http_req_duration{status, name?, …tags}: latency in ms, stamped when the request completed
//   (start + latency), as k6 stamps its samples; measurements place a request at its start by
//   subtracting its duration. status "0" is a request that got no response.
// - dropped_requests: an arrival not sent because maxInFlight requests were in flight.
// - whatever `record` emits, stamped at the request's completion unless it says otherwise.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { setPriority, getPriority } from "node:os";
import { join } from "node:path";
import { failureClassifier } from "../engine/failures.ts";
import type { SampleStore, Tags } from "../measure/samples.ts";
import type {
  EmitSample,
  HttpLoad,
  LoadRequest,
  LoadResponse,
  RequestGenerator,
} from "../scenario/schema.ts";
import { resolveLoadEngine } from "./engine-bin.ts";
import { maxInFlightOf, plannedRequests, ratePlan, type RateStage } from "./http-plan.ts";
import { LiveStats } from "./live.ts";
import { type LoadResult, ResultLineParser } from "./result-lines.ts";

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

export interface HttpLoadRunResult {
  exitCode: number | null;
  signal: string | null;
  aborted: boolean;
  killed: boolean;
  /** Abort → engine exit, ms; undefined when not aborted. */
  stopMs: number | undefined;
  durationMs: number;
  command: string[];
  stats: HttpLoadStats;
  /** First failure of the request generator or of `record`, when there was one. */
  scenarioError: string | undefined;
  files: { stderr: string; summary: string };
  stderrTail: string;
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
  const stderrLog = createWriteStream(stderrPath);
  let stderrTail = "";

  const stats: HttpLoadStats = {
    planned,
    generated: 0,
    results: 0,
    requests: 0,
    dropped: 0,
    failures: 0,
    recordErrors: 0,
    malformed: 0,
  };
  let scenarioError: string | undefined;
  const errorCounts = new Map<string, number>();
  const isFailure = failureClassifier(load.failOn);
  const live = new LiveStats({ failOn: load.failOn });
  const generate: RequestGenerator =
    typeof load.request === "function" ? load.request : () => load.request as LoadRequest;
  const recorder = load.record;
  // Requests waiting for their result, for `record` and the `name` tag of generated requests; at
  // most the prefetch depth plus in-flight.
  const pending = recorder || typeof load.request === "function" ? new Map<number, LoadRequest>() : undefined;
  const recordsRunning = new Set<Promise<void>>();

  // Tag sets repeat (a few statuses × names); build each once.
  const tagCache = new Map<string, Tags>();
  const tagsFor = (status: number, name: string | undefined): Tags => {
    const key = `${status}\u0000${name ?? ""}`;
    let t = tagCache.get(key);
    if (!t) {
      t = Object.freeze({ ...load.tags, ...(name ? { name } : {}), status: String(status) });
      tagCache.set(key, t);
    }
    return t;
  };

  const staticName = typeof load.request === "function" ? undefined : load.request.name;
  const onResult = (r: LoadResult) => {
    stats.results += 1;
    const req = pending?.get(r.index);
    pending?.delete(r.index);
    if (r.error === DROPPED) {
      stats.dropped += 1;
      o.store.add("dropped_requests", r.startMs, 1, load.tags);
      return;
    }
    stats.requests += 1;
    const end = r.startMs + r.latencyMs;
    o.store.add("http_req_duration", end, r.latencyMs, tagsFor(r.status, req?.name ?? staticName));
    live.record(end, r.latencyMs, r.status);
    if (isFailure(r.status)) stats.failures += 1;
    if (r.error) {
      // Go's client error names the request as `Post "url#i": …`: cut it, so one cause counts once.
      let kind = r.status ? r.error : r.error.replace(/^[A-Za-z]+ "[^"]*": /, "");
      // Some texts carry a local port (connection resets): bound the distinct ones kept.
      if (!errorCounts.has(kind) && errorCounts.size >= MAX_ERROR_KINDS) kind = "(other errors)";
      errorCounts.set(kind, (errorCounts.get(kind) ?? 0) + 1);
    }
    if (!recorder || !req) return;
    const headers: Record<string, string> = {};
    load.responseHeaders.forEach((h, k) => {
      const v = r.headerValues[k];
      if (v) headers[h] = v;
    });
    const res: LoadResponse = {
      i: r.index,
      request: req,
      baseUrl: base,
      status: r.status,
      error: r.error,
      startedAt: r.startMs,
      latencyMs: r.latencyMs,
      headers,
      body: r.body === undefined ? undefined : Buffer.from(r.body, "base64").toString("utf8"),
    };
    const emit: EmitSample = (metric, value, tags, t) => o.store.add(metric, t ?? end, value, tags ?? {});
    const failed = (err: unknown) => {
      stats.recordErrors += 1;
      scenarioError ??= `load.record threw for request ${r.index}: ${(err as Error)?.message ?? String(err)}`;
    };
    try {
      const out = recorder(res, emit);
      if (out && typeof (out as Promise<void>).then === "function") {
        const p: Promise<void> = (out as Promise<void>).catch(failed).finally(() => recordsRunning.delete(p));
        recordsRunning.add(p);
      }
    } catch (err) {
      failed(err);
    }
  };
  const parser = new ResultLineParser(onResult);

  const started = performance.now();
  // Own process group: a terminal's Ctrl-C reaches the harness only, which stops the engine once.
  const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
  const enginePriority = raisePriority(child.pid);
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.stdout.on("data", (chunk: Buffer) => parser.write(chunk));
  child.stderr.on("data", (chunk: Buffer) => {
    stderrLog.write(chunk);
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4_000);
  });
  // The engine closes stdin when it stops early; a write after that is expected, not an error.
  child.stdin.on("error", () => {});

  let feeding = true;
  let generatorFailed = false;
  /** Resolves when the engine wants more input, or when its stdin is gone (it stopped early). */
  const writable = () =>
    new Promise<void>((resume) => {
      const done = () => {
        child.stdin.off("drain", done);
        child.stdin.off("close", done);
        resume();
      };
      child.stdin.on("drain", done);
      child.stdin.on("close", done);
    });
  const feed = async () => {
    let i = 0;
    try {
      while (feeding && i < planned && !child.stdin.destroyed) {
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
            scenarioError ??=
              err instanceof Error && err.message.startsWith("load.request(")
                ? err.message
                : `load.request(${i}) threw: ${(err as Error)?.message ?? String(err)}`;
            generatorFailed = true;
            feeding = false;
            break;
          }
          pending?.set(i, req);
          chunk += line;
        }
        stats.generated = i;
        if (chunk && !child.stdin.write(chunk)) await writable();
      }
      // Only the generator's own failure stops the load; a `record` that threw is counted, not fatal.
      if (generatorFailed) onAbort();
    } finally {
      // The plan's requests are all written: end of input lets the engine stop when they are sent.
      child.stdin.end();
    }
  };

  let aborted = false;
  let killed = false;
  let abortedAt = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    feeding = false;
    if (aborted || child.exitCode !== null || child.signalCode !== null) return;
    aborted = true;
    abortedAt = performance.now();
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, o.graceMs ?? defaultGraceMs(stages, load.timeout));
  };
  const progress = o.onProgress ? setInterval(() => o.onProgress?.(live), 1_000) : undefined;

  try {
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolveExit, reject) => {
      child.once("error", (err) =>
        reject(new Error(`could not start the load engine (${bin}): ${err.message}`)),
      );
      // 'close' fires after stdout has been read to the end, so every result is in.
      child.once("close", (code, sig) => resolveExit({ code, signal: sig }));
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener("abort", onAbort, { once: true });
      void feed();
    });
    const ended = performance.now();
    parser.end();
    stats.malformed = parser.malformed;
    // Asynchronous records (a follow-up request) finish before the load counts as done.
    await Promise.race([Promise.allSettled([...recordsRunning]), sleep(load.timeout)]);
    await new Promise<void>((r) => stderrLog.end(r));
    const durationMs = ended - started;
    const summary = {
      engine: bin,
      plan: { stages, planned, maxInFlight, timeoutMs: load.timeout, keepAlive: load.keepAlive },
      enginePriority: enginePriority ?? "as the harness (raising it is not permitted)",
      ...stats,
      achievedRps: stats.results / Math.max(0.001, durationMs / 1000),
      aborted,
      errors: [...errorCounts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([error, count]) => ({ error, count })),
    };
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      aborted,
      killed,
      stopMs: aborted ? ended - abortedAt : undefined,
      durationMs,
      command: [bin, ...args],
      stats,
      scenarioError,
      files: { stderr: stderrPath, summary: summaryPath },
      stderrTail: stderrTail.trim().split("\n").slice(-10).join("\n"),
    };
  } finally {
    feeding = false;
    if (killTimer) clearTimeout(killTimer);
    if (progress) clearInterval(progress);
    o.signal?.removeEventListener("abort", onAbort);
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
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

/** Distinct error texts counted for load.summary.json; the rest are counted together. */
const MAX_ERROR_KINDS = 200;

/**
 * How long a stopping engine may take: requests in flight finish or time out, and Vegeta's pacer
 * sleeps out the gap to the next arrival before it sees the stop (up to 1/rate at a low rate).
 */
function defaultGraceMs(stages: readonly RateStage[], timeoutMs: number): number {
  const lowest = Math.min(...stages.flatMap((s) => [s.from, s.to]).filter((r) => r > 0));
  const gapMs = Number.isFinite(lowest) ? Math.min(60_000, 1_000 / lowest) : 0;
  return timeoutMs + 2_000 + gapMs;
}

/** The engine's error text for an arrival it did not send (load-engine/main.go). */
export const DROPPED = "gameday: dropped, max in-flight reached";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
