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
