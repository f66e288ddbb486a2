// End to end, as `make gameday` runs it: the bundled scenarios in the ci profile against the real
// reference stack (Redis, Toxiproxy, Prometheus, Alertmanager), their load driven by the built-in
// engine (gameday-load). Every scenario passes on the healthy stack; each defect switch turns its
// scenario red for the right metric; the harness's instants match the service's own ground truth
// within 250 ms; nothing is left running.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult, ScenarioResult } from "../../src/engine/result.ts";
import { runFolders } from "../run-folders.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-e2e-"));

interface GroundTruthEvent {
  t: number;
  type: string;
  detail?: Record<string, unknown>;
}

/** The journal lines these tests read (src/engine/journal-events.ts has the full shapes). */
type JournalLine = { t: number; seq: number } & (
  | {
      type: "alert.received";
      name: string;
      status: "firing" | "resolved";
      startsAt: number | null;
      endsAt: number | null;
      receiver: string;
    }
  | { type: "fault.applied" | "fault.reverted" | "fault.revert_failed"; faultId: string }
  | { type: "fault.registered"; faultId: string; scenario: string; kind: string; target: string }
  | { type: "other" }
);

interface Run {
  code: number | null;
  output: string;
  runDir: string;
  result: RunResult;
  truth: GroundTruthEvent[];
  journal: JournalLine[];
}

// Runs start from a folder of their own: `gameday run` attaches to a stack that `gameday env up`
// holds in its working directory (.gameday/env.json), and --defect needs a stack of the run's own.
const cwd = mkdtempSync(join(tmpdir(), "gameday-e2e-cwd-"));

