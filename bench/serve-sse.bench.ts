// `gameday serve` with 200 event-stream clients while a run goes (the issue: "the run's measurements
// do not change by more than their usual noise and the server's memory stays flat").
// `bin/gameday serve` runs as a child on the reference stack (provider "reference", as the bundled
// config) and runs, through the API, a 60 s load of the bundled chat load at 30 req/s (ci profile),
// in rounds 0, 200, 200, 0 clients (ABBA, so drift over the bench falls on both sides alike).
// 1. Measurements: the run's p95 and error rate (result.json) and the load's achieved rate
//    (load.summary.json), with clients ÷ without (means of the rounds), against the spread
//    between rounds of the same condition: that spread is the usual noise.
// 2. Memory: the server's RSS (/proc/<pid>/status VmRSS) every second; start, max and end of the
//    run and the least-squares slope over it, with and without clients; and what the connected
//    clients cost before the run starts.
// 3. Delivery: events received per client (every client connected before the run starts and is
//    closed after it has ended, so each should get every event), and clients the server dropped.
// The clients run in this process, on the same two cores as the server, the stack and the load
// engine: ratios within one run only.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type ClientRequest, get } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JournalEntry } from "../src/engine/journal-events.ts";
import type { RunResult } from "../src/engine/result.ts";
import { freePort } from "../src/env/process.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCENARIO_ID = "serve-sse-bench";
const WARMUP_ID = "serve-sse-warmup";
const MiB = 1024 * 1024;
/** Clients in the rounds that have them (BENCH_SSE_CLIENTS changes it). */
const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? "200");
/** How much further the with-clients mean may lie than the rounds of one condition lie apart. */
const NOISE_FLOOR = 0.05;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  if (points.length < 2) return Number.NaN;
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** Relative spread of runs of one condition: |a − b| ÷ their mean (0 when both are 0). */
function spread(xs: number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return m === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / m;
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
}

interface Server {
  child: ChildProcess;
  pid: number;
  base: string;
}

async function startServe(config: string, workDir: string): Promise<Server> {
  const log = createWriteStream(join(workDir, "serve.log"));
  const child = spawn(join(ROOT, "bin/gameday"), ["serve", "--config", config], {
    cwd: workDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (c: Buffer) => {
    log.write(c);
    if (output.length < 64 * 1024) output += c;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const base = await until("gameday serve to listen", 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`gameday serve exited ${child.exitCode}:\n${output}`);
    return /console and API on (http:\/\/\S+?)\/ /.exec(output)?.[1];
  }).catch((err: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${err.message}\n${output}`);
  });
  return { child, pid: child.pid as number, base };
}

async function stopServe(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const gone = new Promise<void>((r) => s.child.once("exit", () => r()));
  s.child.kill("SIGTERM");
  const kill = setTimeout(() => s.child.kill("SIGKILL"), 15_000);
  await gone;
  clearTimeout(kill);
}

interface Client {
  req: ClientRequest;
  events: number;
  status: number;
  bytes: number;
  /** The stream ended before the bench closed it: the server dropped this client. */
  dropped: boolean;
  closing: boolean;
}

/** One event-stream client; resolves once its `hello` has arrived. */
function connect(url: string): Promise<Client> {
  return new Promise((resolveClient, reject) => {
    const c = { events: 0, status: 0, bytes: 0, dropped: false, closing: false } as Client;
    let buffered = "";
    let hello = false;
    c.req = get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        c.bytes += Buffer.byteLength(chunk);
        buffered += chunk;
        let end = buffered.indexOf("\n\n");
        while (end >= 0) {
          const type = /^event: (\S+)$/m.exec(buffered.slice(0, end))?.[1];
          buffered = buffered.slice(end + 2);
          if (type) {
            c.events += 1;
            if (type === "status") c.status += 1;
            if (type === "hello" && !hello) {
              hello = true;
              resolveClient(c);
            }
          }
          end = buffered.indexOf("\n\n");
        }
      });
      res.on("close", () => {
        if (!c.closing) c.dropped = true;
      });
    });
    c.req.on("error", (err) => {
      if (!hello) reject(err);
      else if (!c.closing) c.dropped = true;
    });
  });
}

interface Round {
  clients: number;
  runId: string;
  verdict: string;
  p95Ms: number;
  errorRate: number;
  cacheHit: number;
  achievedRps: number;
  runMs: number;
  loadMs: number;
  serverCpuS: number;
  rssIdle: number;
  rssConnected: number;
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  /** MiB per minute over the run. */
  rssSlope: number;
  events: number[];
  statusEvents: number[];
  dropped: number;
}

function measurement(result: RunResult, metric: string): number {
  const m = result.scenarios[0]?.measurements.find((x) => x.metric === metric);
  if (!m || m.value === null) throw new Error(`run ${result.runId} has no ${metric}`);
  return m.value;
}

/** When the scenario's load ran: from its scenario.start to its scenario.end in the journal. */
function loadWindow(reports: string, runId: string): { from: number; to: number } {
  const entries = readFileSync(join(reports, runId, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalEntry);
  const from = entries.find((e) => e.type === "scenario.start")?.t;
  const to = entries.find((e) => e.type === "scenario.end")?.t;
  if (from === undefined || to === undefined) throw new Error(`run ${runId}: no scenario.start/end`);
  return { from, to };
}

/** Starts a run of `scenario` through the API and resolves with its id once the server is idle again. */
async function runThrough(s: Server, scenario: string, runSec: number): Promise<string> {
  const res = await fetch(`${s.base}/api/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scenarios: [scenario], profile: "ci", by: "bench" }),
  });
  const body = (await res.json()) as { run?: { runId: string }; error?: string };
  if (res.status !== 202 || !body.run) throw new Error(`start refused: ${res.status} ${body.error}`);
  const runId = body.run.runId;
  await until(`run ${runId} to end`, (runSec + 120) * 1000, async () => {
    const h = (await (await fetch(`${s.base}/healthz`)).json()) as { running: string | null };
    return h.running === null ? true : undefined;
  });
  return runId;
}

