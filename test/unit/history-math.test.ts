// The arithmetic of the run history, without a store: noise bands and regressions
// (src/history/regression.ts), the reliability score (score.ts) and --baseline parsing
// (baseline.ts). Expected values are worked out by hand in the comments.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Target, Unit } from "../../src/evaluate/verdict.ts";
import { BaselineError, describeBaseline, parseBaseline } from "../../src/history/baseline.ts";
import {
  type Band,
  compared,
  DEFAULT_MIN_DELTA,
  DEFAULT_REGRESSION_METRICS,
  mad,
  median,
  minDeltaFor,
  noiseBand,
  regressed,
  type Worse,
  worseDirection,
} from "../../src/history/regression.ts";
import type { ScenarioOutcome } from "../../src/history/run-store.ts";
import { DEFAULT_SCORE, reliabilityScore, type ScoreSettings } from "../../src/history/score.ts";

const DAY = 86_400_000;

describe("median and MAD", () => {
  it("median of odd and even counts, in any order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([-5, 10])).toBe(2.5);
    const values = [5, 3, 9, 1];
    median(values);
    expect(values).toEqual([5, 3, 9, 1]); // not sorted in place
  });

  it("MAD: the median of the distances from the median", () => {
    // median 2; distances 1 1 0 0 2 4 7 → sorted 0 0 1 1 2 4 7 → 1
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(mad([100, 100, 100])).toBe(0);
    // median 100; distances 0 10 10 5 5 → 5
    expect(mad([100, 110, 90, 105, 95])).toBe(5);
    // One wild reading barely moves it.
    expect(mad([100, 110, 90, 105, 95, 1_000_000])).toBe(7.5);
  });
});

describe("noiseBand", () => {
  it("median ± k × 1.4826 × MAD", () => {
    const band = noiseBand([100, 110, 90, 105, 95], 3, 0)!;
    expect(band.median).toBe(100);
    expect(band.runs).toBe(5);
    expect(band.lo).toBeCloseTo(100 - 3 * 1.4826 * 5, 9); // 77.761
    expect(band.hi).toBeCloseTo(100 + 3 * 1.4826 * 5, 9); // 122.239
    expect(noiseBand([100, 110, 90, 105, 95], 1, 0)!.hi).toBeCloseTo(107.413, 9);
  });

  it("never narrower than minDelta: identical readings get ± minDelta, a wide spread keeps its own width", () => {
    expect(noiseBand([1000, 1000, 1000], 3, 250)).toEqual({ median: 1000, lo: 750, hi: 1250, runs: 3 });
    // 22.239 from the spread is under the floor of 30.
    expect(noiseBand([100, 110, 90, 105, 95], 3, 30)).toEqual({ median: 100, lo: 70, hi: 130, runs: 5 });
    // 22.239 is over a floor of 20.
    expect(noiseBand([100, 110, 90, 105, 95], 3, 20)!.hi).toBeCloseTo(122.239, 9);
  });

  it("cuts the band at zero for readings that are never negative, not for others", () => {
    expect(noiseBand([100, 100], 3, 250)).toEqual({ median: 100, lo: 0, hi: 350, runs: 2 });
    expect(noiseBand([0, 0, 0], 3, 0.02)).toEqual({ median: 0, lo: 0, hi: 0.02, runs: 3 });
    expect(noiseBand([-5, -5], 3, 2)).toEqual({ median: -5, lo: -7, hi: -3, runs: 2 });
  });

  it("no values, no band", () => {
    expect(noiseBand([], 3, 250)).toBeNull();
  });

  it("minDelta by metric name first, then unit, then the defaults", () => {
    expect(minDeltaFor("ttd", "ms", { ttd: 500, ms: 100 })).toBe(500);
    expect(minDeltaFor("failover.time", "ms", { ttd: 500, ms: 100 })).toBe(100);
    expect(minDeltaFor("ttd", "ms", {})).toBe(DEFAULT_MIN_DELTA.ttd);
    expect(minDeltaFor("failover.time", "ms", {})).toBe(250);
    expect(minDeltaFor("failover.success", "ratio", {})).toBe(0.02);
    expect(minDeltaFor("cost.peak", "usd", {})).toBe(0.0005);
    expect(minDeltaFor("check:depth", "value", {})).toBe(0);
  });
});

