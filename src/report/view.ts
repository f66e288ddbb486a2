// The report view: one plain-data projection of a RunResult (+ journal) that every template reads.
// All judgement that reports show (defects, severities, IC wording, TTR proof, regressions) is
// decided here, so templates only lay it out and a user's override template cannot get the facts wrong.
import type { AlertRecord, RunResult, ScenarioResult } from "../engine/result.ts";
import type { Comparison, Measurement, Unit, Verdict } from "../evaluate/verdict.ts";
import {
  formatBand,
  formatClock,
  formatDelta,
  formatDuration,
  formatInstant,
  formatOffset,
  formatTarget,
  formatValue,
  plural,
  visibleBand,
} from "./format.ts";
import { type HistoryView, historyView } from "./history-view.ts";
import type { JournalIndex } from "./journal-index.ts";
import { metricLabel } from "./metric-names.ts";

export interface Link {
  text: string;
  /** Relative link into the run folder; null when the pointer is not a file there (e.g. "probe:depth_k"). */
  href: string | null;
}

export interface MetricView {
  metric: string;
  label: string;
  measured: string;
  /** The same value at real-time scale, when the profile compressed time. */
  realScale: string;
  target: string;
  verdict: Verdict;
  note: string;
  synthetic: boolean;
  evidence: Link[];
  /** Against the baseline; every text is "—" when the metric was not compared. */
  versus: { baseline: string; delta: string; band: string };
  /** Worse than the band of recent normal runs: the verdict was raised for it. */
  regressed: boolean;
}

/** A regressed measurement's own JUnit testcase, beside the one for its target. */
export interface RegressionView {
  metric: string;
  /** A FAIL regression fails its testcase; any other is reported in system-out. */
  failed: boolean;
  message: string;
  note: string;
}

export interface RecordRow {
  label: string;
  at: string;
  offset: string;
  evidence: Link | null;
}

export interface AlertView {
  name: string;
  /** "" for an alert's first episode in the scenario, "firing 2" for the next, … */
  episode: string;
  receiver: string;
  startsAt: string;
  receivedAt: string;
  ackAt: string;
  ackBy: string;
  synthetic: boolean;
  resolvedAt: string;
}

export interface StepView {
  id: string;
  title: string;
  startedAt: string;
  endedAt: string;
  took: string;
  sinceDecision: string;
  ok: boolean;
  detail: string;
  evidence: Link | null;
}

export interface TtrProof {
  decisionAt: string;
  healthyAt: string;
  ttr: string;
  target: string;
  verdict: Verdict | "NONE";
  note: string;
  evidence: Link[];
}

export interface ScenarioView {
  id: string;
  anchor: string;
  title: string;
  owner: string;
  actionOwner: string;
  hypothesis: string;
  verdict: Verdict;
  injection: string;
  expected: string;
  evidence: string;
  residualRisk: string;
  record: RecordRow[];
  metrics: MetricView[];
  alerts: AlertView[];
  faults: Array<{ summary: string; kind: string; target: string; appliedAt: string; revertedAt: string }>;
  runbook: StepView[];
  ttrProof: TtrProof | null;
  stopped: string | null;
  errors: string[];
  hasSyntheticAck: boolean;
  /** Null when the run was not compared with a baseline. */
  baseline: { runId: string | null; text: string } | null;
  regressions: RegressionView[];
  junit: { tests: number; failures: number; errors: number };
}

export interface DefectView {
  id: string;
  scenario: string;
  title: string;
  kind: "FAIL" | "ERROR";
  owner: string;
  eta: string;
  evidence: Link[];
}

export interface ActionView {
  scenario: string;
  title: string;
  owner: string;
  eta: string;
}

export interface IcUpdate {
  scenario: string;
  severity: "Sev-1" | "Sev-2" | "Sev-3";
  headline: string;
  impact: string;
  action: string;
  next: string;
  owner: string;
}

export interface ReportView {
  runId: string;
  profile: string;
  scale: number;
  scaleText: string;
  host: string;
  gamedayVersion: string;
  startedAt: string;
  endedAt: string;
  took: string;
  date: string;
  verdict: Verdict;
  exitCode: number;
  interrupted: boolean;
  counts: Record<Verdict, number>;
  scenarios: ScenarioView[];
  defects: DefectView[];
  actions: ActionView[];
  files: Link[];
  journal: { present: boolean; damaged: number };
  drills: ScenarioView[];
  ic: IcUpdate[];
  /** The checkout the run was started in; null when unknown (outside git or an older result). */
  git: { branch: string | null; commit: string | null; text: string } | null;
  /** Reference-stack defect switches that were on; null when none were (or the result predates them). */
  defectSwitches: { names: string[]; text: string } | null;
  /** What the run was compared with (--baseline); null when it was not. */
  baseline: { selector: string; regressions: number; text: string; missing: string } | null;
  history: HistoryView | null;
}

