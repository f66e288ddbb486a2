// Which charts a scenario gets in report.html, with its fault windows shaded and its detection,
// ack, decision and recovery marked. Synthetic acks are marked as such.
import type { ScenarioResult } from "../engine/result.ts";
import { type ChartMark, chartSvg } from "./charts.ts";

export function scenarioCharts(s: ScenarioResult): string[] {
  const windows = s.faults
    .filter((f) => f.appliedAt !== null)
    .map((f) => ({
      from: f.appliedAt ?? s.times.start,
      to: f.revertedAt ?? s.times.end,
      label: `fault: ${f.summary}`,
    }));
  const marks: ChartMark[] = [];
  const t = s.times;
  if (t.inject !== null) marks.push({ at: t.inject, label: "inject", kind: "inject" });
  if (t.detect !== null) marks.push({ at: t.detect, label: "detect", kind: "detect" });
  for (const a of s.alerts) {
    if (a.ackAt === null) continue;
    marks.push(
      a.synthetic
        ? { at: a.ackAt, label: "ack (synthetic)", kind: "ack-synthetic" }
        : { at: a.ackAt, label: `ack ${a.ackBy ?? ""}`.trim(), kind: "ack" },
    );
  }
  if (t.decision !== null) marks.push({ at: t.decision, label: "decision", kind: "decision" });
  if (t.recover !== null) marks.push({ at: t.recover, label: "recovered", kind: "recover" });
  marks.sort((a, b) => a.at - b.at);
  const base = { from: t.start, to: t.end, windows, marks };
  const c = s.charts;
  return [
    chartSvg({
      ...base,
      id: "p95",
      title: "p95 latency (ms)",
      series: [{ name: "p95", points: c.p95Ms }],
      formatY: (v) => `${Math.round(v)}`,
    }),
    chartSvg({
      ...base,
      id: "error-rate",
      title: "Error rate (%)",
      series: [{ name: "errors", points: c.errorRate }],
      formatY: (v) => `${Number((v * 100).toFixed(1))}%`,
    }),
    chartSvg({
      ...base,
      id: "provider-mix",
      title: "Provider mix (requests/s)",
      series: Object.entries(c.providerMix)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, points]) => ({ name, points })),
      formatY: (v) => `${Number(v.toFixed(1))}`,
    }),
    chartSvg({
      ...base,
      id: "unit-cost",
      title: "Unit cost (USD/request)",
      series: [{ name: "unit cost", points: c.unitCostUsd }],
      formatY: (v) => `$${Number(v.toFixed(4))}`,
    }),
    chartSvg({
      ...base,
      id: "queue-depth",
      title: "Queue depth",
      series: [{ name: "queue", points: c.queueDepth }],
      formatY: (v) => `${Number(v.toFixed(1))}`,
    }),
  ];
}
