// End to end, as `make gameday` runs it: the bundled scenarios in the ci profile against the real
// reference stack (Redis, Toxiproxy, Prometheus, Alertmanager, k6). Every scenario passes on the
// healthy stack; each defect switch turns its scenario red for the right metric; the harness's
// instants match the service's own ground truth within 250 ms; nothing is left running.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult, ScenarioResult } from "../../src/engine/result.ts";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");
const work = mkdtempSync(join(tmpdir(), "gameday-e2e-"));

interface GroundTruthEvent {
  t: number;
  type: string;
  detail?: Record<string, unknown>;
}

interface Run {
  code: number | null;
  output: string;
  runDir: string;
  result: RunResult;
  truth: GroundTruthEvent[];
}

// Runs start from a folder of their own: `gameday run` attaches to a stack that `gameday env up`
// holds in its working directory (.gameday/env.json), and --defect needs a stack of the run's own.
const cwd = mkdtempSync(join(tmpdir(), "gameday-e2e-cwd-"));

function gameday(args: string[], out: string): Run {
  const paths = args.map((a) => (a.startsWith("scenarios") ? join(root, a) : a));
  const r = spawnSync(
    process.execPath,
    [
      "--disable-warning=ExperimentalWarning",
      main,
      "run",
      ...paths,
      "--config",
      join(root, "gameday.config.ts"),
      "--profile",
      "ci",
      "--out",
      out,
    ],
    {
      cwd,
      encoding: "utf8",
      timeout: 420_000,
    },
  );
  const output = `${r.stdout}\n${r.stderr}`;
  const runs = existsSync(out) ? readdirSync(out) : [];
  if (runs.length !== 1)
    throw new Error(`expected one run folder in ${out}, found ${runs.length}:\n${output}`);
  const runDir = join(out, runs[0]!);
  const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as RunResult;
  const gt = join(runDir, "ground-truth.json");
  const truth = existsSync(gt) ? (JSON.parse(readFileSync(gt, "utf8")) as GroundTruthEvent[]) : [];
  return { code: r.status, output, runDir, result, truth };
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

  it("labels the auto-responder's acks as synthetic", () => {
    const mtta = scenario(run, "llm-provider-outage").measurements.find((m) => m.metric === "mtta");
    expect(mtta?.synthetic).toBe(true);
    expect(readFileSync(join(run.runDir, "gameday_report.md"), "utf8")).toMatch(/synthetic/i);
  });

  it("leaves nothing running", () => {
    expect(leftoverPids(run.runDir)).toEqual([]);
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
  }, 240_000);
});