/** The seed's incident flow: root cause and actions within 48 h of the event. */
const RCA_WINDOW_MS = 48 * 3600_000;

export function buildView(result: RunResult, journal: JournalIndex, files: string[]): ReportView {
  const fileSet = new Set(files);
  const link = (pointer: string): Link => {
    const file = pointer.split("#")[0] ?? pointer;
    return { text: pointer, href: fileSet.has(file) ? pointer : null };
  };
  const journalLink = (seq: number | undefined): Link | null => {
    if (seq === undefined || !fileSet.has("journal.jsonl")) return null;
    const line = journal.lineOf.get(seq);
    return line === undefined ? null : link(`journal.jsonl#L${line}`);
  };
  const scenarios = result.scenarios.map((s) => scenarioView(s, result, journal, link, journalLink));
  const missing = result.baseline ? result.scenarios.filter((s) => !result.baseline?.runs[s.id]) : [];
  const rcaDue = new Date(result.endedAt + RCA_WINDOW_MS).toISOString().slice(0, 10);

  const defects: DefectView[] = [];
  const actions: ActionView[] = [];
  for (const s of result.scenarios) {
    const owner = s.record.actionOwner || s.owner;
    for (const m of s.measurements) {
      if (m.verdict === "FAIL" || m.verdict === "ERROR") {
        defects.push({
          id: `D${defects.length + 1}`,
          scenario: s.id,
          title: `${metricLabel(m.metric)}: measured ${formatValue(m.value, m.unit)} vs target ${formatTarget(m.target, m.unit)}${m.note ? ` — ${m.note}` : ""}`,
          kind: m.verdict,
          owner,
          eta: `RCA due ${rcaDue}`,
          evidence: m.evidence.map(link),
        });
      } else if (m.verdict === "WARN") {
        actions.push({
          scenario: s.id,
          title: `Soft target missed — ${metricLabel(m.metric)}: ${formatValue(m.value, m.unit)} vs ${formatTarget(m.target, m.unit)}`,
          owner,
          eta: `review by ${rcaDue}`,
        });
      }
    }
    for (const e of s.errors) {
      defects.push({
        id: `D${defects.length + 1}`,
        scenario: s.id,
        title: `Harness/environment error: ${e}`,
        kind: "ERROR",
        owner,
        eta: `RCA due ${rcaDue}`,
        evidence: [],
      });
    }
    for (const a of s.record.actions)
      actions.push({ scenario: s.id, title: a.title, owner: a.owner, eta: a.eta });
  }

  const counts: Record<Verdict, number> = { PASS: 0, WARN: 0, FAIL: 0, ERROR: 0 };
  for (const s of result.scenarios) counts[s.verdict]++;

  return {
    runId: result.runId,
    profile: result.profile,
    scale: result.scale,
    scaleText: scaleText(result.profile, result.scale),
    host: result.host,
    gamedayVersion: result.gamedayVersion,
    startedAt: formatInstant(result.startedAt),
    endedAt: formatInstant(result.endedAt),
    took: formatDuration(result.endedAt - result.startedAt),
    date: new Date(result.startedAt).toISOString().slice(0, 10),
    verdict: result.verdict,
    exitCode: result.exitCode,
    interrupted: result.interrupted,
    counts,
    scenarios,
    defects,
    actions,
    files: files.map((f) => ({ text: f, href: f })),
    journal: { present: journal.present, damaged: journal.damaged },
    drills: scenarios.filter((s) => s.runbook.length > 0),
    ic: result.scenarios
      .filter((s) => s.times.inject !== null || s.times.decision !== null)
      .map((s) => icUpdate(s, result)),
    git: gitView(result.git),
    defectSwitches: result.defects?.length
      ? {
          names: result.defects,
          // What isNormal in the history store decides: such a run proves nothing about the service.
          text: "not a normal run: it is never a baseline and the reliability score leaves it out",
        }
      : null,
    baseline: result.baseline
      ? {
          selector: result.baseline.selector,
          regressions: result.baseline.regressions,
          text: `Compared with ${result.baseline.selector}: ${plural(result.baseline.regressions, "regression")}`,
          missing: missing.length ? `no baseline yet for ${missing.map((s) => s.id).join(", ")}` : "",
        }
      : null,
    history: result.history ? historyView(result.history, result.scenarios) : null,
  };
}

