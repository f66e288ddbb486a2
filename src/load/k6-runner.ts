// Runs the user's own k6 (never installed by gameday) as a child process and streams its samples into the SampleStore while it runs.
// k6 writes NDJSON to stdout (`--out json=-`); its text summary follows on stdout only after the
// JSON output is closed (k6 stops outputs before the summary), so the two never interleave.
// Stderr (k6's log) and the JSON summary go to files in the run folder.
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SampleStore } from "../measure/samples.ts";
import type { K6Load } from "../scenario/schema.ts";
import { isExecutable, onPath } from "../tools/executable.ts";
import { type LoadRunOutcome, startLoadProcess } from "./load-process.ts";
import { type IngestStats, K6Ingest } from "./ingest.ts";
import { writeK6Config } from "./k6-options.ts";
import { LiveStats } from "./live.ts";

export interface RunK6Options {
  script: string;
  load: K6Load;
  /** Passed to the script as TARGET_URL. */
  targetUrl?: string;
  /** More script env (`-e K=V`), on top of `load.env`. */
  env?: Record<string, string>;
  /** Run folder: k6.config.json, k6.summary.json, k6.stderr.log, k6.stdout.log. */
  outDir: string;
  store: SampleStore;
  /** Aborting sends SIGINT (k6 stops gracefully and still writes its summary), SIGKILL after graceMs. */
  signal?: AbortSignal;
  graceMs?: number;
  k6Bin?: string;
  /** Called about once a second while k6 runs. */
  onProgress?: (live: LiveStats) => void;
  /** Built-in k6 metrics to store too (see ingest.ts). */
  keepBuiltins?: readonly string[];
}

export interface K6RunResult extends LoadRunOutcome {
  ingest: IngestStats;
  /** Requests that count as failures per `load.failOn`. */
  failures: number;
  files: { config: string; summary: string | undefined; stderr: string; stdout: string };
}

export class K6NotFoundError extends Error {
  override name = "K6NotFoundError";
}

/**
 * The user's own k6: the explicit option, K6_BIN, then PATH. gameday never installs or builds k6
 * (it is AGPL-3.0, a licence this project does not use).
 */
export function resolveK6Bin(explicit?: string): string {
  const tried: string[] = [];
  for (const candidate of [explicit, process.env.K6_BIN]) {
    if (!candidate) continue;
    if (isExecutable(candidate)) return candidate;
    tried.push(candidate);
  }
  const found = onPath("k6");
  if (found) return found;
  tried.push("k6 on PATH");
  throw new K6NotFoundError(
    `a k6 load needs your own k6 binary, and none was found (tried ${tried.join(", ")}). gameday does not install k6 (AGPL-3.0): install it yourself and put it on PATH or set K6_BIN, or move the scenario to the built-in engine with load.http({...})`,
  );
}

export async function runK6(o: RunK6Options): Promise<K6RunResult> {
  const script = resolve(o.script);
  if (!existsSync(script)) throw new Error(`k6 script not found: ${script}`);
  const bin = resolveK6Bin(o.k6Bin);
  mkdirSync(o.outDir, { recursive: true });
  const config = writeK6Config(o.load, o.outDir);
  const summary = join(o.outDir, "k6.summary.json");
  const stderrPath = join(o.outDir, "k6.stderr.log");
  const stdoutPath = join(o.outDir, "k6.stdout.log");

  const env: Record<string, string> = { ...o.load.env, ...o.env };
  if (o.targetUrl !== undefined) env.TARGET_URL = o.targetUrl;
  const args = [
    "run",
    "--quiet",
    "--no-color",
    "--no-usage-report",
    // No REST API: its fixed default port would collide between parallel runs.
    "--address",
    "",
    "--config",
    config,
    "--out",
    "json=-",
    "--summary-export",
    summary,
    ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    script,
  ];

  const live = new LiveStats({ failOn: o.load.failOn });
  const stdoutLog = createWriteStream(stdoutPath);
  const ingest = new K6Ingest({
    store: o.store,
    keepBuiltins: o.keepBuiltins,
    onRequest: (t, d, status) => live.record(t, d, status),
    onText: (line) => stdoutLog.write(`${line}\n`),
  });
  const started = performance.now();
  const k6 = startLoadProcess({
    what: "k6",
    bin,
    args,
    spawn: { cwd: o.outDir, env: { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: "false" } },
    stdin: "ignore",
    stderrLog: stderrPath,
    signal: o.signal,
    graceMs: o.graceMs ?? 5_000,
  });
  k6.child.stdout?.on("data", (chunk: Buffer) => ingest.write(chunk));
  const progress = o.onProgress ? setInterval(() => o.onProgress?.(live), 1_000) : undefined;

  try {
    const exit = await k6.exit;
    const durationMs = performance.now() - started;
    const stats = ingest.end();
    await closeStream(stdoutLog);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      aborted: exit.aborted,
      killed: exit.killed,
      stopMs: exit.stopMs,
      durationMs,
      command: [bin, ...args],
      ingest: stats,
      failures: live.totalFailures,
      files: {
        config,
        summary: existsSync(summary) ? summary : undefined,
        stderr: stderrPath,
        stdout: stdoutPath,
      },
      stderrTail: exit.stderrTail,
    };
  } finally {
    if (progress) clearInterval(progress);
  }
}

function closeStream(s: NodeJS.WritableStream): Promise<void> {
  return new Promise((r) => s.end(r));
}
