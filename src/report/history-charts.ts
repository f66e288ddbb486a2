// One small chart per key metric of a scenario over its recent runs, drawn by the same inline-SVG
// renderer as the scenario charts. Runs sit at equal steps rather than at their start times: a
// burst of runs in one afternoon and a lone run a week later should still read as a sequence.
import { type ChartDot, chartSvg } from "./charts.ts";
import { formatValue } from "./format.ts";
import type { HistorySeriesView } from "./history-view.ts";

const HEIGHT = 190;

export function historyChart(s: HistorySeriesView): string {
  const n = s.points.length;
  // A lone run would otherwise sit on the left edge with nothing to its right.
  const [from, to] = n > 1 ? [0, n - 1] : [-1, 1];
  const dots: ChartDot[] = [];
  s.points.forEach((p, i) => {
    const who = `run ${p.runId} (${new Date(p.startedAt).toISOString().slice(0, 16).replace("T", " ")} UTC)`;
    dots.push({
      at: i,
      value: p.value,
      kind: p.current ? "current" : "point",
      label: `${p.text}: ${p.current ? "this run" : who}`,
    });
    if (p.baseline)
      dots.push({ at: i, value: p.value, kind: "baseline", label: `baseline ${p.text}: ${who}` });
  });
  const ticks = n > 1 ? [...new Set([0, Math.floor((n - 1) / 2), n - 1])] : [0];
  return chartSvg({
    id: `history:${s.metric}`,
    title: `${s.label}${s.regressed ? " — REGRESSED" : ""}`,
    from,
    to,
    height: HEIGHT,
    series: [
      {
        name: s.metric,
        points: s.points.flatMap((p, i): Array<[number, number]> => (p.value === null ? [] : [[i, p.value]])),
      },
    ],
    windows: [],
    marks: [],
    bands: s.band ? [{ lo: s.band.lo, hi: s.band.hi, label: `band ${s.band.text}` }] : [],
    dots,
    xTicks: ticks.map((i) => ({ at: i, label: tickLabel(s.points[i]?.startedAt) })),
    formatY: (v) => formatValue(v, s.unit),
  });
}

function tickLabel(at: number | undefined): string {
  return at === undefined ? "" : new Date(at).toISOString().slice(5, 16).replace("T", " ");
}