function gitView(git: RunResult["git"]): ReportView["git"] {
  if (!git || (!git.branch && !git.commit)) return null;
  const parts = [
    git.branch ? `branch ${git.branch}` : "detached HEAD",
    git.commit ? `commit ${git.commit}` : "",
  ];
  return { branch: git.branch, commit: git.commit, text: parts.filter(Boolean).join(", ") };
}

function scaleText(profile: string, scale: number): string {
  if (scale === 1) return `profile "${profile}", scale 1 (real time)`;
  const inverse = Math.round(1 / scale);
  const ratio = Math.abs(1 / scale - inverse) < 1e-9 ? `1/${inverse}` : String(scale);
  return `profile "${profile}", scale ${ratio}: every duration and time target was multiplied by ${ratio}`;
}

function scenarioView(
  s: ScenarioResult,
  result: RunResult,
  journal: JournalIndex,
  link: (p: string) => Link,
  journalLink: (seq: number | undefined) => Link | null,
): ScenarioView {
  const t = s.times;
  const seqOf = (pred: (e: JournalIndex["entries"][number]) => boolean): number | undefined =>
    journal.entries.find(pred)?.seq;
  const faultIds = new Set(s.faults.map((f) => f.faultId));
  const fingerprints = new Set(s.alerts.map((a) => a.fingerprint));
  const firstAck = firstAckAlert(s.alerts);

  const record: RecordRow[] = [
    {
      label: "Start",
      at: formatInstant(t.start),
      offset: "",
      evidence: journalLink(seqOf((e) => e.type === "scenario.start" && e.scenario === s.id)),
    },
    {
      label: "Fault injected",
      at: formatInstant(t.inject),
      offset: "",
      evidence: journalLink(seqOf((e) => e.type === "fault.applied" && faultIds.has(e.faultId))),
    },
    {
      label: "Detection (alert)",
      at: formatInstant(t.detect),
      offset: formatOffset(t.detect, t.inject),
      evidence: journalLink(seqOf((e) => e.type === "alert.received" && fingerprints.has(e.fingerprint))),
    },
    {
      label: firstAck?.synthetic ? "Acknowledged (synthetic auto-ack)" : "Acknowledged",
      at: formatInstant(t.ack),
      offset: formatOffset(t.ack, t.inject),
      evidence: journalLink(seqOf((e) => e.type === "alert.ack" && fingerprints.has(e.fingerprint))),
    },
    {
      label: "Decision",
      at: formatInstant(t.decision),
      offset: formatOffset(t.decision, t.inject),
      evidence: journalLink(seqOf((e) => e.type === "decision" && e.scenario === s.id)),
    },
    {
      label: "Action (mitigation observed)",
      at: formatInstant(t.mitigate),
      offset: formatOffset(t.mitigate, t.inject),
      evidence: null,
    },
    {
      label: "Recovery (steady state sustained)",
      at: t.recover === null ? "not recovered" : formatInstant(t.recover),
      offset: formatOffset(t.recover, t.inject),
      evidence: null,
    },
  ];

  const metrics = s.measurements.map((m) => metricView(m, result.scale, link));
  const runbook: StepView[] = s.runbook.map((st) => ({
    id: st.id,
    title: st.title,
    startedAt: formatInstant(st.startedAt),
    endedAt: formatInstant(st.endedAt),
    took: formatDuration(st.endedAt - st.startedAt),
    sinceDecision: formatOffset(st.endedAt, t.decision),
    ok: st.ok,
    detail: st.detail,
    evidence: journalLink(seqOf((e) => e.type === "runbook.step" && e.scenario === s.id && e.id === st.id)),
  }));

  return {
    id: s.id,
    anchor: `scenario-${s.id}`,
    title: s.title,
    owner: s.owner,
    actionOwner: s.record.actionOwner || s.owner,
    hypothesis: s.hypothesis,
    verdict: s.verdict,
    injection: s.record.injection ?? (s.faults.map((f) => f.summary).join("; ") || "none"),
    expected: s.record.expected ?? s.hypothesis,
    evidence: s.record.evidence ?? "journal + charts",
    residualRisk: s.record.residualRisk || "none recorded",
    record,
    metrics,
    alerts: s.alerts.map(alertView),
    faults: s.faults.map((f) => ({
      summary: f.summary,
      kind: f.kind,
      target: f.target,
      appliedAt: formatInstant(f.appliedAt),
      revertedAt: f.revertedAt === null ? "not reverted" : formatInstant(f.revertedAt),
    })),
    runbook,
    ttrProof: runbook.length ? ttrProof(s, link) : null,
    stopped: s.stopped,
    errors: s.errors,
    baseline: scenarioBaseline(s, result),
    regressions: s.measurements.flatMap((m, i) =>
      m.comparison?.regressed ? [regressionView(m, m.comparison, metrics[i]!)] : [],
    ),
    junit: junitCounts(s),
    hasSyntheticAck:
      s.alerts.some((a) => a.synthetic && a.ackAt !== null) || s.measurements.some((m) => m.synthetic),
  };
}

