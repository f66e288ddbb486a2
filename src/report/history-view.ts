// The reports' history section: each key metric of each scenario over its recent runs, and the
// reliability score, as the snapshot in result.json recorded them when the run ended (a report
// rendered again later shows the same history, not whatever the store holds by then).
import type { ScenarioResult } from "../engine/result.ts";
import type { Comparison, Unit, Verdict } from "../evaluate/verdict.ts";
import type { ScenarioStatus, ScoreSettings } from "../history/score.ts";
import type { HistorySnapshot, SnapshotSeries } from "../history/snapshot.ts";
import {
  formatBand,
  formatDuration,
  formatInstant,
  formatShare,
  formatValue,
  plural,
  visibleBand,
} from "./format.ts";
import { metricLabel } from "./metric-names.ts";

/** How many of a series' newest readings the one-line Markdown summary lists. */
export const RECENT_POINTS = 8;

export interface HistoryPointView {
  runId: string;
  startedAt: number;
  value: number | null;
  text: string;
  /** This run's own reading. */
  current: boolean;
  /** The run this one was compared with for the metric. */
  baseline: boolean;
}

export interface HistorySeriesView {
  scenario: string;
  metric: string;
  label: string;
  unit: Unit;
  /** Oldest first. */
  points: HistoryPointView[];
  /** The newest RECENT_POINTS of them, for the Markdown line; `omitted` older ones are left out. */
  recent: HistoryPointView[];
  omitted: number;
  /** The noise band this run was judged against, when it was compared. */
  band: { lo: number; hi: number; text: string } | null;
  regressed: boolean;
  /** One line under the chart: this run, its baseline and the band, in words. */
  caption: string;
}

export interface HistoryScenarioView {
  id: string;
  title: string;
  series: HistorySeriesView[];
}

export interface ScoreRowView {
  scenario: string;
  score: string;
  status: ScenarioStatus;
  statusText: string;
  runs: number;
  /** When and with what verdict the scenario last ran in the window. */
  lastRun: string;
  lastVerdict: Verdict | null;
  changeFailRate: string;
  budgetBurn: string;
}

export interface ScoreView {
  overall: string;
  changeFailRate: string;
  budgetBurn: string;
  asOf: string;
  settings: string;
  scenarios: ScoreRowView[];
}

export interface HistoryView {
  store: string;
  profile: string;
  scenarios: HistoryScenarioView[];
  /** Whether any scenario has a series to draw; the score is shown either way. */
  hasSeries: boolean;
  score: ScoreView;
}

export function historyView(h: HistorySnapshot, scenarios: readonly ScenarioResult[]): HistoryView {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const grouped = new Map<string, HistoryScenarioView>();
  for (const series of h.series) {
    const s = byId.get(series.scenario);
    const comparison = s?.measurements.find((m) => m.metric === series.metric)?.comparison;
    let group = grouped.get(series.scenario);
    if (!group) {
      group = { id: series.scenario, title: s?.title ?? series.scenario, series: [] };
      grouped.set(series.scenario, group);
    }
    group.series.push(seriesView(series, comparison));
  }
  const groups = [...grouped.values()];
  return {
    store: h.store,
    profile: h.profile,
    scenarios: groups,
    hasSeries: groups.length > 0,
    score: scoreView(h.score),
  };
}

function seriesView(series: SnapshotSeries, comparison: Comparison | undefined): HistorySeriesView {
  const { unit } = series;
  // The store lists a series oldest first, but a run imported later may carry an older start.
  const points = series.points
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.startedAt - b.p.startedAt || Number(a.p.current) - Number(b.p.current) || a.i - b.i)
    .map(
      ({ p }): HistoryPointView => ({
        runId: p.runId,
        startedAt: p.startedAt,
        value: p.value,
        text: formatValue(p.value, unit),
        current: p.current,
        baseline: comparison?.baselineRunId === p.runId,
      }),
    );
  const band = comparison
    ? (() => {
        const [lo, hi] = visibleBand(comparison.band, unit);
        return { lo, hi, text: formatBand(comparison.band, comparison.bandRuns, unit) };
      })()
    : null;
  const current = points.find((p) => p.current);
  const caption = [
    current ? `this run ${current.text}` : "not measured in this run",
    comparison
      ? points.some((p) => p.baseline)
        ? `baseline ${formatValue(comparison.baseline, unit)}`
        : `baseline ${formatValue(comparison.baseline, unit)} (run ${comparison.baselineRunId}, older than the chart)`
      : "",
    band ? `band ${band.text}` : "",
    comparison?.regressed ? "REGRESSED" : "",
  ];
  return {
    scenario: series.scenario,
    metric: series.metric,
    label: metricLabel(series.metric),
    unit,
    points,
    recent: points.slice(-RECENT_POINTS),
    omitted: Math.max(0, points.length - RECENT_POINTS),
    band,
    regressed: comparison?.regressed ?? false,
    caption: `${plural(points.length, "run")}: ${caption.filter(Boolean).join(" · ")}`,
  };
}

function scoreView(score: HistorySnapshot["score"]): ScoreView {
  return {
    overall: score.overall === null ? "—" : String(score.overall),
    changeFailRate: formatShare(score.changeFailRate),
    budgetBurn: formatBurn(score.budgetBurnPct),
    asOf: formatInstant(score.asOf),
    settings: settingsText(score.settings),
    scenarios: score.scenarios.map((s) => ({
      scenario: s.scenario,
      score: String(s.score),
      status: s.status,
      statusText: s.status.toUpperCase(),
      runs: s.runs,
      lastRun:
        s.lastRunAt === null
          ? "no run in the window"
          : `${formatInstant(s.lastRunAt)}${s.lastVerdict ? ` (${s.lastVerdict})` : ""}`,
      lastVerdict: s.lastVerdict,
      changeFailRate: formatShare(s.changeFailRate),
      budgetBurn: formatBurn(s.budgetBurnPct),
    })),
  };
}

/** Budget burn is already a percentage; 100 % means the error budget is spent. */
function formatBurn(pct: number | null): string {
  if (pct === null) return "—";
  // An objective of 100 % leaves no budget, so any failure burns it without bound.
  if (!Number.isFinite(pct)) return "∞ %";
  return formatValue(pct, "pct");
}

const DAY_MS = 86_400_000;

function settingsText(s: ScoreSettings): string {
  const span = (ms: number) =>
    ms > 0 && ms % DAY_MS === 0 ? plural(ms / DAY_MS, "day") : formatDuration(ms);
  return `window ${span(s.window)}, half-life ${span(s.halfLife)}, stale after ${span(s.staleAfter)}, objective ${formatShare(s.objective)} of runs passing`;
}
