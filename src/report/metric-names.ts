// Reader-facing names of the metrics DESIGN.md defines; anything else is shown as measured.
const NAMES: Record<string, string> = {
  ttd: "Time to detect (TTD)",
  mtta: "Time to acknowledge (MTTA)",
  ttm: "Time to mitigate (TTM)",
  ttr: "Time to recover (TTR)",
  "failover.time": "Failover time",
  "failover.success": "Failover success",
  "cost.containment": "Cost containment (unit cost back ≤ cap)",
  "unit-cost.max": "Unit cost (max)",
  "cost.peak": "Unit cost (peak)",
  "error-budget.burn": "Error-budget burn",
  "alert.receiver": "Alert on the expected receiver",
};

export function metricLabel(metric: string): string {
  const known = NAMES[metric];
  if (known) return known;
  if (metric.startsWith("check:")) return `Check: ${metric.slice("check:".length)}`;
  return metric;
}