function scenarioBaseline(s: ScenarioResult, result: RunResult): ScenarioView["baseline"] {
  if (!result.baseline) return null;
  const runId = result.baseline.runs[s.id] ?? null;
  if (!runId) return { runId, text: "no baseline yet" };
  const regressions = s.measurements.filter((m) => m.comparison?.regressed).length;
  return {
    runId,
    text: `run ${runId} (${result.baseline.selector}), ${plural(regressions, "regression")}`,
  };
}

/**
 * Mirrors junit.xml.hbs: one testcase per measurement (or one for the scenario), one per regressed
 * measurement, plus one for harness errors.
 */
function junitCounts(s: ScenarioResult): ScenarioView["junit"] {
  const ms = s.measurements;
  const harness = s.errors.length > 0 && ms.length > 0 ? 1 : 0;
  const regressed = ms.filter((m) => m.comparison?.regressed);
  return {
    tests: Math.max(1, ms.length) + regressed.length + harness,
    failures:
      ms.filter((m) => m.verdict === "FAIL").length + regressed.filter((m) => m.verdict === "FAIL").length,
    errors:
      ms.filter((m) => m.verdict === "ERROR").length +
      (ms.length === 0 && s.verdict === "ERROR" ? 1 : 0) +
      harness,
  };
}

function metricView(m: Measurement, scale: number, link: (p: string) => Link): MetricView {
  const realScale = m.unit === "ms" && m.value !== null && scale !== 1 ? formatDuration(m.value / scale) : "";
  return {
    metric: m.metric,
    label: metricLabel(m.metric),
    measured: formatValue(m.value, m.unit),
    realScale,
    target: formatTarget(m.target, m.unit),
    verdict: m.verdict,
    note:
      m.synthetic && !/synthetic/i.test(m.note)
        ? `${m.note}${m.note ? "; " : ""}synthetic actor involved`
        : m.note,
    synthetic: m.synthetic,
    evidence: m.evidence.map(link),
    versus: m.comparison ? versus(m.comparison, m.unit) : { baseline: "—", delta: "—", band: "—" },
    regressed: m.comparison?.regressed ?? false,
  };
}

function versus(c: Comparison, unit: Unit): MetricView["versus"] {
  return {
    baseline: formatValue(c.baseline, unit),
    delta: formatDelta(c.delta, unit),
    band: formatBand(c.band, c.bandRuns, unit),
  };
}

// A regression of a measurement that is itself ERROR proves nothing (a broken run measures
// nothing), so only a FAIL fails the regression's testcase; a WARN or ERROR one is told in system-out.
function regressionView(m: Measurement, c: Comparison, view: MetricView): RegressionView {
  const [lo, hi] = visibleBand(c.band, m.unit);
  const what = m.value === null ? "never happened, worse than band" : `${view.measured} worse than band`;
  const base =
    c.baseline === null
      ? `baseline run ${c.baselineRunId} never had it`
      : `baseline ${formatValue(c.baseline, m.unit)} from run ${c.baselineRunId}`;
  return {
    metric: m.metric,
    failed: m.verdict === "FAIL",
    message: `${view.label}: ${what} ${formatValue(lo, m.unit)} … ${formatValue(hi, m.unit)} (${base})`,
    note: view.note,
  };
}

function alertView(a: AlertRecord): AlertView {
  return {
    name: a.name,
    episode: a.episode > 1 ? `firing ${a.episode}` : "",
    receiver: a.receiver,
    startsAt: formatInstant(a.startsAt),
    receivedAt: formatInstant(a.receivedAt),
    ackAt: formatInstant(a.ackAt),
    ackBy:
      a.ackAt === null ? "not acknowledged" : `${a.ackBy ?? "unknown"}${a.synthetic ? " (synthetic)" : ""}`,
    synthetic: a.synthetic,
    resolvedAt: formatInstant(a.resolvedAt),
  };
}

function firstAckAlert(alerts: AlertRecord[]): AlertRecord | undefined {
  return alerts.filter((a) => a.ackAt !== null).sort((x, y) => (x.ackAt ?? 0) - (y.ackAt ?? 0))[0];
}

