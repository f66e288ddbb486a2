// The instants of DESIGN.md for one scenario (t_inject … t_recover), read from the run's journal
// and samples. Faults are the scenario's own (by `scenario` on fault.registered and their faultIds);
// alerts and acks are global, so they are matched by alert name (and receiver when given) within
// the scenario's span. The timeline keeps the journal entries behind each instant for evidence.
import type { EventOf, JournalEntry } from "../engine/journal-events.ts";
import { failureClassifier } from "../engine/failures.ts";
import type { ScenarioTimes } from "../engine/result.ts";
import { parseSelector } from "../observe/prom-text.ts";
import type { Scenario } from "../scenario/schema.ts";
import { meets } from "../evaluate/evaluate.ts";
import { type Recovery, recovery } from "./recovery.ts";
import type { SampleStore, TagFilter } from "./samples.ts";

export interface TimesInput {
  scenario: Scenario;
  /** The whole run's journal. */
  entries: readonly JournalEntry[];
  store: SampleStore;
  /** End of observation (default: the scenario.end entry, else the last journal entry). */
  runEnd?: number;
}

export interface FaultSpan {
  faultId: string;
  applied: EventOf<"fault.applied">;
  /** fault.reverted t, else applied + planned duration, else (no duration) the scenario end. */
  end: number;
  endBasis: "reverted" | "planned" | "instant" | "scenario end";
}

export interface Timeline {
  times: ScenarioTimes;
  /** The scenario's timeline has inject steps (so a missing t_inject is a harness failure). */
  plannedFaults: boolean;
  faults: FaultSpan[];
  /** End of the fault window: the latest end of the scenario's applied faults (t1 when none). */
  faultEnd: number;
  /** Reference instant for TTD/TTM: t_inject, or the scenario start when it injects nothing. */
  ref: number;
  detection: EventOf<"alert.received"> | null;
  /** Matching alerts that started before the reference instant: not detection, kept as a note. */
  earlyAlerts: EventOf<"alert.received">[];
  ack: EventOf<"alert.ack"> | null;
  decision: EventOf<"decision"> | null;
  /** Sample behind t_mitigate, as "samples:<metric>". */
  mitigationEvidence: string | null;
  /** Recovery is measured from here (t_decision for a rollback drill, else the reference instant). */
  recoverFrom: number;
  recovery: Recovery | null;
  isFailure: (status: number) => boolean;
}

const is =
  <T extends JournalEntry["type"]>(type: T) =>
  (e: JournalEntry): e is EventOf<T> =>
    e.type === type;

export function scenarioTimes(i: TimesInput): ScenarioTimes {
  return scenarioTimeline(i).times;
}

