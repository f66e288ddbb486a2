import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exitCodeFor, judge, meets, scenarioVerdict, timeTarget } from "../../src/evaluate/evaluate.ts";
import type { Measurement, Target, Verdict } from "../../src/evaluate/verdict.ts";

const hard = (op: Target["op"], value: number, warnMargin = 0): Target => ({
  op,
  value,
  hard: true,
  warnMargin,
});

describe("judge", () => {
  it("passes a met target and fails a missed one", () => {
    expect(judge(100, hard("<=", 100), "ms")).toBe("PASS");
    expect(judge(101, hard("<=", 100), "ms")).toBe("FAIL");
    expect(judge(0.99, hard(">=", 1), "ratio")).toBe("FAIL");
    expect(judge(1, hard(">=", 1), "ratio")).toBe("PASS");
    expect(judge(3, hard(">", 0), "value")).toBe("PASS");
    expect(judge(0, hard(">", 0), "value")).toBe("FAIL");
    expect(judge(0, hard("==", 0), "value")).toBe("PASS");
    expect(judge(99, hard("<", 100), "ms")).toBe("PASS");
    expect(judge(100, hard("<", 100), "ms")).toBe("FAIL");
  });

  it("a hard time target missed within target × (1 + margin) is WARN, beyond FAIL", () => {
    const t = timeTarget(120_000, 0.1);
    expect(t).toEqual({ op: "<=", value: 120_000, hard: true, warnMargin: 12_000 });
    expect(judge(120_000, t, "ms")).toBe("PASS");
    expect(judge(125_000, t, "ms")).toBe("WARN");
    expect(judge(132_000, t, "ms")).toBe("WARN");
    expect(judge(132_001, t, "ms")).toBe("FAIL");
    expect(judge(0.97, hard(">=", 1, 0.05), "ratio")).toBe("WARN");
  });

  it("null (never happened) is FAIL; soft targets WARN; no target is informational", () => {
    expect(judge(null, timeTarget(1_000, 0.1), "ms")).toBe("FAIL");
    expect(judge(Number.NaN, hard("<=", 1), "ms")).toBe("FAIL");
    expect(judge(null, { ...hard("<=", 1), hard: false })).toBe("WARN");
    expect(judge(5, { ...hard("<=", 1), hard: false })).toBe("WARN");
    expect(judge(5, null)).toBe("PASS");
  });

  it("fractional units tolerate float rounding at the boundary; ms and counts compare exactly", () => {
    const mean = (0.1 + 0.2) / 3; // 0.10000000000000002
    expect(mean).not.toBe(0.1);
    expect(judge(mean, hard("<=", 0.1), "usd")).toBe("PASS");
    expect(judge(mean, hard("==", 0.1), "value")).toBe("PASS");
    expect(judge(mean, hard("<", 0.1), "usd")).toBe("FAIL");
    expect(meets(1_000.0000001, "<=", 1_000, "ms")).toBe(false);
    expect(meets(0.1001, "<=", 0.1, "usd")).toBe(false);
  });

  it("property: for <= targets, verdicts only get worse as the value grows", () => {
    const rank: Record<Verdict, number> = { PASS: 0, WARN: 1, FAIL: 2, ERROR: 3 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e7 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2e7 }),
        fc.integer({ min: 0, max: 2e7 }),
        (target, share, a, b) => {
          const t = timeTarget(target, share);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(rank[judge(lo, t, "ms")]).toBeLessThanOrEqual(rank[judge(hi, t, "ms")]);
          expect(judge(lo, t, "ms") === "PASS").toBe(lo <= target);
          const v = judge(hi, t, "ms");
          if (v === "WARN") expect(hi).toBeLessThanOrEqual(target * (1 + share));
          if (v === "FAIL") expect(hi).toBeGreaterThan(target * (1 + share) - 1e-6);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe("scenarioVerdict and exit codes", () => {
  const m = (verdict: Verdict): Measurement => ({
    scenario: "s",
    metric: "x",
    value: 1,
    unit: "ms",
    target: null,
    verdict,
    note: "",
    evidence: [],
    synthetic: false,
  });

  it("is the worst measurement; any harness error is ERROR", () => {
    expect(scenarioVerdict([], [])).toBe("PASS");
    expect(scenarioVerdict([m("PASS"), m("WARN")], [])).toBe("WARN");
    expect(scenarioVerdict([m("WARN"), m("FAIL"), m("PASS")], [])).toBe("FAIL");
    expect(scenarioVerdict([m("FAIL"), m("ERROR")], [])).toBe("ERROR");
    expect(scenarioVerdict([m("PASS")], ["load engine exited with code 2: no output"])).toBe("ERROR");
  });

  it("maps verdicts to the CLI contract: 0 PASS, WARN 0 unless strict, 1 FAIL, 3 ERROR", () => {
    expect(exitCodeFor("PASS", { strict: true })).toBe(0);
    expect(exitCodeFor("WARN", { strict: false })).toBe(0);
    expect(exitCodeFor("WARN", { strict: true })).toBe(1);
    expect(exitCodeFor("FAIL", { strict: false })).toBe(1);
    expect(exitCodeFor("ERROR", { strict: false })).toBe(3);
  });
});
