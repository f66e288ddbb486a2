// The rollout report's charts: the traffic share as a step line with every checkpoint and change of
// course on it, and the service's load (error rate, p95, requests/s) with the same decisions marked
// and alternate phases shaded, so a reviewer sees what the gate saw when it decided.
import type { Points } from "../engine/result.ts";
import { type ChartMark, type ChartSpec, chartSvg } from "../report/charts.ts";
import type { DecisionRecord, LoadPoint, RolloutResult } from "./result.ts";

// charts.ts knows a scenario's marks; these borrow the one whose colour says the same thing
// (red: went back, orange: stopped, green: went on).
const MARK_KIND: Record<DecisionRecord["decision"], ChartMark["kind"]> = {
  ROLLBACK: "inject",
  PAUSE: "detect",
  HOLD: "ack-synthetic",
  RESUME: "ack",
  PROMOTE: "recover",
  COMPLETE: "recover",
};

/** The charts of rollout_report.html, as inline SVG. */
export function rolloutCharts(r: RolloutResult): string[] {
  const marks: ChartMark[] = r.decisions
    .map((d) => ({ at: d.at, label: markLabel(r, d), kind: MARK_KIND[d.decision] }))
    .sort((a, b) => a.at - b.at);
  const base = { from: r.startedAt, to: Math.max(r.endedAt, r.startedAt + 1), marks, windows: phaseBands(r) };
  const load = (pick: (p: LoadPoint) => number | null): Points =>
    r.load.flatMap((p) => {
      const v = pick(p);
      return v === null ? [] : [[p.t, v] as [number, number]];
    });
  const specs: ChartSpec[] = [
    {
      ...base,
      id: "share",
      title: "Traffic share on the new path (%)",
      series: [{ name: "share", points: shareSteps(r) }],
      dots: r.checkpoints.map((c) => ({
        at: c.at,
        value: c.share,
        kind: "point",
        label: `${c.phase} ${c.label}: ${c.decision}`,
      })),
      formatY: (v) => `${Number(v.toFixed(1))} %`,
    },
    {
      ...base,
      id: "error-rate",
      title: "Error rate (%)",
      series: [{ name: "errors", points: load((p) => p.errorRate) }],
      formatY: (v) => `${Number((v * 100).toFixed(1))}%`,
    },
    {
      ...base,
      id: "p95",
      title: "p95 latency (ms)",
      series: [{ name: "p95", points: load((p) => p.p95Ms) }],
      formatY: (v) => `${Math.round(v)}`,
    },
    {
      ...base,
      id: "rps",
      title: "Requests/s",
      series: [{ name: "requests/s", points: load((p) => p.rps) }],
      formatY: (v) => `${Number(v.toFixed(1))}`,
    },
  ];
  return specs.map(chartSvg);
}

/** A promotion is read by where it went ("PROMOTE → P2"); every other decision by where it was taken. */
function markLabel(r: RolloutResult, d: DecisionRecord): string {
  if (d.decision !== "PROMOTE") return `${d.decision} ${d.phase}`;
  const next = r.phases[r.phases.findIndex((p) => p.name === d.phase) + 1];
  return next ? `PROMOTE → ${next.name}` : `PROMOTE ${d.phase}`;
}

/** A polyline through both ends of every change draws the share as the step it is. */
function shareSteps(r: RolloutResult): Points {
  const changes = [...r.shares].sort((a, b) => a.t - b.t);
  const first = changes[0];
  if (!first)
    return [
      [r.startedAt, r.share],
      [r.endedAt, r.share],
    ];
  const points: Points = [[Math.min(first.t, r.startedAt), first.share]];
  let current = first.share;
  for (const c of changes.slice(1)) {
    points.push([c.t, current], [c.t, c.share]);
    current = c.share;
  }
  points.push([Math.max(r.endedAt, points.at(-1)![0]), current]);
  return points;
}

/**
 * Every other phase shaded: shading all of them would merge into one band and hide the boundaries.
 * A phase re-entered after a rollback keeps its record's first start and last end.
 */
function phaseBands(r: RolloutResult): ChartSpec["windows"] {
  return r.phases
    .filter((p) => p.startedAt !== null)
    .map((p) => ({
      from: p.startedAt!,
      to: p.endedAt ?? r.endedAt,
      label: `${p.name} · ${p.title} (${p.traffic} %)`,
    }))
    .sort((a, b) => a.from - b.from)
    .filter((_, i) => i % 2 === 1);
}
