// Durations are written the way SREs say them ("90s", "10m", "1h30m", "250ms") or as milliseconds.
// Everything inside the harness is integer milliseconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

export type DurationInput = string | number;

/** Parses "1h30m", "90s", "250ms", "1.5s", "30d" or a number of milliseconds. Throws a RangeError with the reason. */
export function parseDuration(input: DurationInput): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0)
      throw new RangeError(`duration must be a non-negative number of ms, got ${input}`);
    return Math.round(input);
  }
  const text = input.trim();
  if (text === "") throw new RangeError("duration is empty");
  if (/^\d+$/.test(text)) return Number(text);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (;;) {
    const m = PART.exec(text);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) {
    throw new RangeError(
      `"${input}" is not a duration (use e.g. "90s", "10m", "1h30m", "250ms", "30d" or milliseconds)`,
    );
  }
  return Math.round(total);
}

/** Formats milliseconds compactly for humans: 0.35s, 42s, 14m, 1h30m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a < 1_000) return `${sign}${Math.round(a)}ms`;
  if (a < 60_000) return `${sign}${(a / 1_000).toFixed(a < 10_000 ? 2 : 1).replace(/\.?0+$/, "")}s`;
  const h = Math.floor(a / 3_600_000);
  const m = Math.floor((a % 3_600_000) / 60_000);
  const s = Math.round((a % 60_000) / 1_000);
  return sign + (h ? `${h}h` : "") + (m ? `${m}m` : "") + (s ? `${s}s` : "") || "0s";
}
