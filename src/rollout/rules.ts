// The rollout rules as pure functions: thresholds, the decision (triggers before gates, missing data
// never promotes), ramp steps (seed 001 §3.2), rollback targets and freeze windows (seed 000).
// Everything that reads the world hands its readings in; nothing here waits or fetches.
import { Cron } from "croner";
import { formatDuration } from "../scenario/duration.ts";
import type {
  CriterionRole,
  CriterionVerdict,
  Decision,
  Evaluation,
  Frozen,
  PrerequisiteResult,
} from "./decision.ts";
import type { Criterion, FreezeWindow, Rollout, Trigger } from "./schema.ts";

type Threshold = Pick<Criterion, "below" | "atMost" | "above" | "atLeast">;

/** The comparison of a criterion: "< 0.05", "≥ 0.55". */
export function thresholdText(c: Threshold): string {
  if (c.below !== undefined) return `< ${c.below}`;
  if (c.atMost !== undefined) return `≤ ${c.atMost}`;
  if (c.above !== undefined) return `> ${c.above}`;
  return `≥ ${c.atLeast}`;
}

/** Whether a value satisfies the comparison (a gate passes, a trigger's condition is met). */
export function meets(c: Threshold, value: number): boolean {
  if (c.below !== undefined) return value < c.below;
  if (c.atMost !== undefined) return value <= c.atMost;
  if (c.above !== undefined) return value > c.above;
  return value >= (c.atLeast as number);
}

/**
 * Several series for one criterion: take the one that matters most. A gate must hold for every
 * series (the worst one); a trigger fires on any series (the most alarming one).
 */
export function pickValue(c: Threshold, role: CriterionRole, values: number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return null;
  const upper = c.below !== undefined || c.atMost !== undefined;
  const wantMax = role === "gate" ? upper : !upper;
  return wantMax ? Math.max(...finite) : Math.min(...finite);
}

export function formatValue(value: number, unit: string): string {
  switch (unit) {
    case "ratio":
      return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)} %`;
    case "pct":
      return `${value.toFixed(2)} %`;
    case "ms":
      return `${Math.round(value)} ms`;
    case "s":
      return `${value.toFixed(3)} s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
}

export interface Reading {
  /** null: no data (an empty result, NaN, an unreachable source). */
  value: number | null;
  source: string;
  /** Why there is no value. */
  error?: string;
}

/** A gate criterion's verdict from its reading. */
export function judgeGate(c: Criterion, r: Reading): CriterionVerdict {
  const base = verdictBase(c, "gate", r);
  if (r.value === null)
    return { ...base, status: "missing", reason: `no data (${r.error ?? "empty result"}): cannot pass` };
  const ok = meets(c, r.value);
  return {
    ...base,
    status: ok ? "pass" : "fail",
    reason: `${formatValue(r.value, c.unit)} ${ok ? "meets" : "misses"} ${thresholdText(c)}`,
  };
}

/**
 * A trigger's verdict. `metSince` is when its condition started holding on consecutive checks (the
 * caller keeps it); it fires once the condition has held for the trigger's `for`.
 */
export function judgeTrigger(
  t: Trigger,
  role: "pause" | "rollback",
  r: Reading,
  o: { metSince?: number; now: number },
): CriterionVerdict {
  const base = { ...verdictBase(t, role, r), ...(role === "rollback" ? { to: t.to } : {}) };
  if (r.value === null)
    return {
      ...base,
      status: "missing",
      reason: `no data (${r.error ?? "empty result"}): cannot rule it out`,
    };
  const shown = `${formatValue(r.value, t.unit)} ${thresholdText(t)}`;
  if (!meets(t, r.value))
    return { ...base, status: "clear", reason: `${formatValue(r.value, t.unit)}: not ${thresholdText(t)}` };
  const heldFor = o.metSince === undefined ? 0 : o.now - o.metSince;
  if (heldFor >= t.for)
    return {
      ...base,
      status: "fired",
      reason: t.for > 0 ? `${shown} for ${formatDuration(heldFor)} (≥ ${formatDuration(t.for)})` : shown,
    };
  return {
    ...base,
    status: "met",
    reason: `${shown} for ${formatDuration(heldFor)}, fires after ${formatDuration(t.for)}`,
  };
}

function verdictBase(c: Criterion | Trigger, role: CriterionRole, r: Reading) {
  return {
    role,
    name: c.name,
    title: c.title ?? c.name,
    threshold: thresholdText(c),
    unit: c.unit,
    value: r.value,
    source: r.source,
  };
}

export interface DecideInput {
  criteria: CriterionVerdict[];
  frozen?: Frozen | null;
  prerequisites?: PrerequisiteResult;
  /** false while the phase has not run its minimum duration (advance); undefined when unknown (check). */
  phaseComplete?: { done: boolean; reason: string };
}