describe("worseDirection", () => {
  const target = (op: Target["op"]) => ({ op });
  it.each([
    ["<", "higher"],
    ["<=", "higher"],
    [">", "lower"],
    [">=", "lower"],
    ["==", "either"],
  ] as const)("a %s target: %s is worse, whatever the unit", (op, worse) => {
    for (const unit of ["ms", "ratio", "usd", "pct", "count", "value"] as const)
      expect(worseDirection({ unit, target: target(op) })).toBe(worse);
  });

  it.each([
    ["ms", "higher"],
    ["usd", "higher"],
    ["pct", "higher"],
    ["count", "higher"],
    ["ratio", "lower"],
    ["value", null],
  ] as const)("no target, unit %s: %s", (unit, worse) => {
    expect(worseDirection({ unit: unit as Unit, target: null })).toBe(worse);
  });
});

describe("regressed", () => {
  const band: Band = { median: 100, lo: 80, hi: 120, runs: 5 };
  it("only beyond the band on the worse side; the edges are inside", () => {
    expect([121, 120, 100, 80, 50].map((v) => regressed(v, band, "higher"))).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
    expect([150, 120, 100, 80, 79].map((v) => regressed(v, band, "lower"))).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect([121, 120, 100, 80, 79].map((v) => regressed(v, band, "either"))).toEqual([
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it("a reading that never came regresses, whichever way is worse", () => {
    for (const worse of ["higher", "lower", "either"] as const)
      expect(regressed(null, band, worse)).toBe(true);
  });
});

describe("compared", () => {
  it("the default metrics: resilience measurements, not check:* assertions", () => {
    for (const m of [
      "ttd",
      "mtta",
      "ttm",
      "ttr",
      "failover.time",
      "failover.success",
      "cost.peak",
      "error_budget.burn_pct",
    ])
      expect(compared(m, DEFAULT_REGRESSION_METRICS)).toBe(true);
    for (const m of ["check:cache-hit", "ttd#2", "failover.time.p95", "p95"])
      expect(compared(m, DEFAULT_REGRESSION_METRICS)).toBe(false);
  });

  it("a pattern ending in * is a prefix; anything else an exact name", () => {
    expect(compared("check:cache-hit", ["check:*"])).toBe(true);
    expect(compared("check:", ["check:*"])).toBe(true);
    expect(compared("checks", ["check:*"])).toBe(false);
    expect(compared("ttd", ["check:*"])).toBe(false);
    expect(compared("ttd", ["check:*", "ttd"])).toBe(true);
    expect(compared("anything", ["*"])).toBe(true);
    expect(compared("ttd", [])).toBe(false);
  });
});

describe("the band and regressions, for any readings (property)", () => {
  const readings = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 });
  const k = fc.double({ min: 0.5, max: 5, noNaN: true });
  const minDelta = fc.double({ min: 0, max: 5000, noNaN: true });
  const worse = fc.constantFrom<Worse>("higher", "lower", "either");
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  const beyond = fc.double({ min: 1e-6, max: 1e6, noNaN: true });

  it("the band holds the median, is never narrower than minDelta, and never reaches below zero", () => {
    fc.assert(
      fc.property(readings, k, minDelta, (values, k, d) => {
        const band = noiseBand(values, k, d)!;
        expect(band.lo).toBeLessThanOrEqual(band.median);
        expect(band.hi).toBeGreaterThanOrEqual(band.median);
        // (median + d rather than hi − median: rounding is monotonic, subtraction is not exact.)
        expect(band.hi).toBeGreaterThanOrEqual(band.median + d);
        expect(band.lo).toBeGreaterThanOrEqual(0);
        expect(band.runs).toBe(values.length);
      }),
    );
  });

  it("a value inside the band never regresses", () => {
    fc.assert(
      fc.property(readings, k, minDelta, worse, fraction, (values, k, d, w, f) => {
        const band = noiseBand(values, k, d)!;
        const inside = Math.min(band.hi, Math.max(band.lo, band.lo + f * (band.hi - band.lo)));
        expect(regressed(inside, band, w)).toBe(false);
      }),
    );
  });

  it("a value beyond the band on the worse side always regresses; on the better side never", () => {
    fc.assert(
      fc.property(readings, k, minDelta, beyond, (values, k, d, by) => {
        const band = noiseBand(values, k, d)!;
        // Far enough past the edge to survive rounding at this magnitude.
        const step = Math.max(by, Math.abs(band.hi) * 1e-9);
        const above = band.hi + step;
        const below = band.lo - Math.max(by, Math.abs(band.lo) * 1e-9);
        expect(regressed(above, band, "higher")).toBe(true);
        expect(regressed(above, band, "either")).toBe(true);
        expect(regressed(above, band, "lower")).toBe(false);
        expect(regressed(below, band, "lower")).toBe(true);
        expect(regressed(below, band, "either")).toBe(true);
        expect(regressed(below, band, "higher")).toBe(false);
      }),
    );
  });
});

describe("reliabilityScore", () => {
  const now = Date.UTC(2026, 11, 1);
  const o = (
    scenario: string,
    daysAgo: number,
    verdict: ScenarioOutcome["verdict"],
    normal = true,
  ): ScenarioOutcome => ({
    scenario,
    runId: `${scenario}-${daysAgo}`,
    startedAt: now - daysAgo * DAY,
    verdict,
    normal,
  });
  const settings: ScoreSettings = {
    window: 30 * DAY,
    halfLife: 7 * DAY,
    staleAfter: 20 * DAY,
    objective: 0.9,
  };

  it("weights each normal run by recency and scores stale and never-run scenarios 0", () => {
    const outcomes = [
      o("b-stale", 25, "PASS"),
      o("a-mixed", 14, "PASS"),
      o("a-mixed", 10, "FAIL", false), // a defect run: left out
      o("a-mixed", 7, "FAIL"),
      o("d-steady", 3, "PASS"),
      o("d-steady", 2, "PASS"),
      o("d-steady", 1, "PASS"),
      o("a-mixed", 0, "WARN"),
      o("e-abnormal-only", 1, "FAIL", false),
      o("a-mixed", 31, "FAIL"), // outside the window
      o("a-mixed", -1, "FAIL"), // after now
    ];
    const score = reliabilityScore(outcomes, now, settings, ["c-expected", "d-steady"]);
    expect(score.asOf).toBe(now);
    expect(score.settings).toBe(settings);
    expect(score.scenarios.map((s) => s.scenario)).toEqual(["a-mixed", "b-stale", "c-expected", "d-steady"]);
    const [a, b, c, d] = score.scenarios;
    // Weights ½^(14/7) = 0.25, ½^(7/7) = 0.5, ½^0 = 1; credits 1, 0, ½:
    // (0.25 + 0 + 0.5) / 1.75 = 42.857… → 42.9. One fall from PASS of one run after a PASS;
    // one FAIL in three runs = 33.3 % against a 10 % budget → 333.3 %.
    expect(a).toEqual({
      scenario: "a-mixed",
      score: 42.9,
      status: "warn",
      runs: 3,
      lastRunAt: now,
      lastVerdict: "WARN",
      changeFailRate: 1,
      budgetBurnPct: 333.3,
    });
    // Its last normal run is 25 days old, past staleAfter (20 d): 0 whatever it did.
    expect(b).toEqual({
      scenario: "b-stale",
      score: 0,
      status: "stale",
      runs: 1,
      lastRunAt: now - 25 * DAY,
      lastVerdict: "PASS",
      changeFailRate: null,
      budgetBurnPct: 0,
    });
    expect(c).toEqual({
      scenario: "c-expected",
      score: 0,
      status: "stale",
      runs: 0,
      lastRunAt: null,
      lastVerdict: null,
      changeFailRate: null,
      budgetBurnPct: null,
    });
    expect(d).toMatchObject({ score: 100, status: "pass", runs: 3, changeFailRate: 0, budgetBurnPct: 0 });
    // (42.9 + 0 + 0 + 100) / 4 = 35.725 → 35.7; 1 fall in 3 runs after a PASS; 1 FAIL in 7 runs
    // = 14.29 % against 10 % → 142.9 %.
    expect(score.overall).toBe(35.7);
    expect(score.changeFailRate).toBeCloseTo(1 / 3, 12);
    expect(score.budgetBurnPct).toBe(142.9);
  });

  it("a half-life old run counts half: PASS then FAIL a half-life apart is 1/3", () => {
    const score = reliabilityScore([o("x", 7, "PASS"), o("x", 0, "FAIL")], now, settings);
    // (0.5 × 1 + 1 × 0) / 1.5 = 33.3
    expect(score.scenarios[0]).toMatchObject({
      score: 33.3,
      status: "fail",
      changeFailRate: 1,
      budgetBurnPct: 500,
    });
    const flipped = reliabilityScore([o("x", 7, "FAIL"), o("x", 0, "PASS")], now, settings);
    // (0.5 × 0 + 1 × 1) / 1.5 = 66.7; no run followed a PASS.
    expect(flipped.scenarios[0]).toMatchObject({ score: 66.7, status: "pass", changeFailRate: null });
  });

  it("runs that say nothing about the service (defect, ERROR, interrupted: not normal) are left out", () => {
    const score = reliabilityScore(
      [o("x", 2, "PASS"), o("x", 1, "ERROR", false), o("x", 0, "FAIL", false)],
      now,
      settings,
    );
    expect(score.scenarios).toEqual([
      expect.objectContaining({
        scenario: "x",
        score: 100,
        status: "pass",
        runs: 1,
        lastVerdict: "PASS",
        budgetBurnPct: 0,
      }),
    ]);
    expect(reliabilityScore([o("x", 0, "FAIL", false)], now, settings).scenarios).toEqual([]);
  });

  it("no scenario: no overall score, no rates", () => {
    expect(reliabilityScore([], now)).toEqual({
      asOf: now,
      settings: DEFAULT_SCORE,
      overall: null,
      changeFailRate: null,
      budgetBurnPct: null,
      scenarios: [],
    });
  });
});

describe("parseBaseline", () => {
  it.each([
    ["last-pass", { kind: "last-pass" }],
    ["  last-pass\n", { kind: "last-pass" }],
    ["branch:main", { kind: "branch", branch: "main" }],
    ["branch: release/2026.11 ", { kind: "branch", branch: "release/2026.11" }],
    ["2026-11-01T10-00-00Z-a1b2", { kind: "run", runId: "2026-11-01T10-00-00Z-a1b2" }],
    ["run_7.b", { kind: "run", runId: "run_7.b" }],
  ] as const)("%j → %j", (text, selector) => {
    expect(parseBaseline(text)).toEqual(selector);
    expect(describeBaseline(parseBaseline(text))).toBe(text.trim().replace(/^branch:\s*/, "branch:"));
  });

  it.each([
    ["branch:", /--baseline branch: needs a branch name, e\.g\. branch:main/],
    ["branch:   ", /needs a branch name/],
    ["", /--baseline "": use last-pass, branch:<name> or a run id/],
    ["two words", /--baseline "two words": use last-pass/],
    ["-starts-with-dash", /use last-pass, branch:<name> or a run id/],
    ["../etc/passwd", /use last-pass/],
    ["run;drop", /use last-pass/],
  ])("%j is a BaselineError", (text, message) => {
    expect(() => parseBaseline(text)).toThrow(BaselineError);
    expect(() => parseBaseline(text)).toThrow(message);
  });
});