async function oneRound(
  s: Server,
  reports: string,
  clients: number,
  runSec: number,
  log: (l: string) => void,
): Promise<Round> {
  await sleep(3_000);
  const rssIdle = rssBytes(s.pid);
  const conns = await Promise.all(Array.from({ length: clients }, () => connect(`${s.base}/api/v1/events`)));
  // Let the server settle after accepting them before the baseline reading.
  await sleep(2_000);
  const rssConnected = rssBytes(s.pid);
  const samples: Array<{ t: number; rss: number }> = [];
  const sampler = setInterval(() => {
    try {
      samples.push({ t: Date.now(), rss: rssBytes(s.pid) });
    } catch {
      // The server is gone; the round fails below on its API.
    }
  }, 1_000);
  const cpu0 = cpuSeconds(s.pid);
  let runId: string;
  try {
    runId = await runThrough(s, SCENARIO_ID, runSec);
  } finally {
    clearInterval(sampler);
  }
  const serverCpuS = cpuSeconds(s.pid) - cpu0;
  // The run's last events (its end) reach every client before they are counted.
  await sleep(1_000);
  for (const c of conns) {
    c.closing = true;
    c.req.destroy();
  }
  const result = JSON.parse(readFileSync(join(reports, runId, "result.json"), "utf8")) as RunResult;
  const summary = JSON.parse(
    readFileSync(join(reports, runId, SCENARIO_ID, "load.summary.json"), "utf8"),
  ) as { achievedRps: number };
  // The load's window, not the whole run: bringing the stack up and down is not the clients' doing.
  const window = loadWindow(reports, runId);
  const during = samples.filter((x) => x.t >= window.from && x.t <= window.to);
  const first = during[0] ?? samples[0];
  const last = during.at(-1) ?? samples.at(-1);
  if (!first || !last) throw new Error("no RSS samples during the run");
  const round: Round = {
    clients,
    runId,
    verdict: result.verdict,
    p95Ms: measurement(result, "check:p95"),
    errorRate: measurement(result, "check:error-rate"),
    cacheHit: measurement(result, "check:cache-hit"),
    achievedRps: summary.achievedRps,
    runMs: result.endedAt - result.startedAt,
    loadMs: window.to - window.from,
    serverCpuS,
    rssIdle,
    rssConnected,
    rssStart: first.rss,
    rssMax: Math.max(...during.map((x) => x.rss)),
    rssEnd: last.rss,
    rssSlope: slope(during.map((x) => [(x.t - first.t) / 60_000, x.rss / MiB])),
    events: conns.map((c) => c.events),
    statusEvents: conns.map((c) => c.status),
    dropped: conns.filter((c) => c.dropped).length,
  };
  const mib = (b: number) => (b / MiB).toFixed(1);
  log(
    `${clients} clients: run ${runId} ${round.verdict} in ${(round.runMs / 1000).toFixed(1)} s (load ${(round.loadMs / 1000).toFixed(1)} s); p95 ${round.p95Ms.toFixed(2)} ms, error rate ${round.errorRate}, cache hits ${round.cacheHit.toFixed(3)}, ${round.achievedRps.toFixed(2)} req/s; server CPU ${serverCpuS.toFixed(1)} s; RSS idle ${mib(rssIdle)}, connected ${mib(rssConnected)}, run start ${mib(round.rssStart)} max ${mib(round.rssMax)} end ${mib(round.rssEnd)} MiB, slope ${round.rssSlope.toFixed(2)} MiB/min` +
      (clients
        ? `; events per client ${Math.min(...round.events)}–${Math.max(...round.events)} (status ${Math.min(...round.statusEvents)}–${Math.max(...round.statusEvents)}), dropped ${round.dropped}`
        : ""),
  );
  return round;
}

