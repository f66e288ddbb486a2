// The history catches a resilience regression that the targets let through: on the real reference
// stack, a healthy run is recorded as the baseline; a run with the failover_slow defect (the
// service fails over a second late, still within the scenario's target) is compared with it and
// failover time is flagged as a regression, FAIL, exit 1, in junit.xml; a second healthy run is
// compared with the first (a defect run is never a baseline) and raises no false alarm. The
// harness's failover times are checked against the service's own record of its provider switch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult, ScenarioResult } from "../../src/engine/result.ts";
import { freePort } from "../../src/env/process.ts";
import { openRunStore } from "../../src/history/open-store.ts";
import { runFolders } from "../run-folders.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
const scenarioFile = join(root, "test/fixtures/scenarios/history/failover-short.ts");
const work = mkdtempSync(join(tmpdir(), "gameday-history-e2e-"));
const store = join(work, "history.sqlite");
const config = join(work, "gameday.config.ts");

interface Run {
  code: number | null;
  output: string;
  runDir: string;
  result: RunResult;
  scenario: ScenarioResult;
  truth: Array<{ t: number; type: string; detail?: Record<string, unknown> }>;
}

function run(name: string, extra: string[]): Run {
  const out = join(work, name);
  const r = runGameday(
    [
      "run",
      scenarioFile,
      "--config",
      config,
      "--profile",
      "ci",
      "--out",
      out,
      "--store",
      store,
      "--quiet",
      ...extra,
    ],
    { cwd: work, timeoutMs: 180_000 },
  );
  const output = r.output;
  const runs = runFolders(out);
  if (runs.length !== 1)
    throw new Error(`expected one run folder in ${out}, found ${runs.length}:\n${output}`);
  const runDir = join(out, runs[0]!);
  const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as RunResult;
  const truth = JSON.parse(readFileSync(join(runDir, "ground-truth.json"), "utf8")) as Run["truth"];
  return { code: r.code, output, runDir, result, scenario: result.scenarios[0]!, truth };
}

const metric = (r: Run, name: string) => r.scenario.measurements.find((m) => m.metric === name)!;

afterAll(() => rmSync(work, { recursive: true, force: true }));

// The bundled config but for the alert receiver's port: other end-to-end files run the bundled
// config's receiver (127.0.0.1:9095) at the same time.
async function writeConfig(): Promise<void> {
  writeFileSync(
    config,
    `import { defineConfig } from "gameday";
export default defineConfig({ provider: "reference", autoAck: { after: "60s" }, receiver: { listen: "127.0.0.1:${await freePort()}" } });
`,
  );
}

describe("a failover regression against the recorded baseline", () => {
  let healthy: Run;
  let slow: Run;
  let healthyAgain: Run;
  beforeAll(async () => {
    await writeConfig();
    healthy = run("healthy", []);
    slow = run("slow", ["--defect", "failover_slow", "--baseline", "last-pass"]);
    healthyAgain = run("healthy-again", ["--baseline", "last-pass"]);
  }, 540_000);

  it("records the healthy baseline run", () => {
    expect(healthy.code, healthy.output).toBe(0);
    expect(healthy.output).toContain(`recorded in the history store ${store}`);
    expect(metric(healthy, "failover.time").comparison).toBeUndefined();
  });

  it("flags the slower failover as a regression although its target is met", () => {
    const m = metric(slow, "failover.time");
    const c = m.comparison!;
    console.log(
      `failover time: baseline ${c.baseline} ms, defect run ${m.value} ms, band ${c.band[0].toFixed(0)}…${c.band[1].toFixed(0)} ms`,
    );
    expect(c.baselineRunId).toBe(healthy.result.runId);
    expect(c.baseline).toBe(metric(healthy, "failover.time").value);
    expect(m.value!).toBeLessThanOrEqual(m.target!.value);
    expect(c.regressed, slow.output).toBe(true);
    expect(m.value!).toBeGreaterThan(c.band[1]);
    expect(m.verdict).toBe("FAIL");
    expect(slow.result.verdict).toBe("FAIL");
    expect(slow.code, slow.output).toBe(1);
    expect(slow.output).toMatch(/compared with last-pass: \d+ regressions?/);
    const junit = readFileSync(join(slow.runDir, "junit.xml"), "utf8");
    expect(junit).toContain('name="regression: failover.time"');
    const journal = readFileSync(join(slow.runDir, "journal.jsonl"), "utf8");
    expect(journal).toContain('"type":"regression"');
  });

  it("measures both failover times as the service recorded its provider switch, within 250 ms", () => {
    for (const r of [healthy, slow, healthyAgain]) {
      const s = r.scenario;
      const truth = r.truth.find(
        (e) => e.type === "provider_switched" && e.detail?.to === "secondary" && e.t >= s.times.inject!,
      );
      expect(truth, r.output).toBeDefined();
      expect(Math.abs(metric(r, "failover.time").value! - (truth!.t - s.times.inject!))).toBeLessThanOrEqual(
        250,
      );
    }
    // The defect holds failover back by FAILOVER_SLOW_MS (1 s): the gap the history caught is real.
    expect(metric(slow, "failover.time").value! - metric(healthy, "failover.time").value!).toBeGreaterThan(
      700,
    );
  });

  it("never takes the defect run as a baseline, and a second healthy run raises no false alarm", () => {
    expect(healthyAgain.result.baseline?.runs["failover-short"]).toBe(healthy.result.runId);
    expect(healthyAgain.result.baseline?.regressions, healthyAgain.output).toBe(0);
    for (const m of healthyAgain.scenario.measurements)
      if (m.comparison) expect(m.comparison.regressed, m.metric).toBe(false);
    expect(healthyAgain.code, healthyAgain.output).toBe(0);
  });

  it("keeps all three runs in the store, the defect run marked as not normal", async () => {
    const s = await openRunStore(store);
    try {
      const runs = await s.runs();
      expect(runs.map((r) => r.runId).sort()).toEqual(
        [healthy, slow, healthyAgain].map((r) => r.result.runId).sort(),
      );
      expect(runs.find((r) => r.runId === slow.result.runId)).toMatchObject({
        normal: false,
        defects: ["failover_slow"],
      });
      const stored = await s.getRun(slow.result.runId);
      expect(stored?.scenarios[0]?.measurements.find((m) => m.metric === "failover.time")?.verdict).toBe(
        "FAIL",
      );
    } finally {
      await s.close();
    }
  });
});
