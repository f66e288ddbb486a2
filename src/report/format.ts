// How numbers, instants and targets read in every report, so Markdown, HTML, JUnit and the IC
// update never disagree on the same value.
import type { Target, Unit } from "../evaluate/verdict.ts";

const OP_TEXT: Record<Target["op"], string> = { "<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=" };

export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? "-" : ""}${Math.round(rest)} ms`;
  if (rest < 60_000) return `${neg ? "-" : ""}${trim(rest / 1000, 1)} s`;
  rest = Math.round(rest / 1000);
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const parts = h ? [`${h}h`, `${m}m`, `${s}s`] : [`${m}m`, `${s}s`];
  return `${neg ? "-" : ""}${parts.join(" ")}`;
}

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return "never";
  switch (unit) {
    case "ms":
      return formatDuration(value);
    case "ratio":
      return `${trim(value * 100, 2)} %`;
    case "pct":
      return `${trim(value, 2)} %`;
    case "usd":
      return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 5 : 2)}`;
    case "count":
      return String(Math.round(value));
    case "value":
      return trim(value, 3);
  }
}

/** A signed difference in the metric's unit: "+2.9 s", "-120 ms", "±0 ms". */
export function formatDelta(delta: number | null, unit: Unit): string {
  if (delta === null) return "—";
  const size = formatValue(Math.abs(delta), unit);
  // The sign follows what is printed, so a difference that rounds away does not read as a change.
  if (size === formatValue(0, unit)) return `±${size}`;
  return `${delta > 0 ? "+" : "-"}${size}`;
}

/**
 * A noise band as a reader sees it: a median ± a minimum tolerance can dip below zero, which no
 * time, cost, count or share can, and "-1.5 s … 2.5 s" would read as a bug.
 */
export function visibleBand(band: readonly [number, number], unit: Unit): [number, number] {
  const [lo, hi] = band;
  return unit === "value" ? [lo, hi] : [Math.max(0, lo), Math.max(0, hi)];
}

/** "110 ms … 360 ms (3 runs)". */
export function formatBand(band: readonly [number, number], runs: number, unit: Unit): string {
  const [lo, hi] = visibleBand(band, unit);
  return `${formatValue(lo, unit)} … ${formatValue(hi, unit)} (${plural(runs, "run")})`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A share (0–1) as a percentage for the history tables; "—" when there is nothing to divide. */
export function formatShare(share: number | null): string {
  return share === null ? "—" : `${trim(share * 100, 1)} %`;
}

export function formatTarget(target: Target | null, unit: Unit): string {
  if (!target) return "—";
  return `${OP_TEXT[target.op]} ${formatValue(target.value, unit)}${target.hard ? "" : " (soft)"}`;
}

/** ISO-8601 UTC with milliseconds: the one instant format of every report. */
export function formatInstant(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString();
}

/** HH:MM:SS UTC, for the IC update where the date is stated once. */
export function formatClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

export function formatOffset(ms: number | null, from: number | null): string {
  if (ms === null || from === null) return "";
  return `T${ms >= from ? "+" : "−"}${formatDuration(Math.abs(ms - from))}`;
}

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}
