// The run-history store (src/history/) at the size, on SQLite and on PostgreSQL 15:
// 10,000 runs × 8 scenarios × 10 measurements (800,000 measurement rows), all within the default
// 30-day window of one profile, so every read below covers all of them.
// 1. record(): one more typical run into the full store, each in its own transaction, as
//    `gameday run` does → median and p95 (target ≤ 50 ms).
// 2. The history view: store.series({since: now − 30d, profile, last: 20}) in-process (median of
//    5), and `bin/gameday history --store <spec>` spawned, wall time including Node's start-up
//    (target ≤ 1 s for both).
// 3. The score: store.outcomes + reliabilityScore in-process, and `bin/gameday history --score`
//    spawned (target ≤ 1 s).
// 4. The per-metric view: series({scenario, metric}) and `gameday history <scenario> --metric M`.
// 5. Secondary: what a finished run asks of the store before it is recorded (judgeRun with
//    --baseline last-pass: baselines, noise bands, the report's history snapshot).
// The PostgreSQL server is the tests' throwaway cluster (test/postgres-server.ts): fsync and
// synchronous_commit off, so its commits are cheaper than a durable server's. SQLite runs as the
// CLI opens it (WAL, synchronous FULL) on a file in the bench's work folder.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { RunResult } from "../src/engine/result.ts";
import type { Unit, Verdict } from "../src/evaluate/verdict.ts";
import { judgeRun } from "../src/history/judge.ts";
import { DEFAULT_REGRESSION } from "../src/history/regression.ts";
import { openRunStore } from "../src/history/open-store.ts";
import { DEFAULT_SCORE, reliabilityScore } from "../src/history/score.ts";
import type { StoredMeasurement, StoredRun, StoredScenario } from "../src/history/stored-run.ts";
import { postgresUnavailable, startPostgres } from "../test/postgres-server.ts";
import type { BenchContext, BenchRecord } from "./types.ts";
// The tests' mulberry32: every run of the bench stores the same data.
import { rng } from "../test/unit/measure-fixtures.ts";

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const GAMEDAY = join(root, "bin", "gameday");

const DAY_MS = 86_400_000;
const RUNS = 10_000;
const PROFILE = "ci";
/** Runs per transaction while filling the store. */
const FILL_BATCH = 500;
const RECORD_TARGET_MS = 50;
const VIEW_TARGET_MS = 1000;
/** The per-metric view measured (a scenario and metric every run has). */
const ONE_SCENARIO = "llm-provider-outage";
const ONE_METRIC = "failover.time";
/** BENCH_HISTORY_CLI=0 leaves out the spawned `gameday history` rows (in-process reads only). */
const withCli = process.env.BENCH_HISTORY_CLI !== "0";

// ---- synthetic runs ------------------------------------------------------------------------------

interface MetricSpec {
  metric: string;
  unit: Unit;
  /** Typical value and relative spread (± around it). */
  base: number;
  spread: number;
  /** Relative change over the 30 days, so trends are not flat. */
  drift: number;
  target: { op: "<=" | ">="; value: number; hard: boolean } | null;
  /** Share of runs where the value is missing (the event never happened). */
  nullRate: number;
}

const m = (
  metric: string,
  unit: Unit,
  base: number,
  spread: number,
  target: MetricSpec["target"],
  nullRate = 0,
  drift = 0.05,
): MetricSpec => ({ metric, unit, base, spread, drift, target, nullRate });

