// The metric definitions of DESIGN.md as pure functions of (scenario, journal, samples). Every
// value carries its target, unit, evidence pointers and a note a human can read.
//
// ERROR, not FAIL, when an input is missing because the harness or environment failed: the fault
// was planned but never applied, the scenario has load but no request samples at all, a series a
// check reads does not exist, or the journal records an `error` for the scenario and the value is
// missing. A broken run proves nothing either way, so it must never read as a service failure.
import type { EventOf, JournalEntry } from "../engine/journal-events.ts";
import type { AlertRecord, ScenarioTimes } from "../engine/result.ts";
import { alertEpisodes } from "./alert-episodes.ts";
import { judge, meets, timeTarget } from "../evaluate/evaluate.ts";
import type { Measurement, Target, Unit } from "../evaluate/verdict.ts";
import { formatDuration } from "../scenario/duration.ts";
import type { Scenario } from "../scenario/schema.ts";
import { errorBudgetBurn } from "./budget.ts";
import { checkValue, EVENT_SERIES } from "./checks.ts";
import { costContainment } from "./cost.ts";
import { bucketHealth } from "./recovery.ts";
import type { SampleStore } from "./samples.ts";
import { is2xx, scenarioTimeline, selectorOf, startOf } from "./times.ts";

export interface MeasureInput {
  scenario: Scenario;
  /** The whole run's journal; the scenario's part is picked by scenario id and fault ids. */
  entries: readonly JournalEntry[];
  store: SampleStore;
  /** End of observation (default: the scenario.end entry, or the last journal entry). */
  runEnd?: number;
}

export interface MeasureOutput {
  times: ScenarioTimes;
  measurements: Measurement[];
  alerts: AlertRecord[];
}

const seqOf = (e: { seq: number }) => `journal.jsonl#seq=${e.seq}`;
const LOAD_SERIES: ReadonlySet<string> = new Set([
  "http_req_duration",
  "error_rate",
  "unit_cost_usd",
  ...EVENT_SERIES,
]);

interface Spec {
  metric: string;
  value: number | null;
  unit: Unit;
  target: Target | null;
  note: string;
  evidence: string[];
  synthetic?: boolean;
  /** The thing must happen: a null value is FAIL even without a numeric target. */
  required?: boolean;
  /** Why the input is missing because of the harness/environment: makes the verdict ERROR. */
  error?: string | null;
}