export function scenarioTimeline(i: TimesInput): Timeline {
  const s = i.scenario;
  const start = i.entries.find((e) => e.type === "scenario.start" && e.scenario === s.id);
  const end = i.entries.find((e) => e.type === "scenario.end" && e.scenario === s.id);
  const t0 = start?.t ?? i.entries[0]?.t ?? 0;
  const t1 = i.runEnd ?? end?.t ?? i.entries.at(-1)?.t ?? t0;
  const within = (e: JournalEntry) => e.t >= t0 && e.t <= t1;

  // ---- faults ----------------------------------------------------------------------------------------
  const registered = i.entries.filter(is("fault.registered")).filter((e) => e.scenario === s.id);
  const faults: FaultSpan[] = [];
  for (const reg of registered) {
    const applied = i.entries.find(
      (e): e is EventOf<"fault.applied"> => e.type === "fault.applied" && e.faultId === reg.faultId,
    );
    if (!applied) continue;
    const reverted = i.entries.find((e) => e.type === "fault.reverted" && e.faultId === reg.faultId);
    const planned = "duration" in reg.spec ? reg.spec.duration : undefined;
    // A purge is an instant whenever its (no-op) revert was journalled.
    const span: FaultSpan =
      reg.kind === "redis"
        ? { faultId: reg.faultId, applied, end: applied.t, endBasis: "instant" }
        : reverted
          ? { faultId: reg.faultId, applied, end: reverted.t, endBasis: "reverted" }
          : planned !== undefined
            ? { faultId: reg.faultId, applied, end: applied.t + planned, endBasis: "planned" }
            : { faultId: reg.faultId, applied, end: t1, endBasis: "scenario end" };
    span.end = Math.min(Math.max(span.end, applied.t), Math.max(t1, applied.t));
    faults.push(span);
  }
  faults.sort((a, b) => a.applied.t - b.applied.t);
  const tInject = faults[0]?.applied.t ?? null;
  const ref = tInject ?? t0;
  const faultEnd = faults.length ? Math.max(...faults.map((f) => f.end)) : t1;

  // ---- detection and acknowledgement ---------------------------------------------------------------
  let detection: EventOf<"alert.received"> | null = null;
  let earlyAlerts: EventOf<"alert.received">[] = [];
  let ack: EventOf<"alert.ack"> | null = null;
  const want = s.expect.alert;
  if (want) {
    const firing = i.entries
      .filter(is("alert.received"))
      .filter(within)
      .filter(
        (a) =>
          a.status === "firing" &&
          a.name === want.name &&
          (want.receiver === undefined || a.receiver === want.receiver),
      );
    earlyAlerts = firing.filter((a) => startOf(a) < ref);
    detection =
      firing.filter((a) => startOf(a) >= ref).sort((a, b) => startOf(a) - startOf(b) || a.t - b.t)[0] ?? null;
    if (detection) {
      const d = detection;
      const tDetect = startOf(d);
      ack =
        i.entries
          .filter(is("alert.ack"))
          .filter(
            (k) => k.t >= tDetect && k.t <= t1 && (k.fingerprint === d.fingerprint || k.name === want.name),
          )
          .sort((a, b) => a.t - b.t)[0] ?? null;
    }
  }

  const decision =
    i.entries.find((e): e is EventOf<"decision"> => e.type === "decision" && e.scenario === s.id) ?? null;

  // ---- mitigation: per-sample timestamps, never buckets ------------------------------------------
  let tMitigate: number | null = null;
  let mitigationEvidence: string | null = null;
  if (tInject !== null && s.expect.failover) {
    const to = s.expect.failover.to;
    const first = i.store.first("provider_responses", { provider: to }, tInject, (smp) =>
      is2xx(smp.tags.status),
    );
    if (first && first.t <= t1) {
      tMitigate = first.t;
      mitigationEvidence = "samples:provider_responses";
    }
  } else if (tInject !== null && s.expect.mitigation) {
    const m = s.expect.mitigation;
    const sel = selectorOf(m.series);
    const first = i.store.first(sel.name, sel.labels, tInject, (smp) => meets(smp.value, m.op, m.value));
    if (first && first.t <= t1) {
      tMitigate = Math.max(tInject, requestStartOf(i.store, first.t));
      mitigationEvidence = `samples:${m.series}`;
    }
  }

  // ---- recovery ---------------------------------------------------------------------------------------
  const isFailure = failureClassifier(s.load?.failOn ?? ["5xx", "429", "network"]);
  // Only a rollback drill (a scenario with a runbook or a decision step) measures recovery from its
  // decision; an incident commander's call during another scenario is recorded as t_decision but
  // leaves TTR fault → healthy (DESIGN.md).
  const drill = s.runbook !== undefined || s.timeline.some((st) => st.decide !== undefined);
  const recoverFrom = drill && decision !== null && decision.t >= ref ? decision.t : ref;
  const hasSteady = s.steadyState.p95Ms !== undefined || s.steadyState.errorRate !== undefined;
  const rec = hasSteady
    ? recovery({ store: i.store, steadyState: s.steadyState, isFailure, from: recoverFrom, to: t1 })
    : null;

  const times: ScenarioTimes = {
    start: t0,
    end: t1,
    inject: tInject,
    detect: detection ? startOf(detection) : null,
    ack: ack?.t ?? null,
    decision: decision?.t ?? null,
    mitigate: tMitigate,
    recover: rec?.at ?? null,
  };
  return {
    times,
    plannedFaults: s.timeline.some((st) => st.inject !== undefined),
    faults,
    faultEnd,
    ref,
    detection,
    earlyAlerts,
    ack,
    decision,
    mitigationEvidence,
    recoverFrom,
    recovery: rec,
    isFailure,
  };
}

/** t_detect of one alert: its startsAt, falling back to the receive time when Alertmanager gave none. */
export function startOf(a: EventOf<"alert.received">): number {
  return a.startsAt ?? a.t;
}

export function is2xx(status: string | undefined): boolean {
  return status !== undefined && /^2\d\d$/.test(status);
}

/** A series name with an optional Prometheus label selector: `queue_depth{queue="embed"}`. */
export function selectorOf(series: string): { name: string; labels: TagFilter } {
  try {
    return parseSelector(series);
  } catch {
    // probe:<name> and promql:<name> may contain characters a selector does not allow.
    return { name: series, labels: {} };
  }
}

/** How close (ms) a script's per-request metric is emitted after the request's own sample. */
const SAME_REQUEST_MS = 10;

/**
 * A per-request signal (a metric the load script records right after a response, like depth_k)
 * stands for the path the service chose when that request started. When the sample pairs with a
 * request that ended just before it, the signal is placed at that request's start; otherwise (a
 * scraped gauge, a probe) at its own time.
 */
export function requestStartOf(store: SampleStore, t: number): number {
  let best: { t: number; value: number } | undefined;
  for (const r of store.samples("http_req_duration", {}, t - SAME_REQUEST_MS, t + 0.001)) best = r;
  return best ? best.t - best.value : t;
}
