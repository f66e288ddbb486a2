import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScenarioClock } from "../../src/engine/clock.ts";
import { percentile } from "../../src/measure/samples.ts";
import { planScenario } from "../../src/engine/plan.ts";
import { validateScenario } from "../../src/scenario/loader.ts";
import { fault } from "../../src/index.ts";

describe("timeline clock", () => {
  it("starts steps on time without drift: lateness p99 ≤ 20 ms over 300 steps", () => {
    // What is measured is the scheduler, not the machine: the suite runs this beside load engines
    // and the reference stack on two cores, where the test worker itself can be descheduled for
    // 50 ms. So the steps run in a process of their own at a raised priority where allowed (root,
    // as in CI), and a measurement spoilt by a stall is retried, twice at most; every attempt is
    // printed.
    const script = join(import.meta.dirname, "engine-clock-lateness.ts");
    const node = [process.execPath, "--disable-warning=ExperimentalWarning", script];
    const cmd = process.getuid?.() === 0 ? ["nice", "-n", "-10", ...node] : node;
    let result = { p99: Number.POSITIVE_INFINITY, drift: Number.POSITIVE_INFINITY, lateness: [] as number[] };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      const lateness = JSON.parse(run.stdout) as number[];
      const p99 = percentile(lateness, 99);
      // No drift: the last steps (2.4 s in) are as punctual as the first ones.
      const drift = percentile(lateness.slice(-30), 50) - percentile(lateness.slice(0, 30), 50);
      console.log(
        `attempt ${attempt}: step-start lateness p50 ${percentile(lateness, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, drift ${drift.toFixed(2)} ms`,
      );
      result = { p99, drift, lateness };
      if (p99 <= 20 && drift <= 5) break;
    }
    expect(result.lateness).toHaveLength(300);
    expect(result.lateness.every((l) => l >= 0)).toBe(true);
    expect(result.p99).toBeLessThanOrEqual(20);
    expect(result.drift).toBeLessThanOrEqual(5);
  });

  it("rejects when aborted", async () => {
    const clock = new ScenarioClock();
    const ac = new AbortController();
    const p = clock.until(5_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
});

describe("plan", () => {
  it("orders steps, ends faults and derives the planned duration", () => {
    const s = validateScenario(
      {
        id: "p",
        title: "P",
        owner: "SRE",
        hypothesis: "h",
        steadyState: { sustain: "10s", errorRate: 0.01 },
        timeline: [
          { at: "30s", inject: fault.httpStatus("a", { status: 502, duration: "20s" }) },
          { at: "10s", inject: fault.cachePurge("cache") },
        ],
      },
      "p.ts",
    );
    const plan = planScenario(s);
    expect(plan.steps.map((x) => x.at)).toEqual([10_000, 30_000]);
    expect(plan.steps[1]!.until).toBe(50_000);
    expect(plan.baselineMs).toBe(10_000);
    // last event (50 s) + sustain twice (recovery room).
    expect(plan.plannedMs).toBe(70_000);
  });
});