/** Eight scenarios as bundled, ten measurements each: times in ms, ratios, unit costs in usd. */
function scenarioSpecs(): Array<{ scenario: string; title: string; metrics: MetricSpec[] }> {
  const common = (ttdMax: number) => [
    m("ttd", "ms", ttdMax * 0.4, 0.3, { op: "<=", value: ttdMax, hard: true }),
    m("mtta", "ms", 2010, 0.02, { op: "<=", value: 10_000, hard: true }),
    m("ttr", "ms", 8000, 0.6, { op: "<=", value: 30_000, hard: true }),
    m("error_budget.burn_pct", "ratio", 0.03, 0.8, { op: "<=", value: 0.25, hard: true }),
    m("cache_hit", "ratio", 0.82, 0.1, { op: ">=", value: 0.55, hard: false }),
    m("cost.peak", "usd", 0.0023, 0.3, { op: "<=", value: 0.004, hard: true }),
    m("cost.per_request", "usd", 0.0021, 0.15, null, 0.005, 0.12),
    m("p95", "ms", 140, 0.4, { op: "<=", value: 1200, hard: true }),
  ];
  const s = (scenario: string, title: string, ttdMax: number, extra: MetricSpec[]) => ({
    scenario,
    title,
    metrics: [...common(ttdMax), ...extra],
  });
  return [
    s("cache-cold-start", "Cache flushed under load", 10_000, [
      m("check:cache-hit-recovers", "ratio", 0.9, 0.05, { op: ">=", value: 0.55, hard: true }),
      m("warmup.time", "ms", 12_000, 0.3, { op: "<=", value: 30_000, hard: false }),
    ]),
    s("embedding-throttle", "Embedding API rate-limited", 4000, [
      m("queue.wait", "ms", 900, 0.5, { op: "<=", value: 5000, hard: true }),
      m("fallback.share", "ratio", 0.4, 0.3, null, 0.01),
    ]),
    s("llm-provider-outage", "Primary LLM provider down", 4000, [
      m("failover.time", "ms", 110, 0.5, { op: "<=", value: 1000, hard: true }, 0, -0.1),
      m("failover.success", "ratio", 0.998, 0.002, { op: ">=", value: 0.99, hard: true }),
    ]),
    s("pii-leakage-probe", "PII in prompts is blocked and audited", 4000, [
      m("blocked.share", "ratio", 1, 0, { op: ">=", value: 1, hard: true }),
      m("audit.lag", "ms", 350, 0.4, { op: "<=", value: 2000, hard: true }),
    ]),
    s("rollback-drill", "Bad deploy rolled back", 6000, [
      m("rollback.time", "ms", 45_000, 0.2, { op: "<=", value: 120_000, hard: true }),
      m("error_rate.during", "ratio", 0.04, 0.5, { op: "<=", value: 0.2, hard: false }),
    ]),
    s("spike-2x", "Traffic doubles for ten minutes", 4000, [
      m("error_rate", "ratio", 0.002, 1, { op: "<=", value: 0.01, hard: true }),
      m("autoscale.time", "ms", 25_000, 0.3, { op: "<=", value: 90_000, hard: false }),
    ]),
    s("token-cost-surge", "Prompt tokens triple", 4000, [
      m("cost.containment", "ms", 9000, 0.5, { op: "<=", value: 30_000, hard: true }),
      m("routing.cheap_share", "ratio", 0.6, 0.2, null, 0.01),
    ]),
    s("vector-latency-spike", "Vector store slows tenfold", 4000, [
      m("ttm", "ms", 1100, 0.3, { op: "<=", value: 4000, hard: true }),
      m("quality.at_gate", "ratio", 0.87, 0.03, { op: ">=", value: 0.8, hard: true }),
    ]),
  ];
}

const SPECS = scenarioSpecs();

