// Profiles compress time for CI: one function scales every duration and every time target of a
// scenario by the same factor, so a 10 min outage becomes 20 s and MTTA ≤ 5 min becomes ≤ 10 s.
import { UsageError } from "../cli/exit-codes.ts";
import type { Scenario } from "./schema.ts";

export interface Profile {
  name: string;
  /** Multiplier for every duration and time target (1 = real time). */
  scale: number;
}

export const PROFILES: Record<string, Profile> = {
  real: { name: "real", scale: 1 },
  // 1/30: the Prometheus → Alertmanager → webhook floor measured here is 0.9–2.2 s, so a scaled
  // 2 min detection target (4 s) can still be met, and the bundled suite fits in about 5 minutes.
  ci: { name: "ci", scale: 1 / 30 },
};

/** A name from the command line; an unknown one is a usage error (exit 2), not a harness failure. */
export function profileByName(name: string): Profile {
  const p = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!p) throw new UsageError(`unknown profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`);
  return p;
}

const s = (ms: number, scale: number) => Math.max(1, Math.round(ms * scale));
const opt = (ms: number | undefined, scale: number) => (ms === undefined ? undefined : s(ms, scale));

/** Returns a copy of the scenario with every duration and time target scaled. Rates and thresholds are unchanged. */
export function applyProfile(scenario: Scenario, profile: Profile): Scenario {
  const k = profile.scale;
  if (k === 1) return scenario;
  const e = scenario.expect;
  return {
    ...scenario,
    baseline: opt(scenario.baseline, k),
    duration: opt(scenario.duration, k),
    steadyState: { ...scenario.steadyState, sustain: s(scenario.steadyState.sustain, k) },
    load: scenario.load && {
      ...scenario.load,
      duration: opt(scenario.load.duration, k),
      stages: scenario.load.stages?.map((st) => ({ ...st, duration: s(st.duration, k) })),
    },
    timeline: scenario.timeline.map((step) => {
      const f = step.inject;
      if (!f) return { ...step, at: s(step.at, k) };
      const scaled =
        f.kind === "http"
          ? { ...f, duration: s(f.duration, k) }
          : f.kind === "toxiproxy"
            ? { ...f, duration: s(f.duration, k) }
            : f.kind === "http-action" || f.kind === "process"
              ? { ...f, duration: opt(f.duration, k) }
              : f;
      return { ...step, at: s(step.at, k), inject: scaled };
    }),
    runbook: scenario.runbook && {
      ...scenario.runbook,
      steps: scenario.runbook.steps.map((st) => ({
        ...st,
        actions: st.actions.map((a) =>
          a.kind === "wait-healthy" || a.kind === "check-cost" || a.kind === "alerts-cleared"
            ? { ...a, within: s(a.within, k) }
            : a,
        ),
      })),
    },
    expect: {
      ...e,
      alert: e.alert && { ...e.alert, ttd: opt(e.alert.ttd, k), mtta: opt(e.alert.mtta, k) },
      failover: e.failover && { ...e.failover, within: s(e.failover.within, k) },
      mitigation: e.mitigation && { ...e.mitigation, within: s(e.mitigation.within, k) },
      ttr: opt(e.ttr, k),
      unitCostUsd: e.unitCostUsd && { ...e.unitCostUsd, within: opt(e.unitCostUsd.within, k) },
    },
    stopIf: {
      errorRate: scenario.stopIf.errorRate && {
        ...scenario.stopIf.errorRate,
        for: s(scenario.stopIf.errorRate.for, k),
      },
      p95Ms: scenario.stopIf.p95Ms && { ...scenario.stopIf.p95Ms, for: s(scenario.stopIf.p95Ms.for, k) },
    },
  };
}
