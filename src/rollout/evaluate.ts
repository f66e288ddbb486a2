// One evaluation of a phase: read every gate criterion and trigger, judge each, decide. The same
// code serves `rollout check` (read now), `rollout advance` (at each checkpoint, remembering how
// long each trigger has held) and the gate-checkpoint API (values handed in as `metrics`).
import type { CriterionRole, CriterionVerdict, Evaluation, PrerequisiteResult } from "./decision.ts";
import { type ReadContext, readCriterion } from "./readings.ts";
import { decide, frozenAt, judgeGate, judgeTrigger, meets, type Reading, rollbackPhase } from "./rules.ts";
import type { Criterion, Rollout, Trigger } from "./schema.ts";

/** How long each trigger's condition has held on consecutive checks (advance keeps one per rollout). */
export class TriggerMemory {
  private readonly since = new Map<string, number>();

  /** Records whether the condition is met now; returns since when it has held, if it does. */
  observe(role: "pause" | "rollback", name: string, met: boolean, now: number): number | undefined {
    const key = `${role}:${name}`;
    if (!met) {
      this.since.delete(key);
      return undefined;
    }
    const at = this.since.get(key) ?? now;
    this.since.set(key, at);
    return at;
  }
}

export interface PhaseEvaluation {
  evaluation: Evaluation;
  /** Sources that did not answer, one line each (an environment problem). */
  unreachable: string[];
  at: number;
}

export interface EvaluateOptions {
  rollout: Rollout;
  phaseIndex: number;
  now?: number;
  /** Without it every met trigger counts as fired (a single check cannot judge `for`). */
  memory?: TriggerMemory;
  prerequisites?: PrerequisiteResult;
  phaseComplete?: { done: boolean; reason: string };
  /** Judge the gate too (a checkpoint before the phase's last only watches the triggers). */
  gate?: boolean;
}

type ReadFn = (c: Criterion | Trigger, role: CriterionRole) => Promise<Reading & { unreachable?: boolean }>;

async function evaluateWith(read: ReadFn, o: EvaluateOptions): Promise<PhaseEvaluation> {
  const r = o.rollout;
  const phase = r.phases[o.phaseIndex];
  if (!phase) throw new RangeError(`no phase ${o.phaseIndex} in rollout ${r.name}`);
  const now = o.now ?? Date.now();
  const unreachable: string[] = [];
  const note = (x: Reading & { unreachable?: boolean }) => {
    if (x.unreachable) unreachable.push(`${x.source}: ${x.error ?? "no answer"}`);
    return x;
  };
  const criteria: CriterionVerdict[] = [];
  const triggers = [
    ...r.rollback.map((t) => ({ t, role: "rollback" as const })),
    ...r.pause.map((t) => ({ t, role: "pause" as const })),
  ];
  const readings = await Promise.all([
    ...triggers.map(({ t, role }) => read(t, role).then(note)),
    ...(o.gate === false ? [] : phase.gate.map((c) => read(c, "gate").then(note))),
  ]);
  triggers.forEach(({ t, role }, i) => {
    const reading = readings[i] as Reading;
    const met = reading.value !== null && meets(t, reading.value);
    // Without memory (one-off checks), a met condition counts as held for its whole `for`.
    const metSince = o.memory ? o.memory.observe(role, t.name, met, now) : met ? now - t.for : undefined;
    criteria.push(judgeTrigger(t, role, reading, { metSince, now }));
  });
  if (o.gate !== false)
    phase.gate.forEach((c, j) => {
      criteria.push(judgeGate(c, readings[triggers.length + j] as Reading));
    });
  const evaluation = decide({
    criteria,
    frozen: frozenAt(r.freeze, now),
    prerequisites: o.prerequisites,
    phaseComplete:
      o.gate === false
        ? { done: false, reason: "checkpoint: only the last one of a phase can promote" }
        : o.phaseComplete,
  });
  return { evaluation, unreachable, at: now };
}

/** Reads every criterion of the phase from its source and decides. */
export function evaluatePhase(o: EvaluateOptions & { ctx: ReadContext }): Promise<PhaseEvaluation> {
  return evaluateWith((c, role) => readCriterion(c, role, o.ctx), o);
}

/** A problem with the `metrics` an API caller sent: the field and why. */
export class MetricsInputError extends Error {
  override name = "MetricsInputError";
}

/**
 * Decides from values handed in (the gate-checkpoint API): `metrics[name]` feeds every criterion
 * and trigger of that name. A value that is absent is missing data; one that is not a finite
 * number is refused.
 */
export async function evaluateMetrics(
  o: Omit<EvaluateOptions, "memory" | "gate">,
  metrics: Record<string, unknown>,
): Promise<PhaseEvaluation & { ignored: string[] }> {
  for (const [k, v] of Object.entries(metrics))
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v)))
      throw new MetricsInputError(`metrics.${k} must be a finite number or null, not ${JSON.stringify(v)}`);
  const phase = o.rollout.phases[o.phaseIndex];
  const known = new Set([
    ...(phase?.gate ?? []).map((c) => c.name),
    ...o.rollout.pause.map((t) => t.name),
    ...o.rollout.rollback.map((t) => t.name),
  ]);
  const ignored = Object.keys(metrics).filter((k) => !known.has(k));
  const out = await evaluateWith(async (c) => {
    const v = Object.hasOwn(metrics, c.name) ? metrics[c.name] : undefined;
    return typeof v === "number"
      ? { value: v, source: "metrics" }
      : { value: null, source: "metrics", error: `metrics.${c.name} not given` };
  }, o);
  return { ...out, ignored };
}

/** What to do next, one line per action, for people and for the API's `recommendations`. */
export function recommendations(r: Rollout, phaseIndex: number, e: Evaluation): string[] {
  const phase = r.phases[phaseIndex];
  const next = r.phases[phaseIndex + 1];
  const name = phase?.name ?? "?";
  const lines: string[] = [];
  switch (e.decision) {
    case "ROLLBACK": {
      const to = r.phases[rollbackPhase(phaseIndex, e.rollbackTo ?? "previous")];
      lines.push(
        `roll back now to ${to?.name} (${to?.traffic} %)${e.rollbackTo === "first" ? ", the first phase: full investigation" : ", the previous stable phase"}; run the rollback runbook`,
      );
      break;
    }
    case "PAUSE":
      lines.push(
        `pause ${name}: hold the share at ${phase?.traffic} % until the trigger clears; do not promote`,
      );
      break;
    case "HOLD":
      lines.push(`hold ${name} at ${phase?.traffic} %: do not promote until every line below is resolved`);
      break;
    case "PROMOTE":
      lines.push(
        next
          ? `promote to ${next.name} (${next.traffic} %), ramping at most ${r.ramp.maxFactor}× per step`
          : `${name} complete: the rollout is done`,
      );
  }
  for (const c of e.criteria) {
    if (c.status === "missing") lines.push(`${c.name}: ${c.reason}; send or fix this metric`);
    else if (c.status === "fail") lines.push(`${c.name}: ${c.reason}; investigate before promoting`);
    else if (c.status === "fired") lines.push(`${c.name}: ${c.role} trigger fired (${c.reason})`);
    else if (c.status === "met") lines.push(`${c.name}: ${c.role} condition met (${c.reason}); watch it`);
  }
  if (e.frozen) lines.push(`freeze: ${e.frozen.reason} until ${new Date(e.frozen.until).toISOString()}`);
  return lines;
}