/** Decision → healthy, the seed's definition of TTR for a rollback drill. */
function ttrProof(s: ScenarioResult, link: (p: string) => Link): TtrProof {
  const m = s.measurements.find((x) => x.metric === "ttr");
  const { decision, recover } = s.times;
  const measured = m ? m.value : decision !== null && recover !== null ? recover - decision : null;
  return {
    decisionAt: formatInstant(decision),
    healthyAt: recover === null ? "not healthy by the end of the run" : formatInstant(recover),
    ttr: measured === null ? "never (not recovered)" : formatDuration(measured),
    target: m ? formatTarget(m.target, m.unit) : "no TTR target set",
    verdict: m ? m.verdict : "NONE",
    note: m?.note ?? "",
    evidence: (m?.evidence ?? []).map(link),
  };
}

function icUpdate(s: ScenarioResult, result: RunResult): IcUpdate {
  const t = s.times;
  const declared = s.runbook
    .map((st) => `${st.title} ${st.detail}`.match(/Sev-[123]/)?.[0])
    .find((x) => x !== undefined);
  // The seed's incident flow: Sev-2 means roll back, Sev-3 means monitor and mitigate. Without a
  // declared severity, a missed hard target is treated as Sev-2.
  const severity = (declared ??
    (s.verdict === "FAIL" || s.verdict === "ERROR" ? "Sev-2" : "Sev-3")) as IcUpdate["severity"];
  const startAt = t.inject ?? t.decision ?? t.start;
  const faultEnd = Math.max(...s.faults.map((f) => f.revertedAt ?? t.end), startAt);
  const impactEnd = t.recover ?? faultEnd;

  const p95Base = mean(s.charts.p95Ms.filter(([at]) => at < startAt).map(([, v]) => v));
  const p95Peak = max(s.charts.p95Ms.filter(([at]) => at >= startAt && at <= impactEnd).map(([, v]) => v));
  const errBase = mean(s.charts.errorRate.filter(([at]) => at < startAt).map(([, v]) => v));
  const errPeak = max(
    s.charts.errorRate.filter(([at]) => at >= startAt && at <= impactEnd).map(([, v]) => v),
  );
  const impact: string[] = [];
  if (p95Peak !== null) {
    if (p95Base !== null && p95Base > 0) {
      const delta = Math.round(((p95Peak - p95Base) / p95Base) * 100);
      impact.push(
        `p95 latency ${delta >= 0 ? "+" : ""}${delta}% (${Math.round(p95Base)} → ${Math.round(p95Peak)} ms peak)`,
      );
    } else impact.push(`p95 latency peak ${Math.round(p95Peak)} ms (no baseline)`);
  }
  if (errPeak !== null) {
    impact.push(`error ${pct(errPeak)} peak${errBase !== null ? ` (baseline ${pct(errBase)})` : ""}`);
  }

  const actionParts: string[] = [];
  if (t.decision !== null) {
    const firstStep = s.runbook[0];
    actionParts.push(
      `Rollback decided @ ${formatClock(t.decision)}${firstStep ? `, runbook ${s.runbook.length} steps (${s.runbook.filter((x) => x.ok).length} ok)` : ""}`,
    );
  }
  if (t.mitigate !== null) actionParts.push(`mitigation observed @ ${formatClock(t.mitigate)}`);
  actionParts.push(
    t.recover !== null
      ? `SLOs green @ ${formatClock(t.recover)}`
      : `SLOs NOT green by end of run @ ${formatClock(t.end)}`,
  );

  const failed = s.measurements.filter((m) => m.verdict === "FAIL" || m.verdict === "ERROR");
  const rcaDue = new Date(result.endedAt + RCA_WINDOW_MS).toISOString().slice(0, 10);
  const next = failed.length
    ? `Root cause (${failed.map((m) => metricLabel(m.metric)).join(", ")} missed target); RCA due ${rcaDue}; owner ${s.record.actionOwner || s.owner}`
    : "No defects; confirm residual risk and close out";
  const acker = firstAckAlert(s.alerts);
  return {
    scenario: s.id,
    severity,
    headline: `[${severity}] ${s.title} (gameday drill) @ ${formatClock(startAt)}`,
    impact: impact.length ? impact.join(", ") : "no latency or error series recorded",
    action: actionParts.join("; "),
    next,
    owner: `IC-${s.owner}${acker ? ` | acked by ${acker.ackBy ?? "unknown"}${acker.synthetic ? " (synthetic)" : ""}` : " | not acknowledged"} | Status page: not updated (drill)`,
  };
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
function max(xs: number[]): number | null {
  return xs.length ? Math.max(...xs) : null;
}
function pct(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}