export function measureScenario(i: MeasureInput): MeasureOutput {
  const s = i.scenario;
  const x = s.expect;
  const tl = scenarioTimeline(i);
  const { times } = tl;
  const t0 = times.start;
  const t1 = times.end;
  const tInject = times.inject;
  const out: Measurement[] = [];
  const add = (m: Spec) => {
    const error = m.error ?? (m.value === null ? journalError : null);
    out.push({
      scenario: s.id,
      metric: m.metric,
      value: m.value,
      unit: m.unit,
      target: m.target,
      verdict: error ? "ERROR" : m.required && m.value === null ? "FAIL" : judge(m.value, m.target, m.unit),
      note: error ? `${m.note}; harness/environment: ${error}` : m.note,
      evidence: m.evidence,
      synthetic: m.synthetic ?? false,
    });
  };

  // ---- what the harness failed to provide ------------------------------------------------------
  const errors = i.entries.filter(
    (e): e is EventOf<"error"> =>
      e.type === "error" && (e.scenario === s.id || (e.scenario === undefined && e.t >= t0 && e.t <= t1)),
  );
  const journalError = errors.length
    ? `${errors.map((e) => e.message).join("; ")} (${errors.map(seqOf).join(", ")})`
    : null;
  const faultMissing =
    tl.plannedFaults && tInject === null
      ? "the fault was never applied (no fault.applied in the journal)"
      : null;
  const loadMissing =
    s.load !== undefined && i.store.samples("http_req_duration", {}, t0, t1 + 0.001).next().done === true
      ? "no load samples at all in the scenario window (http_req_duration is empty)"
      : null;
  const sampleError = faultMissing ?? loadMissing;
  const ms = (v: number) => formatDuration(v);

  // ---- detection and acknowledgement -------------------------------------------------------------
  if (x.alert) {
    const want = x.alert;
    const early = tl.earlyAlerts.length
      ? `; ignored ${tl.earlyAlerts.length} ${want.name} alert(s) that started before the fault (${tl.earlyAlerts.map(seqOf).join(", ")})`
      : "";
    const d = tl.detection;
    const ttdTarget = want.ttd === undefined ? null : timeTarget(want.ttd, x.warnMargin);
    if (d) {
      const basis = d.startsAt === null ? "receive time (no startsAt)" : "startsAt";
      add({
        metric: "ttd",
        value: startOf(d) - tl.ref,
        unit: "ms",
        target: ttdTarget,
        note: `${want.name} on ${d.receiver}, by ${basis}${early}`,
        evidence: [seqOf(d), ...(tl.faults[0] ? [seqOf(tl.faults[0].applied)] : [])],
        error: faultMissing,
      });
    } else {
      add({
        metric: "ttd",
        value: null,
        unit: "ms",
        target: ttdTarget,
        required: true,
        note: `${want.name} never fired${want.receiver ? ` on ${want.receiver}` : ""} in ${Math.round((t1 - tl.ref) / 1000)} s observed${early}`,
        evidence: tl.earlyAlerts.map(seqOf),
        error: faultMissing,
      });
    }
    const k = tl.ack;
    if (want.mtta !== undefined || k) {
      add({
        metric: "mtta",
        value: d && k ? k.t - startOf(d) : null,
        unit: "ms",
        target: want.mtta === undefined ? null : timeTarget(want.mtta, x.warnMargin),
        note: !d
          ? "no alert to acknowledge"
          : k
            ? `acknowledged by ${k.by} via ${k.via}${k.synthetic ? " — auto-responder, synthetic: not a human acknowledgement" : ""}`
            : "never acknowledged",
        evidence: [...(d ? [seqOf(d)] : []), ...(k ? [seqOf(k)] : [])],
        synthetic: k?.synthetic ?? false,
        error: faultMissing,
      });
    }
  }

  // ---- mitigation and failover ---------------------------------------------------------------------
  if (x.failover) {
    const f = x.failover;
    const providerMissing =
      sampleError ??
      (i.store.count("provider_responses") === 0
        ? "no provider_responses samples at all (the load script records none)"
        : null);
    const firstSecondary = tInject === null ? null : times.mitigate;
    add({
      metric: "failover.time",
      value: firstSecondary === null || tInject === null ? null : firstSecondary - tInject,
      unit: "ms",
      target: timeTarget(f.within, x.warnMargin),
      note:
        firstSecondary === null
          ? `no 2xx from provider "${f.to}" after the fault (no traffic reached the secondary)`
          : `first 2xx from provider "${f.to}"`,
      evidence: ["samples:provider_responses", ...(tl.faults[0] ? [seqOf(tl.faults[0].applied)] : [])],
      error: providerMissing,
    });
    // Share of requests answered 2xx in [t_inject + failover time, fault end]; without any
    // failover the whole fault window counts, so the report shows how much traffic was lost.
    const from = firstSecondary ?? tInject ?? t0;
    let total = 0;
    let ok = 0;
    for (const smp of i.store.samples("http_req_duration", {}, from, tl.faultEnd + 0.001)) {
      total += 1;
      if (is2xx(smp.tags.status)) ok += 1;
    }
    const span =
      firstSecondary === null ? "fault start and fault end (no failover)" : "failover and fault end";
    add({
      metric: "failover.success",
      value: total ? ok / total : null,
      unit: "ratio",
      target: { op: ">=", value: f.success, hard: true, warnMargin: 0 },
      note: total ? `${ok} of ${total} requests answered 2xx between ${span}` : `no requests between ${span}`,
      evidence: [
        "samples:http_req_duration",
        ...tl.faults.flatMap((ft) =>
          ft.endBasis === "reverted" ? [] : [`fault ${ft.faultId} end: ${ft.endBasis}`],
        ),
      ],
      error: providerMissing,
    });
  }
  if (x.mitigation) {
    const m = x.mitigation;
    const sel = selectorOf(m.series);
    const first =
      tInject === null
        ? undefined
        : i.store.first(sel.name, sel.labels, tInject, (smp) => meets(smp.value, m.op, m.value));
    const at = first && first.t <= t1 ? first.t : null;
    const seriesMissing = i.store.count(sel.name) === 0 ? `no ${sel.name} samples at all` : null;
    add({
      metric: "ttm",
      value: at === null || tInject === null ? null : at - tInject,
      unit: "ms",
      target: timeTarget(m.within, x.warnMargin),
      note:
        at === null
          ? `${m.series} never ${m.op} ${m.value} after the fault`
          : `first ${m.series} sample ${m.op} ${m.value}`,
      evidence: [`samples:${m.series}`],
      error: faultMissing ?? seriesMissing,
    });
  }

  // ---- recovery -----------------------------------------------------------------------------------------
  if (x.ttr !== undefined && tl.recovery) {
    const rec = tl.recovery;
    const drill = s.timeline.some((st) => st.decide !== undefined);
    const fromDecision = tl.decision !== null && tl.recoverFrom === tl.decision.t;
    const basis = fromDecision ? "decision → healthy" : "fault → healthy";
    const decisionMissing = drill && !tl.decision ? "the decision step was never recorded" : null;
    add({
      metric: "ttr",
      value: rec.at === null ? null : rec.at - tl.recoverFrom,
      unit: "ms",
      target: timeTarget(x.ttr, x.warnMargin),
      note:
        rec.at === null
          ? `not recovered after ${Math.round(rec.observedMs / 1000)} s observed (${basis})`
          : `${basis}; steady state held ${ms(s.steadyState.sustain)} from ${new Date(rec.runStart ?? rec.at).toISOString()}; instant refined per request`,
      evidence: [
        "samples:http_req_duration",
        ...(fromDecision && tl.decision
          ? [seqOf(tl.decision)]
          : tl.faults[0]
            ? [seqOf(tl.faults[0].applied)]
            : []),
      ],
      error: sampleError ?? decisionMissing,
    });
  }

  // ---- cost ---------------------------------------------------------------------------------------------
  if (x.unitCostUsd) {
    const cap = x.unitCostUsd.max;
    const costMissing =
      sampleError ??
      (i.store.count("unit_cost_usd") === 0
        ? "no unit_cost_usd samples at all (no cost header or metric)"
        : null);
    const from = tInject ?? t0;
    const c = costContainment(i.store, cap, from, t1 + 0.001, s.steadyState.sustain);
    const whole = costContainment(i.store, cap, t0, t1 + 0.001, s.steadyState.sustain);
    add({
      metric: "cost.containment",
      value: c.backAt === null ? null : c.backAt - from,
      unit: "ms",
      target: x.unitCostUsd.within === undefined ? null : timeTarget(x.unitCostUsd.within, x.warnMargin),
      note:
        c.backAt === null
          ? `per-second mean unit cost never back ≤ $${cap} for ${ms(s.steadyState.sustain)} in ${Math.round((t1 - from) / 1000)} s observed`
          : c.backAt === from
            ? `unit cost ≤ $${cap} from the fault on, sustained ${ms(s.steadyState.sustain)}`
            : `per-second mean unit cost back ≤ $${cap}, sustained ${ms(s.steadyState.sustain)}`,
      evidence: ["samples:unit_cost_usd"],
      error: costMissing,
    });
    add({
      metric: "cost.peak",
      value: whole.peak,
      unit: "usd",
      // With a containment window the peak may exceed the cap for a while; without one, it must not.
      target: x.unitCostUsd.within === undefined ? { op: "<=", value: cap, hard: true, warnMargin: 0 } : null,
      note: whole.peak === null ? "no unit cost samples" : `highest per-second mean unit cost (cap $${cap})`,
      evidence: ["samples:unit_cost_usd"],
      error: costMissing,
    });
  }

  // ---- error budget ---------------------------------------------------------------------------------
  if (x.errorBudget) {
    const slo = x.errorBudget.slo;
    const buckets = bucketHealth({
      store: i.store,
      steadyState: s.steadyState,
      isFailure: tl.isFailure,
      from: t0,
      to: t1 + 0.001,
    });
    const b = errorBudgetBurn(buckets, t1 + 0.001, slo);
    add({
      metric: "error_budget.burn_pct",
      value: b.burnPct,
      unit: "pct",
      target: { op: "<=", value: x.errorBudget.maxBurnPct, hard: true, warnMargin: 0 },
      note: `${(b.badMs / 60_000).toFixed(2)} bad min (${b.badBuckets} bad 1 s buckets) of a ${b.budgetMinutes.toFixed(0)} min monthly budget at SLO ${slo}`,
      evidence: ["samples:http_req_duration"],
      error: loadMissing,
    });
  }

  // ---- series checks --------------------------------------------------------------------------------
  for (const c of x.checks) {
    const v = checkValue(c, i.store, { t0, t1, tInject, faultEnd: tl.faultEnd }, tl.isFailure);
    const fromLoad = LOAD_SERIES.has(selectorOf(c.series).name);
    const window = `${c.window} window (${Math.round((v.to - v.from) / 1000)} s)`;
    add({
      metric: `check:${c.name}`,
      value: v.value,
      unit: "value",
      target: { op: c.op, value: c.value, hard: c.hard, warnMargin: 0 },
      note:
        v.value === null
          ? `no ${v.what} of ${c.series} in the ${window}`
          : `${c.agg} of ${v.n} ${v.what} of ${c.series} in the ${window}`,
      evidence: [`samples:${c.series}`],
      error: v.missing ?? (fromLoad ? loadMissing : null) ?? (c.window !== "run" ? faultMissing : null),
    });
  }

  return { times, measurements: out, alerts: alertEpisodes(i.entries, times.start, times.end) };
}