// spike-2x's load at its 2× level, held: repeated prompts, so after the first 30 requests every
// answer is a cache hit (the cache keeps them 120 s) and p95 is the service's own few
// milliseconds, which any CPU the server spends on clients would show.
function scenarioFile(id: string, loadMinutes: number): string {
  return `import { defineScenario, load } from "gameday";
import { chat } from ${JSON.stringify(join(ROOT, "scenarios/load/chat.ts"))};
export default defineScenario({
  id: "${id}",
  title: "Steady 30 req/s for the serve SSE bench",
  owner: "SRE",
  hypothesis: "the load's measurements are the same with and without event-stream clients",
  load: load.http({ rate: 30, duration: "${loadMinutes}m", target: "copilot", ...chat({ prompts: "repeat" }) }),
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
  expect: {
    checks: [
      { name: "p95", series: "http_req_duration", window: "run", agg: "p95", op: "<=", value: 1200 },
      { name: "error-rate", series: "error_rate", window: "run", agg: "mean", op: "<=", value: 0.01 },
      { name: "cache-hit", series: "cache_hit", window: "run", agg: "mean", op: ">=", value: 0.55 },
    ],
  },
});
`;
}

export default async function serveSseBench(ctx: BenchContext): Promise<BenchRecord[]> {
  // The scenario's load lasts this many real-profile minutes; the ci profile runs it in 2 s each.
  const loadMinutes = Math.max(5, Math.round(30 * Math.min(1, ctx.scale)));
  const runSec = loadMinutes * 2;
  const order = ctx.scale >= 1 ? [0, CLIENTS, CLIENTS, 0] : [0, CLIENTS];
  const reports = join(ctx.workDir, "reports");
  mkdirSync(join(ctx.workDir, "scenarios"), { recursive: true });
  const config = join(ctx.workDir, "gameday.config.ts");
  // The bundled gameday.config.ts, with its own ports and folder; no autoAck: the load has no faults.
  writeFileSync(
    config,
    `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "reference",
  receiver: { listen: "127.0.0.1:${await freePort()}" },
  reportsDir: ${JSON.stringify(reports)},
  serve: { listen: "127.0.0.1:${await freePort()}" },
});
`,
  );
  writeFileSync(join(ctx.workDir, "scenarios", `${SCENARIO_ID}.ts`), scenarioFile(SCENARIO_ID, loadMinutes));
  // The first run in a server loads the engine's modules and warms the JIT; no round should pay it.
  writeFileSync(join(ctx.workDir, "scenarios", `${WARMUP_ID}.ts`), scenarioFile(WARMUP_ID, 5));
  ctx.log(
    `${order.length} runs of ${runSec} s (30 req/s, ci profile) with ${order.join(", ")} event-stream clients`,
  );

  const rounds: Round[] = [];
  const server = await startServe(config, ctx.workDir);
  try {
    const warm = await runThrough(server, WARMUP_ID, 10);
    ctx.log(`warm-up run ${warm} (10 s of load, not counted)`);
    for (const clients of order) rounds.push(await oneRound(server, reports, clients, runSec, ctx.log));
  } finally {
    await stopServe(server);
  }

  const without = rounds.filter((r) => r.clients === 0);
  const withC = rounds.filter((r) => r.clients > 0);
  const records: BenchRecord[] = [];
  const list = (rs: Round[], f: (r: Round) => number, d: number) => rs.map((r) => f(r).toFixed(d)).join(", ");

  // Ratio of the means, judged against the larger spread between runs of one condition.
  const compare = (name: string, unit: string, f: (r: Round) => number, d: number) => {
    const a = mean(without.map(f));
    const b = mean(withC.map(f));
    const noise = Math.max(spread(without.map(f)), spread(withC.map(f)));
    const band = Math.max(Number.isFinite(noise) ? noise : 0, NOISE_FLOOR);
    const ratio = a === 0 && b === 0 ? 1 : b / a;
    records.push({
      name: `serve-sse.${name}_ratio`,
      value: ratio,
      unit: "ratio",
      target: `within 1 ± ${band.toFixed(3)}`,
      ok: Math.abs(ratio - 1) <= band,
      note: `${CLIENTS} clients ${list(withC, f, d)} vs none ${list(without, f, d)} ${unit}; same-condition spread ${Number.isFinite(noise) ? noise.toFixed(3) : "n/a (one round each)"}, floor ${NOISE_FLOOR}`,
    });
  };
  compare("p95", "ms", (r) => r.p95Ms, 2);
  compare("achieved_rps", "req/s", (r) => r.achievedRps, 2);
  // Usually 0 on both sides, where a ratio says nothing: the difference, against one request in
  // a thousand.
  const errDiff = mean(withC.map((r) => r.errorRate)) - mean(without.map((r) => r.errorRate));
  records.push({
    name: "serve-sse.error_rate_diff",
    value: errDiff,
    unit: "ratio",
    target: "<= 0.001",
    ok: errDiff <= 0.001,
    note: `${CLIENTS} clients ${list(withC, (r) => r.errorRate, 4)} vs none ${list(without, (r) => r.errorRate, 4)}`,
  });
  records.push({
    name: "serve-sse.server_cpu_ratio",
    value: mean(withC.map((r) => r.serverCpuS)) / mean(without.map((r) => r.serverCpuS)),
    unit: "ratio",
    note: `serve process CPU per run: ${list(withC, (r) => r.serverCpuS, 1)} vs ${list(without, (r) => r.serverCpuS, 1)} s`,
  });

  const mib = (b: number) => b / MiB;
  records.push(
    {
      name: "serve-sse.rss_per_client_kib",
      value: mean(withC.map((r) => (r.rssConnected - r.rssIdle) / r.clients / 1024)),
      unit: "KiB",
      note: `RSS before → after connecting ${CLIENTS}: ${withC.map((r) => `${mib(r.rssIdle).toFixed(1)} → ${mib(r.rssConnected).toFixed(1)}`).join(", ")} MiB`,
    },
    {
      name: "serve-sse.rss_start_mib",
      value: mean(withC.map((r) => mib(r.rssStart))),
      unit: "MiB",
      note: `with ${CLIENTS} clients ${list(withC, (r) => mib(r.rssStart), 1)}; without ${list(without, (r) => mib(r.rssStart), 1)}`,
    },
    {
      name: "serve-sse.rss_max_mib",
      value: Math.max(...withC.map((r) => mib(r.rssMax))),
      unit: "MiB",
      note: `with ${CLIENTS} clients ${list(withC, (r) => mib(r.rssMax), 1)}; without ${list(without, (r) => mib(r.rssMax), 1)}`,
    },
    {
      name: "serve-sse.rss_end_mib",
      value: mean(withC.map((r) => mib(r.rssEnd))),
      unit: "MiB",
      note: `with ${CLIENTS} clients ${list(withC, (r) => mib(r.rssEnd), 1)}; without ${list(without, (r) => mib(r.rssEnd), 1)}`,
    },
  );
  // Flat: clients add no growth beyond what a run grows by itself (its sample store), judged on
  // the whole run's growth against the runs without clients, with a margin of 5 % of the start.
  const growth = (r: Round) => mib(r.rssEnd - r.rssStart);
  const extra = mean(withC.map(growth)) - mean(without.map(growth));
  const margin = 0.05 * mean(withC.map((r) => mib(r.rssStart)));
  records.push(
    {
      name: "serve-sse.rss_slope_mib_per_min",
      value: mean(withC.map((r) => r.rssSlope)),
      unit: "MiB/min",
      note: `least squares over each run: with ${CLIENTS} clients ${list(withC, (r) => r.rssSlope, 2)}; without ${list(without, (r) => r.rssSlope, 2)}`,
    },
    {
      name: "serve-sse.rss_growth_extra_mib",
      value: extra,
      unit: "MiB",
      target: `<= ${margin.toFixed(1)}`,
      ok: extra <= margin,
      note: `end − start of the run: with ${CLIENTS} clients ${list(withC, growth, 1)}; without ${list(without, growth, 1)} MiB`,
    },
  );

  const events = withC.flatMap((r) => r.events);
  const dropped = withC.reduce((n, r) => n + r.dropped, 0);
  // Every client was connected for the whole run, so each should have every event.
  const even = withC.every((r) => Math.min(...r.events) === Math.max(...r.events));
  records.push({
    name: "serve-sse.events_per_client",
    value: median(events),
    unit: "events",
    target: "all equal, none dropped",
    ok: even && dropped === 0,
    note: `per round min–max ${withC.map((r) => `${Math.min(...r.events)}–${Math.max(...r.events)}`).join(", ")}; status events ${withC.map((r) => `${Math.min(...r.statusEvents)}–${Math.max(...r.statusEvents)}`).join(", ")}; ${dropped} clients dropped`,
  });
  for (const r of rounds)
    if (r.verdict !== "PASS")
      records.push({
        name: `serve-sse.run_verdict.${r.runId}`,
        value: Number.NaN,
        unit: "",
        ok: false,
        note: `run with ${r.clients} clients ended ${r.verdict}`,
      });
  return records;
}
