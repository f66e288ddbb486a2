// Targets → verdicts. A hard target missed by no more than its warn margin is WARN, beyond it FAIL;
// a soft target missed is WARN; a thing that never happened (value null) is FAIL (WARN when soft);
// a harness or environment failure is ERROR and is decided by the measurer, which knows why an
// input is missing — judge only sees numbers.
import type { Measurement, Target, Unit, Verdict } from "./verdict.ts";
import { worst } from "./verdict.ts";

/**
 * Tolerance of a comparison in the unit's terms. Milliseconds and counts are compared exactly;
 * fractional units (a mean of 0.004 USD summed over 20 requests) get a relative 1e-9 so float
 * rounding cannot turn "exactly at the cap" into a miss.
 */
function tolerance(target: number, unit: Unit | undefined): number {
  if (unit === "ms" || unit === "count") return 0;
  return 1e-9 * Math.max(1, Math.abs(target));
}

/** value op target, where values within the unit's tolerance of the target count as equal to it. */
export function meets(value: number, op: Target["op"], target: number, unit?: Unit): boolean {
  const eps = tolerance(target, unit);
  switch (op) {
    case "<":
      return value < target - eps;
    case "<=":
      return value <= target + eps;
    case ">":
      return value > target + eps;
    case ">=":
      return value >= target - eps;
    case "==":
      return Math.abs(value - target) <= eps;
  }
}

/** Verdict of one value against one target; no target means informational (PASS). */
export function judge(value: number | null, target: Target | null, unit?: Unit): Verdict {
  if (target === null) return "PASS";
  if (value === null || Number.isNaN(value)) return target.hard ? "FAIL" : "WARN";
  if (meets(value, target.op, target.value, unit)) return "PASS";
  if (!target.hard) return "WARN";
  const slack = target.warnMargin;
  if (slack > 0) {
    const widened =
      target.op === "<" || target.op === "<="
        ? meets(value, "<=", target.value + slack, unit)
        : target.op === ">" || target.op === ">="
          ? meets(value, ">=", target.value - slack, unit)
          : Math.abs(value - target.value) <= slack;
    if (widened) return "WARN";
  }
  return "FAIL";
}

/** A time target `<= ms` whose warn margin is a share of the target (expect.warnMargin). */
export function timeTarget(ms: number, warnShare: number): Target {
  return { op: "<=", value: ms, hard: true, warnMargin: ms * warnShare };
}

/** A scenario's verdict: the worst of its measurements; any harness error makes it ERROR. */
export function scenarioVerdict(measurements: readonly Measurement[], errors: readonly string[]): Verdict {
  if (errors.length) return "ERROR";
  return worst(measurements.map((m) => m.verdict));
}

/** Exit code per the CLI contract: 0 PASS (WARN too unless strict), 1 FAIL, 3 ERROR. */
export function exitCodeFor(verdict: Verdict, o: { strict: boolean }): number {
  switch (verdict) {
    case "PASS":
      return 0;
    case "WARN":
      return o.strict ? 1 : 0;
    case "FAIL":
      return 1;
    case "ERROR":
      return 3;
  }
}