function hex(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

const compactTime = (t: number) =>
  new Date(t)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/**
 * One run as `gameday run` stores it. About 5.5 % of runs FAIL: 3.5 % where one scenario misses a
 * hard target (a time that never happened is null) and the 2 % with a defect switch on; 4 % WARN,
 * 0.5 % end in ERROR and 0.3 % are interrupted. About 1 % of the values of the metrics without a
 * target (fallback and routing shares, cost per request) are null too.
 */
function makeRun(rand: () => number, startedAt: number, span: number, tag = ""): StoredRun {
  const runId = `${compactTime(startedAt)}-${hex(rand, 4)}${tag}`;
  const roll = rand();
  const defects = roll < 0.02 ? ["slow-failover"] : [];
  const errored = roll >= 0.02 && roll < 0.025;
  const interrupted = roll >= 0.025 && roll < 0.028;
  const failing = roll >= 0.028 && roll < 0.063;
  const warning = roll >= 0.063 && roll < 0.103;
  const failScenario = defects.length ? 2 : failing ? Math.floor(rand() * SPECS.length) : -1;
  const warnScenario = warning ? Math.floor(rand() * SPECS.length) : -1;
  const errorScenario = errored ? Math.floor(rand() * SPECS.length) : -1;
  /** Position in the window, 0 … 1, for the drift. */
  const age = Math.min(1, Math.max(0, span));
  let t = startedAt + 2000;
  const scenarios: StoredScenario[] = SPECS.map((spec, si) => {
    const started = t;
    const ended = started + 30_000 + Math.floor(rand() * 60_000);
    t = ended + 500;
    // The measurement that misses: one with a hard target in a failing scenario, any target for a WARN.
    const candidates = spec.metrics.flatMap((x, i) =>
      x.target && (si !== failScenario || x.target.hard) ? [i] : [],
    );
    const missIndex =
      si === failScenario || si === warnScenario ? candidates[Math.floor(rand() * candidates.length)]! : -1;
    const measurements: StoredMeasurement[] = spec.metrics.map((ms, mi) => {
      let value: number | null =
        !ms.target && rand() < ms.nullRate
          ? null
          : ms.base * (1 + ms.drift * age) * (1 + ms.spread * (rand() * 2 - 1));
      if (value !== null && ms.unit === "ms") value = Math.round(value * 100) / 100;
      let verdict: Verdict = "PASS";
      let note = "";
      if (mi === missIndex && ms.target) {
        verdict = si === failScenario && ms.target.hard ? "FAIL" : "WARN";
        if (verdict === "FAIL" && ms.unit === "ms" && rand() < 0.3) {
          value = null;
          note = "never happened within the scenario";
        } else {
          // Missed: 30 % past the target, in the wrong direction.
          value = ms.target.op === "<=" ? ms.target.value * 1.3 : ms.target.value * 0.7;
          note = `target ${ms.target.op} ${ms.target.value} missed`;
        }
      }
      return {
        metric: ms.metric,
        value,
        unit: ms.unit,
        target: ms.target ? { op: ms.target.op, value: ms.target.value, hard: ms.target.hard } : null,
        verdict,
        synthetic: false,
        note,
      };
    });
    let verdict: Verdict = measurements.some((x) => x.verdict === "FAIL")
      ? "FAIL"
      : measurements.some((x) => x.verdict === "WARN")
        ? "WARN"
        : "PASS";
    let stopped: string | null = null;
    if (si === errorScenario) {
      verdict = "ERROR";
      stopped = "error: fault injection failed (toxiproxy unreachable)";
    } else if (interrupted && si === SPECS.length - 1) stopped = "interrupted";
    return {
      scenario: spec.scenario,
      title: spec.title,
      verdict,
      startedAt: started,
      endedAt: ended,
      stopped,
      measurements,
    };
  });
  const order: Verdict[] = ["PASS", "WARN", "FAIL", "ERROR"];
  const verdict = scenarios.reduce<Verdict>(
    (w, s) => (order.indexOf(s.verdict) > order.indexOf(w) ? s.verdict : w),
    "PASS",
  );
  const branch =
    rand() < 0.8 ? "main" : `feature/${["retry-budget", "cache-ttl", "router-v2"][Math.floor(rand() * 3)]}`;
  return {
    runId,
    startedAt,
    endedAt: t,
    profile: PROFILE,
    scale: 1 / 30,
    verdict,
    exitCode: interrupted ? 130 : verdict === "ERROR" ? 3 : verdict === "FAIL" ? 1 : 0,
    interrupted,
    defects,
    host: `ci-runner-${Math.floor(rand() * 6) + 1}`,
    gitCommit: hex(rand, 40),
    gitBranch: branch,
    gamedayVersion: "0.9.0",
    runDir: `reports/${runId}`,
    scenarios,
  };
}

/** `count` runs evenly over [from, to), each a little early or late. */
export function runsBetween(rand: () => number, count: number, from: number, to: number): StoredRun[] {
  const step = (to - from) / count;
  const runs: StoredRun[] = [];
  for (let i = 0; i < count; i++) {
    const at = Math.round(from + (i + 0.5) * step + (rand() - 0.5) * step * 0.5);
    runs.push(makeRun(rand, at, (at - from) / (to - from)));
  }
  return runs;
}

// ---- measuring -----------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const list = (xs: number[]) => xs.map(ms).join(", ");

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; out: T }> {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
}

