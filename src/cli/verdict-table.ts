// The summary table `gameday run` prints: scenario, metric, measured, target, verdict.
import type { RunResult } from "../engine/result.ts";
import type { Measurement } from "../evaluate/verdict.ts";
import { formatDuration } from "../scenario/duration.ts";
import { type TableOptions, table } from "./table.ts";

export function formatValue(value: number | null, unit: Measurement["unit"]): string {
  if (value === null) return "never";
  switch (unit) {
    case "ms":
      return formatDuration(value);
    case "ratio":
      return `${(value * 100).toFixed(value === 1 || value === 0 ? 0 : 1)}%`;
    case "pct":
      return `${value.toFixed(value < 1 ? 3 : 1)}%`;
    case "usd":
      return `$${value.toFixed(5)}`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(3);
  }
}

export function formatTarget(m: Measurement): string {
  if (!m.target) return "-";
  return `${m.target.op} ${formatValue(m.target.value, m.unit)}${m.target.hard ? "" : " (soft)"}`;
}

export function verdictTable(result: RunResult, o: TableOptions = {}): string {
  const rows: string[][] = [];
  for (const s of result.scenarios) {
    if (s.measurements.length === 0) rows.push([s.id, "-", "-", "-", s.verdict]);
    for (const m of s.measurements) {
      rows.push([
        s.id,
        m.metric,
        formatValue(m.value, m.unit) +
          (m.synthetic ? " (synthetic)" : "") +
          (m.comparison?.regressed ? " (regression)" : ""),
        formatTarget(m),
        m.verdict,
      ]);
    }
    for (const e of s.errors) rows.push([s.id, "error", e.slice(0, 80), "-", "ERROR"]);
    if (s.stopped) rows.push([s.id, "stopped", s.stopped.slice(0, 80), "-", s.verdict]);
  }
  return table(["scenario", "metric", "measured", "target", "verdict"], rows, o);
}
