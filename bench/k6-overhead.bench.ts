// What streaming k6's output through the harness costs the load itself. At a fixed arrival rate
// against the same loopback server (its own process, so it does not share an event loop with the
// ingest): k6 alone (no output, its JSON summary) vs k6 driven by runK6 with full ingest, in
// alternating rounds. Both sides are read from k6's own summary, so the comparison is like for
// like: achieved RPS ratio (target ≥ 0.95) and p95 ratio (target ≤ 1.05).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { writeK6Config } from "../src/load/k6-options.ts";
import { resolveK6Bin, runK6 } from "../src/load/k6-runner.ts";
import { SampleStore, percentile } from "../src/measure/samples.ts";
import { type K6Load, k6Load } from "../src/scenario/schema.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const CHAT = fileURLToPath(new URL("../scenarios/load/chat.ts", import.meta.url));
const SERVER = fileURLToPath(new URL("../test/integration/load-chat-server.ts", import.meta.url));
const RATE = 200;

interface Side {
  rps: number;
  p95: number;
  requests: number;
}

interface Summary {
  metrics: Record<string, Record<string, number>>;
}

function readSummary(file: string): Side {
  const s = JSON.parse(readFileSync(file, "utf8")) as Summary;
  const reqs = s.metrics.http_reqs;
  const dur = s.metrics.http_req_duration;
  if (!reqs || !dur) throw new Error(`no http metrics in ${file}`);
  return { rps: reqs.rate!, p95: dur["p(95)"]!, requests: reqs.count! };
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`chat server exited with ${code}`)));
  });
  rl.close();
  return { url, child };
}

function k6Alone(load: K6Load, url: string, dir: string): Promise<Side> {
  mkdirSync(dir, { recursive: true });
  const summary = join(dir, "k6.summary.json");
  const args = ["run", "--quiet", "--no-color", "--no-usage-report", "--address", ""];
  args.push(
    "--config",
    writeK6Config(load, dir),
    "--summary-export",
    summary,
    "-e",
    `TARGET_URL=${url}`,
    CHAT,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(resolveK6Bin(), args, {
      stdio: "ignore",
      env: { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: "false" },
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(readSummary(summary)) : reject(new Error(`k6 exited ${code}`)),
    );
  });
}

async function k6Harness(
  load: K6Load,
  url: string,
  dir: string,
): Promise<Side & { ingested: number; p95Store: number }> {
  const store = new SampleStore();
  const res = await runK6({ script: CHAT, load, targetUrl: url, outDir: dir, store });
  if (res.exitCode !== 0 || !res.files.summary)
    throw new Error(`k6 under runK6 exited ${res.exitCode}: ${res.stderrTail}`);
  const durations = Float64Array.from([...store.samples("http_req_duration")].map((s) => s.value));
  return {
    ...readSummary(res.files.summary),
    ingested: res.ingest.requests,
    p95Store: percentile(durations, 95),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export default async function k6OverheadBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const seconds = Math.max(3, Math.round(10 * ctx.scale));
  const rounds = ctx.scale >= 1 ? 3 : 2;
  const load = k6Load.parse({
    kind: "k6",
    script: CHAT,
    rate: RATE,
    duration: `${seconds}s`,
    vus: 20,
    maxVUs: 200,
  });
  const server = await startServer();
  const alone: Side[] = [];
  const harness: Array<Side & { ingested: number; p95Store: number }> = [];
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first so drift in machine load hits both.
      const order = r % 2 === 0 ? ["alone", "harness"] : ["harness", "alone"];
      for (const side of order) {
        const dir = join(ctx.workDir, `${side}-${r}`);
        if (side === "alone") alone.push(await k6Alone(load, server.url, dir));
        else harness.push(await k6Harness(load, server.url, dir));
      }
      const a = alone.at(-1)!;
      const h = harness.at(-1)!;
      ctx.log(
        `round ${r + 1}: alone ${a.rps.toFixed(1)} rps p95 ${a.p95.toFixed(3)} ms | harness ${h.rps.toFixed(1)} rps p95 ${h.p95.toFixed(3)} ms (ingested ${h.ingested}/${h.requests}, store p95 ${h.p95Store.toFixed(3)} ms)`,
      );
    }
  } finally {
    server.child.kill("SIGTERM");
  }
  const rpsRatio = median(harness.map((h) => h.rps)) / median(alone.map((a) => a.rps));
  const p95Ratio = median(harness.map((h) => h.p95)) / median(alone.map((a) => a.p95));
  const complete = harness.every((h) => h.ingested === h.requests);
  return [
    {
      name: "k6-overhead.rps_ratio",
      value: rpsRatio,
      unit: "ratio",
      target: ">= 0.95",
      ok: rpsRatio >= 0.95,
      note: `${RATE} rps × ${seconds} s, median of ${rounds} rounds`,
    },
    {
      name: "k6-overhead.p95_ratio",
      value: p95Ratio,
      unit: "ratio",
      target: "<= 1.05",
      ok: p95Ratio <= 1.05,
      note: `alone ${median(alone.map((a) => a.p95)).toFixed(3)} ms, harness ${median(harness.map((h) => h.p95)).toFixed(3)} ms`,
    },
    {
      name: "k6-overhead.ingest_complete",
      value: complete ? 1 : 0,
      unit: "bool",
      target: "== 1",
      ok: complete,
      note: "every request k6 counted reached the SampleStore",
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const workDir = mkdtempSync(join(tmpdir(), "gameday-bench-k6-overhead-"));
  const rows = await k6OverheadBench({
    workDir,
    scale: Number(process.env.BENCH_SCALE ?? "1"),
    log: console.log,
  });
  for (const r of rows)
    console.log(r.name, Math.round(r.value * 1000) / 1000, r.unit, r.target ?? "", r.ok ?? "", r.note ?? "");
}