async function repeat<T>(n: number, fn: () => Promise<T>): Promise<{ times: number[]; out: T }> {
  const times: number[] = [];
  let out: T | undefined;
  for (let i = 0; i < n; i++) {
    const r = await timed(fn);
    times.push(r.ms);
    out = r.out;
  }
  return { times, out: out as T };
}

/** `bin/gameday …` spawned from the repository (its gameday.config.ts is loaded, as for a user). */
async function cli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout } = await execFileAsync(GAMEDAY, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - t0, stdout };
}

async function repeatCli(n: number, args: string[]): Promise<{ times: number[]; stdout: string }> {
  const times: number[] = [];
  let stdout = "";
  for (let i = 0; i < n; i++) {
    const r = await cli(args);
    times.push(r.ms);
    stdout = r.stdout;
  }
  return { times, stdout };
}

/** A RunResult close enough for judgeRun: what it reads of the run and its measurements. */
function asRunResult(run: StoredRun): RunResult {
  return {
    ...run,
    scenarios: run.scenarios.map((s) => ({
      id: s.scenario,
      title: s.title,
      verdict: s.verdict,
      times: { start: s.startedAt, end: s.endedAt },
      stopped: s.stopped,
      measurements: s.measurements.map((x) => ({
        ...x,
        scenario: s.scenario,
        evidence: [],
        target: x.target ? { ...x.target, warnMargin: 0 } : null,
      })),
    })),
  } as unknown as RunResult;
}

interface Backend {
  name: "sqlite" | "postgres";
  spec: string;
  note: string;
}

