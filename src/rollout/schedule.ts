// When a rollout checks itself: seed 003's checkpoints after each traffic change (15 min … 36 h),
// then a regular one until the phase's minimum duration, whose last checkpoint is the phase's gate.
// Profiles compress rollout time far more than scenario time (a rollout lasts weeks), with floors
// so a compressed checkpoint still sees fresh scrapes and a PromQL window still holds samples.
import { UsageError } from "../cli/exit-codes.ts";
import { formatDuration } from "../scenario/duration.ts";
import { PROFILES } from "../scenario/profile.ts";
import type { Phase, Rollout } from "./schema.ts";

export interface RolloutProfile {
  name: string;
  /** Multiplier for every rollout duration (1 = real time). */
  scale: number;
  /** Least time between two checks, after scaling (one scrape and rule evaluation apart). */
  minIntervalMs: number;
  /** Least `$window` a query gets, after scaling (rate() needs a few scrapes). */
  minWindowMs: number;
  /**
   * Runbook steps are operational work on a clock of minutes, not days: their waits are compressed
   * like a drill's in the scenario profile of the same name.
   */
  runbookScale: number;
}

export const ROLLOUT_PROFILES: Record<string, RolloutProfile> = {
  real: { name: "real", scale: 1, minIntervalMs: 0, minWindowMs: 0, runbookScale: 1 },
  // A day of rollout is 3 s: the bundled P0 → P4 plan (22 days of phases) takes about two minutes.
  // Prometheus scrapes and evaluates rules every 1 s in the reference stack, hence the floors.
  ci: {
    name: "ci",
    scale: 1 / 28_800,
    minIntervalMs: 1_000,
    minWindowMs: 3_000,
    runbookScale: PROFILES.ci!.scale,
  },
};

export function rolloutProfileByName(name: string): RolloutProfile {
  const p = Object.hasOwn(ROLLOUT_PROFILES, name) ? ROLLOUT_PROFILES[name] : undefined;
  if (!p)
    throw new UsageError(`unknown profile "${name}" (known: ${Object.keys(ROLLOUT_PROFILES).join(", ")})`);
  return p;
}

export function scaled(ms: number, p: RolloutProfile): number {
  return Math.max(p.minIntervalMs, Math.max(1, Math.round(ms * p.scale)));
}

/** The `$window` of a query under the profile. */
export function scaledWindow(ms: number, p: RolloutProfile): number {
  return Math.max(p.minWindowMs, Math.max(1, Math.round(ms * p.scale)));
}

/** A window as PromQL writes durations: "15m", "3s", "1500ms". */
export function promDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1_000, "s"],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** Rollout time as launch plans write it: "3d" for whole days from two on, else "24h", "36h", "15m". */
export function formatRolloutDuration(ms: number): string {
  const day = 86_400_000;
  return ms >= 2 * day && ms % day === 0 ? `${ms / day}d` : formatDuration(ms);
}

export interface Checkpoint {
  /** The offset as planned in real time, e.g. "15m"; the gate is "gate (3d)". */
  label: string;
  /** Planned offset from the phase's start at full share, real time. */
  offsetMs: number;
  /** When it runs under the profile, from the phase's start. */
  atMs: number;
  /** The last checkpoint of the phase: its gate decides promotion. */
  final: boolean;
}

/** A phase's checkpoints in order, the last one the gate at its minimum duration. */
export function phaseCheckpoints(phase: Phase, r: Rollout, p: RolloutProfile): Checkpoint[] {
  const offsets = new Set<number>();
  const listed = [...r.checkpoints.after].sort((a, b) => a - b);
  for (const o of listed) if (o < phase.minDuration) offsets.add(o);
  const last = listed.at(-1) ?? 0;
  for (let o = last + r.checkpoints.every; o < phase.minDuration; o += r.checkpoints.every) offsets.add(o);
  const points = [...offsets].sort((a, b) => a - b).map((o) => ({ offsetMs: o, final: false }));
  points.push({ offsetMs: phase.minDuration, final: true });
  let prev = 0;
  return points.map(({ offsetMs, final }) => {
    const atMs = Math.max(scaled(offsetMs, p), prev + p.minIntervalMs);
    prev = atMs;
    return {
      label: final ? `gate (${formatRolloutDuration(offsetMs)})` : formatRolloutDuration(offsetMs),
      offsetMs,
      atMs,
      final,
    };
  });
}

/** How long an intermediate ramp step is held and checked, under the profile. */
export function rampHoldMs(r: Rollout, p: RolloutProfile): number {
  return scaled(r.ramp.hold, p);
}

/**
 * The rollout as it runs under the profile: trigger `for` compressed like the checkpoints (with the
 * same floor), so a sustained trigger still needs two checks to fire; runbook waits and the steady
 * state's sustain compressed like a drill's. Phase durations and windows are scaled where used.
 */
export function applyRolloutProfile(r: Rollout, p: RolloutProfile): Rollout {
  if (p.scale === 1) return r;
  const sustain = (ms: number) => (ms === 0 ? 0 : scaled(ms, p));
  const drill = (ms: number) => Math.max(1, Math.round(ms * p.runbookScale));
  const steps = (list: Rollout["runbooks"]["pause"]) =>
    list.map((st) => ({
      ...st,
      actions: st.actions.map((a) =>
        a.kind === "wait-healthy" || a.kind === "check-cost" || a.kind === "alerts-cleared"
          ? { ...a, within: drill(a.within) }
          : a,
      ),
    }));
  return {
    ...r,
    pause: r.pause.map((t) => ({ ...t, for: sustain(t.for) })),
    rollback: r.rollback.map((t) => ({ ...t, for: sustain(t.for) })),
    runbooks: { pause: steps(r.runbooks.pause), rollback: steps(r.runbooks.rollback) },
    steadyState: { ...r.steadyState, sustain: drill(r.steadyState.sustain) },
  };
}