function gameday(args: string[], out: string): Run {
  const paths = args.map((a) => (a.startsWith("scenarios") ? join(root, a) : a));
  const r = runGameday(
    ["run", ...paths, "--config", join(root, "gameday.config.ts"), "--profile", "ci", "--out", out],
    { cwd, timeoutMs: 420_000 },
  );
  const output = r.output;
  const runs = runFolders(out);
  if (runs.length !== 1)
    throw new Error(`expected one run folder in ${out}, found ${runs.length}:\n${output}`);
  const runDir = join(out, runs[0]!);
  const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as RunResult;
  const gt = join(runDir, "ground-truth.json");
  const truth = existsSync(gt) ? (JSON.parse(readFileSync(gt, "utf8")) as GroundTruthEvent[]) : [];
  const journal = readFileSync(join(runDir, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalLine);
  return { code: r.code, output, runDir, result, truth, journal };
}

function scenario(run: Run, id: string): ScenarioResult {
  const s = run.result.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} in the result:\n${run.output}`);
  return s;
}

function verdictOf(s: ScenarioResult, metric: string): string | undefined {
  return s.measurements.find((m) => m.metric === metric)?.verdict;
}

/** Processes the run's environment started are all gone. */
function leftoverPids(runDir: string): number[] {
  const file = join(runDir, "env", "pids.json");
  if (!existsSync(file)) return [];
  const pids = Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, number>);
  return pids.filter(
    (pid) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")),
  );
}

/** Every fault the run applied was reverted, by the run's own journal. */
function unreverted(run: Run): string[] {
  const ids = (type: string): Array<{ faultId: string; t: number }> =>
    run.journal.flatMap((e) => (e.type === type && "faultId" in e ? [{ faultId: e.faultId, t: e.t }] : []));
  const reverted = new Set(ids("fault.reverted").map((e) => e.faultId));
  const failed = ids("fault.revert_failed").map((e) => `${e.faultId}: revert failed`);
  const missing = ids("fault.applied")
    .filter((e) => !reverted.has(e.faultId))
    .map((e) => `${e.faultId}: applied at ${e.t}, never reverted`);
  return [...failed, ...missing];
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

describe("the bundled suite on the healthy reference stack", () => {
  let run: Run;
  beforeAll(() => {
    run = gameday(["scenarios"], join(work, "healthy"));
  }, 480_000);

  it("passes every scenario and exits 0", () => {
    const failing = run.result.scenarios
      .filter((s) => s.verdict !== "PASS")
      .map(
        (s) =>
          `${s.id}: ${s.verdict} ${JSON.stringify(s.measurements.filter((m) => m.verdict !== "PASS"))} ${s.errors.join("; ")}`,
      );
    expect(failing, run.output).toEqual([]);
    expect(run.result.scenarios.map((s) => s.id).sort()).toEqual(
      [
        "cache-cold-start",
        "embedding-throttle",
        "llm-provider-outage",
        "pii-leakage-probe",
        "rollback-drill",
        "spike-2x",
        "token-cost-surge",
        "vector-latency-spike",
      ].sort(),
    );
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/scenario\s+metric\s+measured\s+target\s+verdict/);
  });

  it("writes every report file", () => {
    for (const f of [
      "journal.jsonl",
      "result.json",
      "gameday_report.md",
      "report.html",
      "junit.xml",
      "rollback.md",
      "ic-update.md",
      "ground-truth.json",
    ]) {
      expect(existsSync(join(run.runDir, f)), f).toBe(true);
    }
    expect(run.result.profile).toBe("ci");
    expect(run.result.scale).toBeCloseTo(1 / 30);
  });

  it("t_inject matches the service's first primary failure within 250 ms", () => {
    const s = scenario(run, "llm-provider-outage");
    const truth = run.truth.find((e) => e.type === "primary_failed_first" && e.t >= s.times.inject! - 1_000);
    expect(truth, JSON.stringify(run.truth.slice(0, 20))).toBeDefined();
    console.log(`t_inject vs primary_failed_first: ${truth!.t - s.times.inject!} ms`);
    expect(Math.abs(truth!.t - s.times.inject!)).toBeLessThanOrEqual(250);
  });

  it("failover time matches the service's provider switch within 250 ms", () => {
    const s = scenario(run, "llm-provider-outage");
    const truth = run.truth.find(
      (e) => e.type === "provider_switched" && e.detail?.to === "secondary" && e.t >= s.times.inject!,
    );
    expect(truth).toBeDefined();
    const measured = s.times.mitigate! - s.times.inject!;
    const actual = truth!.t - s.times.inject!;
    console.log(`failover time: measured ${measured} ms, ground truth ${actual} ms`);
    expect(Math.abs(measured - actual)).toBeLessThanOrEqual(250);
  });

  it("time to mitigate matches the service's depth-k change within 250 ms", () => {
    const s = scenario(run, "vector-latency-spike");
    const truth = run.truth.find(
      (e) => e.type === "depth_k_changed" && Number(e.detail?.to) < 8 && e.t >= s.times.inject!,
    );
    expect(truth).toBeDefined();
    console.log(
      `TTM: measured ${s.times.mitigate! - s.times.inject!} ms, ground truth ${truth!.t - s.times.inject!} ms`,
    );
    expect(Math.abs(s.times.mitigate! - truth!.t)).toBeLessThanOrEqual(250);
  });

  it("rollback TTR (decision → healthy) matches the service's rollback within 250 ms", () => {
    const s = scenario(run, "rollback-drill");
    const decision = s.times.decision!;
    const truth = run.truth.find(
      (e) =>
        e.t >= decision &&
        ((e.type === "version_switched" && e.detail?.to === "v1.3.5") || e.type === "flags_changed"),
    );
    expect(truth).toBeDefined();
    console.log(
      `rollback TTR: measured ${s.times.recover! - decision} ms, ground truth ${truth!.t - decision} ms`,
    );
    expect(Math.abs(s.times.recover! - truth!.t)).toBeLessThanOrEqual(250);
    expect(s.runbook.map((r) => r.id)).toEqual([
      "1-declare",
      "2-flags",
      "3-validate",
      "4-verify",
      "5-update",
    ]);
    expect(s.runbook.every((r) => r.ok)).toBe(true);
  });

  // TTD. An alert's startsAt is the Prometheus rule evaluation that first saw the condition; that
  // evaluation is what the harness measures. It cannot precede the state change the service
  // records, and it follows it by at most one scrape (1 s) plus one evaluation (1 s) interval;
  // a tighter pairing is not knowable from outside Prometheus.
  const PIPELINE_MS = 1_000 + 1_000 + 250;
  const detections: Array<[scenario: string, alert: string, receiver: string, truthType: string]> = [
    ["llm-provider-outage", "LLMProviderDown", "oncall", "primary_failed_first"],
    ["cache-cold-start", "CacheHitLow", "oncall", "cache_cold"],
    ["embedding-throttle", "EmbeddingThrottled", "oncall", "embedding_throttled"],
    ["pii-leakage-probe", "PIIBlocked", "security", "guardrail_block"],
  ];
  it.each(detections)(
    "%s: TTD of %s on %s is startsAt − t_inject and follows the service's %s",
    (id, alert, receiver, truthType) => {
      const s = scenario(run, id);
      // A scenario without a fault (the PII probe) measures from its start.
      const ref = s.times.inject ?? s.times.start;
      const firing = run.journal.find(
        (e) =>
          e.type === "alert.received" &&
          e.name === alert &&
          e.receiver === receiver &&
          e.status === "firing" &&
          e.startsAt !== null &&
          e.startsAt >= ref &&
          e.t <= s.times.end,
      );
      expect(firing, `no ${alert} firing after ${ref}`).toBeDefined();
      const startsAt = (firing as { startsAt: number }).startsAt;
      const ttd = s.measurements.find((m) => m.metric === "ttd");
      expect(ttd?.value).toBe(startsAt - ref);
      // The service can see the fault before the driver's apply call returns (t_inject): on a busy
      // machine its first 429 may come a few ms earlier. The fault exists from its registration on.
      const registered = run.journal.find((e) => e.type === "fault.registered" && e.scenario === id)?.t;
      const truth = run.truth.find((e) => e.type === truthType && e.t >= (registered ?? ref));
      expect(truth, `no ${truthType} after ${ref}`).toBeDefined();
      console.log(`${id} TTD: measured ${startsAt - ref} ms, service state change at +${truth!.t - ref} ms`);
      expect(startsAt).toBeGreaterThanOrEqual(truth!.t - 250);
      expect(startsAt - truth!.t).toBeLessThanOrEqual(PIPELINE_MS);
    },
  );

  // TTR as the harness measures it is recovery of the steady state (p95, error rate held for
  // `sustain`). A cache purge and a primary outage absorbed by failover do not break it (TTR ~0);
  // under the 429 storm p95 rises while requests wait in backoff and settles once they go to the
  // fallback model, while the fault is still on. None of those instants is a state change the
  // service records. What the service does record is the recovery of its own signal after the
  // fault (cache warm again, first embedding after the 429s, primary back): those are compared with
  // what the harness observes of them, the alert's resolution or the fault's revert.
  it("cache-cold-start: CacheHitLow resolves at the service's cache_warm_again", () => {
    const s = scenario(run, "cache-cold-start");
    const cold = run.truth.find((e) => e.type === "cache_cold" && e.t >= s.times.inject!);
    expect(cold).toBeDefined();
    const warm = run.truth.filter((e) => e.type === "cache_warm_again" && e.t > cold!.t);
    expect(warm.length, JSON.stringify(run.truth.filter((e) => e.t >= s.times.inject!))).toBeGreaterThan(0);
    const resolved = run.journal.find(
      (e) =>
        e.type === "alert.received" &&
        e.name === "CacheHitLow" &&
        e.status === "resolved" &&
        e.endsAt !== null &&
        e.endsAt > cold!.t,
    ) as { endsAt: number } | undefined;
    expect(resolved).toBeDefined();
    // The ratio can dither around 0.55 for a few requests: the alert resolves on the warm
    // crossing that the evaluation saw, the last one at or before its endsAt.
    const seen = warm.filter((e) => e.t <= resolved!.endsAt + 250).at(-1);
    expect(seen).toBeDefined();
    console.log(
      `cache recovery: CacheHitLow resolved ${resolved!.endsAt - seen!.t} ms after cache_warm_again`,
    );
    expect(resolved!.endsAt - seen!.t).toBeLessThanOrEqual(PIPELINE_MS);
  });

  it("embedding-throttle: the service's first embedding after the 429s is within 250 ms of the fault's revert", () => {
    const s = scenario(run, "embedding-throttle");
    const fault = s.faults[0]!;
    expect(fault.revertedAt).not.toBeNull();
    const recovered = run.truth.find((e) => e.type === "embedding_recovered" && e.t >= s.times.inject!);
    expect(recovered).toBeDefined();
    console.log(`embeddings recovery: ${recovered!.t - fault.revertedAt!} ms after the revert`);
    // Backoff waits end at Retry-After at the latest (1 s), but new requests arrive every 50 ms
    // (20 rps) and go straight to the provider: the first success follows the revert closely.
    expect(Math.abs(recovered!.t - fault.revertedAt!)).toBeLessThanOrEqual(250);
  });

  it("llm-provider-outage: traffic is back on the primary one breaker half-open period after the revert", () => {
    const s = scenario(run, "llm-provider-outage");
    const fault = s.faults[0]!;
    expect(fault.revertedAt).not.toBeNull();
    const back = run.truth.find(
      (e) => e.type === "provider_switched" && e.detail?.to === "primary" && e.t >= fault.revertedAt! - 250,
    );
    expect(back).toBeDefined();
    const closed = run.truth.find((e) => e.type === "breaker_closed" && e.t >= fault.revertedAt! - 250);
    expect(closed).toBeDefined();
    console.log(
      `primary back ${back!.t - fault.revertedAt!} ms, breaker closed ${closed!.t - fault.revertedAt!} ms after the revert`,
    );
    // The breaker only retries the primary when it half-opens (BREAKER_OPEN_MS = 2 s, not scaled).
    expect(back!.t - fault.revertedAt!).toBeLessThanOrEqual(2_000 + 250);
    expect(Math.abs(closed!.t - back!.t)).toBeLessThanOrEqual(250);
  });

  it("labels the auto-responder's acks as synthetic", () => {
    const mtta = scenario(run, "llm-provider-outage").measurements.find((m) => m.metric === "mtta");
    expect(mtta?.synthetic).toBe(true);
    expect(readFileSync(join(run.runDir, "gameday_report.md"), "utf8")).toMatch(/synthetic/i);
  });

  it("leaves nothing running", () => {
    expect(leftoverPids(run.runDir)).toEqual([]);
  });

  // The run stops its own stack on the way out, so the proof here is the journal; the live
  // Toxiproxy and HTTP-proxy state is checked on a held stack in env-up-down.test.ts.
  it("leaves nothing injected: every applied fault was reverted", () => {
    const applied = run.journal.filter((e) => e.type === "fault.applied").length;
    // llm-provider-outage, cache-cold-start, vector-latency-spike, embedding-throttle,
    // token-cost-surge and the rollback drill's bad release each apply one fault.
    expect(applied).toBeGreaterThanOrEqual(6);
    expect(unreverted(run)).toEqual([]);
  });
});

// Each defect switch makes its scenario fail, and for the right reason.
const defects: Array<[defect: string, scenario: string, metric: string]> = [
  ["failover_off", "llm-provider-outage", "failover.success"],
  ["missing_alert_rule", "llm-provider-outage", "ttd"],
  ["backoff_off", "embedding-throttle", "check:no-request-lost"],
  ["depthk_off", "vector-latency-spike", "check:depth-k-reduces"],
  ["guardrail_off", "pii-leakage-probe", "check:no-pii-allowed"],
  ["cost_routing_off", "token-cost-surge", "cost.containment"],
  ["slow_rollback", "rollback-drill", "ttr"],
  ["cache_refill_off", "cache-cold-start", "check:cache-hit-recovers"],
  ["capacity_1x", "spike-2x", "check:gate-error-rate"],
];

describe.each(defects)("defect %s", (defect, id, metric) => {
  it(`turns ${id} red on ${metric} and exits 1`, () => {
    const run = gameday([`scenarios/${id}.ts`, "--defect", defect], join(work, defect));
    const s = scenario(run, id);
    expect(s.verdict, run.output).toBe("FAIL");
    expect(verdictOf(s, metric), run.output).toBe("FAIL");
    expect(run.code).toBe(1);
    expect(leftoverPids(run.runDir)).toEqual([]);
    expect(unreverted(run)).toEqual([]);
  }, 240_000);
});
