// How the history reads in a terminal: per-run values, a sparkline, a trend, the score.
import type { Unit } from "../evaluate/verdict.ts";
import type { RunSummary, Series } from "../history/run-store.ts";
import { type Worse, worseDirection } from "../history/regression.ts";
import type { ReliabilityScore } from "../history/score.ts";
import type { StoredRun } from "../history/stored-run.ts";
import { type TableOptions, table } from "./table.ts";
import { formatValue } from "./verdict-table.ts";

const BARS = "▁▂▃▄▅▆▇█";

/** One character per value, scaled between the series' min and max; "·" where a value is missing. */
export function sparkline(values: ReadonlyArray<number | null>): string {
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return "";
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  return values
    .map((v) => {
      if (v === null) return "·";
      if (hi === lo) return BARS[3]!;
      return BARS[Math.min(BARS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BARS.length))]!;
    })
    .join("");
}

/** "+120 ms/day (worse)": the least-squares slope, and which way that is for the metric. */
export function trendText(slopePerDay: number | null, unit: Unit, worse: Worse | null): string {
  if (slopePerDay === null) return "—";
  const sign = slopePerDay > 0 ? "+" : slopePerDay < 0 ? "−" : "±";
  const magnitude = formatValue(Math.abs(slopePerDay), unit);
  let judgement = "";
  if (slopePerDay !== 0 && worse && worse !== "either")
    judgement = slopePerDay > 0 === (worse === "higher") ? " (worse)" : " (better)";
  return `${sign}${magnitude}/day${judgement}`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** Every scenario's metrics: runs, newest value, range, trend and sparkline. */
export function seriesTable(series: readonly Series[], o: TableOptions = {}): string {
  const rows = series.map((s) => {
    const last = s.points[s.points.length - 1];
    return [
      s.scenario,
      s.metric,
      String(s.count),
      last ? formatValue(last.value, s.unit) : "—",
      s.min === null || s.max === null
        ? "—"
        : `${formatValue(s.min, s.unit)} … ${formatValue(s.max, s.unit)}`,
      trendText(s.slopePerDay, s.unit, worseDirection({ unit: s.unit, target: null })),
      sparkline(s.points.map((p) => p.value)),
    ];
  });
  return table(["scenario", "metric", "runs", "last", "range", "trend", "last runs"], rows, o);
}

/** One metric of one scenario, run by run. */
export function pointsTable(s: Series, runs: ReadonlyMap<string, RunSummary>, o: TableOptions = {}): string {
  const rows = s.points.map((p) => {
    const r = runs.get(p.runId);
    return [
      p.runId,
      day(p.startedAt),
      r?.gitBranch ?? "—",
      r?.gitCommit?.slice(0, 8) ?? "—",
      formatValue(p.value, s.unit),
      p.verdict,
    ];
  });
  const worse = worseDirection({ unit: s.unit, target: null });
  return [
    `${s.scenario} ${s.metric}`,
    table(["run", "started (UTC)", "branch", "commit", "value", "verdict"], rows, o),
    `trend over ${s.count} run${s.count === 1 ? "" : "s"}: ${trendText(s.slopePerDay, s.unit, worse)}  ${sparkline(s.points.map((p) => p.value))}`,
  ].join("\n");
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(0)} %`);
const burnText = (x: number | null) => (x === null ? "—" : Number.isFinite(x) ? `${x.toFixed(0)} %` : "∞");

export function scoreTable(score: ReliabilityScore, o: TableOptions = {}): string {
  const rows = score.scenarios.map((s) => [
    s.scenario,
    s.score.toFixed(1),
    s.status,
    String(s.runs),
    s.lastRunAt === null ? "never" : day(s.lastRunAt),
    pct(s.changeFailRate),
    burnText(s.budgetBurnPct),
  ]);
  const days = (ms: number) => `${Math.round(ms / 86_400_000)}d`;
  return [
    table(["scenario", "score", "status", "runs", "last run (UTC)", "change-fail", "budget burn"], rows, o),
    "",
    `reliability score: ${score.overall === null ? "— (no runs)" : score.overall.toFixed(1)} / 100 over ${days(score.settings.window)}` +
      ` (half-life ${days(score.settings.halfLife)}, stale after ${days(score.settings.staleAfter)});` +
      ` change-fail rate ${pct(score.changeFailRate)}; error-budget burn ${burnText(score.budgetBurnPct)} of ${((1 - score.settings.objective) * 100).toFixed(0)} % failed runs allowed`,
  ].join("\n");
}

/** Two runs side by side, metric by metric. */
export function compareTable(a: StoredRun, b: StoredRun, o: TableOptions = {}): string {
  const rows: string[][] = [];
  const scenarios = [...new Set([...a.scenarios, ...b.scenarios].map((s) => s.scenario))].sort();
  for (const name of scenarios) {
    const sa = a.scenarios.find((s) => s.scenario === name);
    const sb = b.scenarios.find((s) => s.scenario === name);
    rows.push([name, "verdict", sa?.verdict ?? "—", sb?.verdict ?? "—", "", ""]);
    const metrics = [
      ...new Set([...(sa?.measurements ?? []), ...(sb?.measurements ?? [])].map((m) => m.metric)),
    ];
    for (const metric of metrics) {
      const ma = sa?.measurements.find((m) => m.metric === metric);
      const mb = sb?.measurements.find((m) => m.metric === metric);
      const unit = (ma ?? mb)!.unit;
      const va = ma?.value ?? null;
      const vb = mb?.value ?? null;
      let delta = "";
      let judgement = "";
      if (va !== null && vb !== null) {
        const d = vb - va;
        delta = `${d > 0 ? "+" : d < 0 ? "−" : "±"}${formatValue(Math.abs(d), unit)}${va !== 0 ? ` (${d >= 0 ? "+" : "−"}${Math.abs((d / va) * 100).toFixed(0)} %)` : ""}`;
        const worse = worseDirection({ unit, target: (mb ?? ma)!.target });
        if (d !== 0 && worse && worse !== "either")
          judgement = d > 0 === (worse === "higher") ? "worse" : "better";
      }
      rows.push([
        "",
        metric,
        ma ? `${formatValue(va, unit)} ${ma.verdict}` : "—",
        mb ? `${formatValue(vb, unit)} ${mb.verdict}` : "—",
        delta,
        judgement,
      ]);
    }
  }
  return table(["scenario", "metric", a.runId, b.runId, "change", ""], rows, o);
}