/**
 * The one decision: a fired rollback trigger, then a fired pause trigger, then anything that blocks
 * promotion (missing data, a failing gate, unmet prerequisites, a freeze, an unfinished phase).
 * PROMOTE only when nothing blocks.
 */
export function decide(i: DecideInput): Evaluation {
  const frozen = i.frozen ?? null;
  const by = (pred: (c: CriterionVerdict) => boolean) => i.criteria.filter(pred);
  const line = (c: CriterionVerdict) => `${c.role} ${c.title}: ${c.reason}`;
  const rollback = by((c) => c.role === "rollback" && c.status === "fired");
  if (rollback.length) {
    const first = rollback.some((c) => c.to === "first");
    return {
      decision: "ROLLBACK",
      reasons: rollback.map(line),
      criteria: i.criteria,
      frozen,
      rollbackTo: first ? "first" : "previous",
    };
  }
  const pause = by((c) => c.role === "pause" && c.status === "fired");
  if (pause.length) return { decision: "PAUSE", reasons: pause.map(line), criteria: i.criteria, frozen };
  const blocking: string[] = [
    ...by((c) => c.status === "missing").map((c) => `${line(c)} — never promote on missing data`),
    ...by((c) => c.role === "gate" && c.status === "fail").map(line),
  ];
  if (i.prerequisites && !i.prerequisites.ok)
    blocking.push(...i.prerequisites.lines.filter((l) => !l.ok).map((l) => `prerequisite: ${l.text}`));
  if (frozen) blocking.push(`freeze: ${frozen.reason} until ${new Date(frozen.until).toISOString()}`);
  if (i.phaseComplete && !i.phaseComplete.done) blocking.push(i.phaseComplete.reason);
  const decision: Decision = blocking.length ? "HOLD" : "PROMOTE";
  const reasons = blocking.length
    ? blocking
    : [`all ${by((c) => c.role === "gate").length} gate criteria pass, no trigger fired`];
  return { decision, reasons, criteria: i.criteria, frozen };
}

/**
 * Seed 001 §3.2: the shares a ramp goes through, each at most `maxFactor` × the previous one (from
 * 0 %, first to `initial`); a ramp down is one immediate step.
 */
export function rampSteps(from: number, to: number, ramp: Rollout["ramp"]): number[] {
  if (to <= from) return to === from ? [] : [to];
  const steps: number[] = [];
  let cur = from;
  while (cur < to) {
    const next = cur === 0 ? Math.min(ramp.initial, to) : Math.min(cur * ramp.maxFactor, to);
    // Floating point: keep shares readable (at most two decimals), never stall.
    const rounded = Math.max(Math.round(next * 100) / 100, cur + 0.01);
    steps.push(Math.min(rounded, to));
    cur = Math.min(rounded, to);
  }
  return steps;
}

/** Why a direct change of share breaks the ramp rule, or null when it is allowed. */
export function rampProblem(from: number, to: number, ramp: Rollout["ramp"]): string | null {
  if (to <= from) return null;
  if (from === 0)
    return to > ramp.initial
      ? `${from} % → ${to} %: a first exposure goes to at most ${ramp.initial} %`
      : null;
  return to > from * ramp.maxFactor + 1e-9
    ? `${from} % → ${to} %: a step goes to at most ${ramp.maxFactor}× the previous share (${from * ramp.maxFactor} %)`
    : null;
}

/**
 * Seed 001 §3.2 "re-ramp from the previous stable phase": where a rollback from phase `current`
 * goes — the phase before it (its gate had passed), or the first phase for data loss.
 */
export function rollbackPhase(current: number, to: "previous" | "first"): number {
  if (to === "first") return 0;
  return Math.max(0, current - 1);
}

/** The freeze in force at `now`, if any; the one ending last when several overlap. */
export function frozenAt(windows: readonly FreezeWindow[], now: number): Frozen | null {
  let found: Frozen | null = null;
  for (const w of windows) {
    let span: [number, number] | null = null;
    if ("from" in w) span = now >= w.from && now < w.to ? [w.from, w.to] : null;
    else {
      // The latest fire at or before now: croner looks forward, so step back over the window.
      const cron = new Cron(w.cron, { paused: true, timezone: w.timezone });
      const start = cron.nextRun(new Date(now - w.duration));
      cron.stop();
      if (start && start.getTime() <= now) span = [start.getTime(), start.getTime() + w.duration];
    }
    if (span && now < span[1] && (!found || span[1] > found.until))
      found = { reason: w.reason, until: span[1] };
  }
  return found;
}