async function benchBackend(ctx: BenchContext, b: Backend, nowAtStart: number): Promise<BenchRecord[]> {
  const rows: BenchRecord[] = [];
  const p = `history.${b.name}`;
  const reps = ctx.scale >= 1 ? 5 : 3;
  const records = ctx.scale >= 1 ? 50 : 20;
  const rand = rng(0x6761_6d65);
  const now = nowAtStart;
  const since = now - 30 * DAY_MS;

  // -- fill: every run in the window, the oldest 12 h inside it, the newest 1 h old
  const genStart = performance.now();
  const runs = runsBetween(rand, RUNS, since + DAY_MS / 2, now - 3_600_000);
  const genMs = performance.now() - genStart;
  const store = await openRunStore(b.spec);
  try {
    const fillStart = performance.now();
    for (let i = 0; i < runs.length; i += FILL_BATCH) {
      await store.db.transaction(
        async () => {
          for (const run of runs.slice(i, i + FILL_BATCH)) await store.record(run);
        },
        { exclusive: true },
      );
    }
    const fillMs = performance.now() - fillStart;
    // Autovacuum would get there within a minute or two of the fill; a store in use is vacuumed
    // and analysed (visibility map set, so index-only scans skip the heap).
    const vacuumStart = performance.now();
    if (b.name === "postgres") await store.db.script("VACUUM ANALYZE");
    const vacuumMs = performance.now() - vacuumStart;
    const [counts] = await store.db.query<{ runs: number; scenarios: number; measurements: number }>(
      `SELECT (SELECT COUNT(*) FROM runs) AS runs, (SELECT COUNT(*) FROM scenario_runs) AS scenarios,
              (SELECT COUNT(*) FROM measurements) AS measurements`,
    );
    const nRuns = Number(counts?.runs);
    const nMeasurements = Number(counts?.measurements);
    if (nRuns !== RUNS || nMeasurements !== RUNS * 80) throw new Error(`fill: ${JSON.stringify(counts)}`);
    const normalRuns = runs.filter(
      (r) => r.defects.length === 0 && r.verdict !== "ERROR" && !r.interrupted,
    ).length;
    ctx.log(
      `${b.name}: ${nRuns} runs, ${Number(counts?.scenarios)} scenario rows, ${nMeasurements} measurements (${normalRuns} normal runs, ` +
        `${runs.filter((r) => r.verdict === "FAIL").length} FAIL); generated in ${(genMs / 1000).toFixed(1)} s, ` +
        `stored in ${(fillMs / 1000).toFixed(1)} s (record() in transactions of ${FILL_BATCH})` +
        (b.name === "postgres" ? `, VACUUM ANALYZE ${(vacuumMs / 1000).toFixed(1)} s` : ""),
    );
    rows.push({
      name: `${p}.fill_s`,
      value: fillMs / 1000,
      unit: "s",
      note: `${RUNS} runs × 8 scenarios × 10 measurements through record(), ${FILL_BATCH} runs per transaction; not a target`,
    });

    // -- the history view, in-process
    const view = await repeat(reps, () => store.series({ since, profile: PROFILE, last: 20 }));
    const series = view.out;
    const full = series.filter((s) => s.points.length === 20).length;
    const ttd = series.find((s) => s.scenario === ONE_SCENARIO && s.metric === "ttd");
    if (series.length !== 80 || full !== 80 || !ttd || ttd.count < normalRuns * 0.99)
      throw new Error(`series: ${series.length} series, ${full} with 20 points, ttd count ${ttd?.count}`);
    ctx.log(
      `${b.name}: series over the window ×${reps}: ${list(view.times)} ms (80 series, ttd ${ttd.count} values)`,
    );
    const viewMs = median(view.times);
    rows.push({
      name: `${p}.series_ms`,
      value: viewMs,
      unit: "ms",
      target: `<= ${VIEW_TARGET_MS}`,
      ok: viewMs <= VIEW_TARGET_MS,
      note: `store.series({since: now − 30d, profile, last: 20}), 80 series over ${RUNS} runs; ${(viewMs / VIEW_TARGET_MS).toFixed(2)} × target; median of ${reps}: ${list(view.times)}`,
    });

    // -- the score, in-process
    const score = await repeat(reps, async () =>
      reliabilityScore(await store.outcomes({ since, profile: PROFILE }), Date.now(), DEFAULT_SCORE),
    );
    if (score.out.scenarios.length !== 8) throw new Error(`score: ${score.out.scenarios.length} scenarios`);
    const outcomesOnly = await repeat(reps, () => store.outcomes({ since, profile: PROFILE }));
    ctx.log(
      `${b.name}: outcomes + reliabilityScore ×${reps}: ${list(score.times)} ms (outcomes alone ${list(outcomesOnly.times)} ms; ` +
        `${outcomesOnly.out.length} outcomes, overall ${score.out.overall})`,
    );
    const scoreMs = median(score.times);
    rows.push({
      name: `${p}.score_ms`,
      value: scoreMs,
      unit: "ms",
      target: `<= ${VIEW_TARGET_MS}`,
      ok: scoreMs <= VIEW_TARGET_MS,
      note: `store.outcomes + reliabilityScore, ${outcomesOnly.out.length} scenario outcomes; ${(scoreMs / VIEW_TARGET_MS).toFixed(2)} × target; outcomes alone ${ms(median(outcomesOnly.times))} ms; median of ${reps}: ${list(score.times)}`,
    });

    // -- the per-metric view, in-process
    const one = await repeat(reps, () =>
      store.series({ since, profile: PROFILE, scenario: ONE_SCENARIO, metric: ONE_METRIC, last: 20 }),
    );
    if (one.out.length !== 1 || one.out[0]!.points.length !== 20)
      throw new Error("per-metric series: wrong shape");
    const oneMs = median(one.times);
    ctx.log(`${b.name}: series(${ONE_SCENARIO}, ${ONE_METRIC}) ×${reps}: ${list(one.times)} ms`);
    rows.push({
      name: `${p}.series_one_metric_ms`,
      value: oneMs,
      unit: "ms",
      target: `<= ${VIEW_TARGET_MS}`,
      ok: oneMs <= VIEW_TARGET_MS,
      note: `series({scenario: ${ONE_SCENARIO}, metric: ${ONE_METRIC}}); ${(oneMs / VIEW_TARGET_MS).toFixed(3)} × target; median of ${reps}: ${list(one.times)}`,
    });

    // -- the CLI, end to end (a process each: Node start-up, config, open + migrate check, query, print)
    const cliRows: Array<[string, string, string[], (out: string) => boolean]> = [
      ["cli_history_ms", "gameday history", ["history", "--store", b.spec], (o) => o.includes(ONE_METRIC)],
      [
        "cli_score_ms",
        "gameday history --score",
        ["history", "--score", "--store", b.spec],
        (o) => o.includes(ONE_SCENARIO),
      ],
      [
        "cli_one_metric_ms",
        `gameday history ${ONE_SCENARIO} --metric ${ONE_METRIC}`,
        ["history", ONE_SCENARIO, "--metric", ONE_METRIC, "--store", b.spec],
        (o) => o.split("\n").length >= 20,
      ],
    ];
    for (const [name, what, args, check] of withCli ? cliRows : []) {
      const r = await repeatCli(reps, args);
      if (!check(r.stdout)) throw new Error(`${what}: unexpected output:\n${r.stdout.slice(0, 2000)}`);
      const v = median(r.times);
      ctx.log(`${b.name}: ${what} ×${reps}: ${list(r.times)} ms`);
      rows.push({
        name: `${p}.${name}`,
        value: v,
        unit: "ms",
        target: `<= ${VIEW_TARGET_MS}`,
        ok: v <= VIEW_TARGET_MS,
        note: `\`${what} --store <${b.name}>\` spawned, wall time incl. Node start-up; ${(v / VIEW_TARGET_MS).toFixed(2)} × target; median of ${reps}: ${list(r.times)}`,
      });
    }

    // -- judging a finished run before it is recorded (secondary): baselines, bands, snapshot
    const judgeRand = rng(0x6a75_6467);
    const judged = await repeat(reps, () =>
      judgeRun(asRunResult(makeRun(judgeRand, Date.now() - 600_000, 1, "-j")), {
        store,
        baseline: { kind: "last-pass" },
        regression: DEFAULT_REGRESSION,
        score: DEFAULT_SCORE,
        strict: false,
      }),
    );
    if (!judged.out.baseline || !judged.out.history) throw new Error("judgeRun: no baseline or snapshot");
    ctx.log(`${b.name}: judgeRun (last-pass baseline + snapshot) ×${reps}: ${list(judged.times)} ms`);
    rows.push({
      name: `${p}.judge_run_ms`,
      value: median(judged.times),
      unit: "ms",
      note: `secondary: judgeRun with --baseline last-pass (8 baselines and noise bands, the report's snapshot: 8 series + the score) before recording; median of ${reps}: ${list(judged.times)}`,
    });

    // -- record(): one more run into the full store, each in its own transaction
    const recRand = rng(0x7265_636f);
    const extra = Array.from({ length: records }, (_, k) =>
      makeRun(recRand, now - 3_000_000 + k * 50_000, 1, `-r${String(k).padStart(3, "0")}`),
    );
    const times: number[] = [];
    for (const run of extra) {
      const r = await timed(() => store.record(run));
      if (r.out !== "recorded") throw new Error(`record: ${r.out}`);
      times.push(r.ms);
    }
    const recMed = median(times);
    const recP95 = percentile(times, 0.95);
    ctx.log(
      `${b.name}: record() ×${records}: median ${ms(recMed)} ms, p95 ${ms(recP95)} ms, max ${ms(Math.max(...times))} ms`,
    );
    rows.push(
      {
        name: `${p}.record_median_ms`,
        value: recMed,
        unit: "ms",
        target: `<= ${RECORD_TARGET_MS}`,
        ok: recMed <= RECORD_TARGET_MS,
        note: `store.record() of one run (8 scenarios, 80 measurements) into ${RUNS} runs, ${records} runs, one transaction each; ${(recMed / RECORD_TARGET_MS).toFixed(3)} × target${b.note}`,
      },
      {
        name: `${p}.record_p95_ms`,
        value: recP95,
        unit: "ms",
        target: `<= ${RECORD_TARGET_MS}`,
        ok: recP95 <= RECORD_TARGET_MS,
        note: `${(recP95 / RECORD_TARGET_MS).toFixed(3)} × target; max ${ms(Math.max(...times))} ms`,
      },
    );
  } finally {
    await store.close();
  }
  return rows;
}

export default async function historyBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const rows: BenchRecord[] = [];
  const now = Date.now();

  // Node's own start-up with the CLI's imports, for reading the CLI rows.
  const reps = ctx.scale >= 1 ? 5 : 3;
  if (withCli) {
    const version = await repeatCli(reps, ["--version"]);
    ctx.log(`bin/gameday --version ×${reps}: ${list(version.times)} ms`);
    rows.push({
      name: "history.cli_startup_ms",
      value: median(version.times),
      unit: "ms",
      note: `\`gameday --version\` spawned: Node start-up and the CLI's imports, part of every CLI row; median of ${reps}: ${list(version.times)}`,
    });
  }

  const only = (process.env.BENCH_HISTORY_BACKENDS ?? "sqlite,postgres").split(",");
  if (only.includes("sqlite"))
    rows.push(
      ...(await benchBackend(
        ctx,
        {
          name: "sqlite",
          spec: join(ctx.workDir, "history.sqlite"),
          note: "; SQLite WAL, synchronous FULL, temp file",
        },
        now,
      )),
    );
  if (only.includes("postgres")) {
    const unavailable = postgresUnavailable();
    if (unavailable) {
      ctx.log(`postgres: skipped: ${unavailable}`);
      rows.push({
        name: "history.postgres.unavailable",
        value: Number.NaN,
        unit: "",
        ok: false,
        note: unavailable,
      });
    } else {
      const server = await startPostgres();
      try {
        rows.push(
          ...(await benchBackend(
            ctx,
            {
              name: "postgres",
              spec: server.url,
              note: "; PostgreSQL 15 on loopback, fsync and synchronous_commit off",
            },
            now,
          )),
        );
      } finally {
        // stop() waits on children and pipes it has unref'd; with nothing else pending Node would
        // exit mid-await (bench/run.ts has no server or timer of its own), so hold the loop open.
        const hold = setInterval(() => {}, 1000);
        await server.stop().finally(() => clearInterval(hold));
      }
    }
  }
  return rows;
}

// `node bench/history.bench.ts` runs it alone (bench/run.ts history also writes bench/results/latest.json).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const workDir = mkdtempSync(join(tmpdir(), "gameday-bench-history-"));
  try {
    const rows = await historyBench({
      workDir,
      scale: Number(process.env.BENCH_SCALE ?? "1"),
      log: console.log,
    });
    for (const r of rows)
      console.log(r.name, Math.round(r.value * 100) / 100, r.unit, r.target ?? "", r.ok ?? "");
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
