// Cost containment: time from t_inject until the per-second mean unit cost (USD per request) is
// back at or under the cap and stays there for `sustain`. Seconds are aligned to t_inject; a second
// without cost samples breaks a run, as for recovery (no traffic proves nothing about cost).
import { BUCKET_MS } from "./recovery.ts";
import type { SampleStore } from "./samples.ts";
import { seconds } from "./seconds.ts";

export interface CostContainment {
  /** Start of the first sustained run at or under the cap, or null when cost never got back. */
  backAt: number | null;
  /** Highest per-second mean unit cost in [from, to), null without samples. */
  peak: number | null;
  peakAt: number | null;
  samples: number;
}

export function costContainment(
  store: SampleStore,
  cap: number,
  from: number,
  to: number,
  sustainMs: number,
): CostContainment {
  const secs = seconds(store, "unit_cost_usd", {}, from, to);
  const need = Math.max(1, Math.ceil(sustainMs / BUCKET_MS));
  let run = 0;
  let backAt: number | null = null;
  let peak: number | null = null;
  let peakAt: number | null = null;
  let samples = 0;
  for (let k = 0; k < secs.length; k++) {
    const b = secs[k]!;
    samples += b.count;
    const mean = b.count ? b.sum / b.count : undefined;
    if (mean !== undefined && (peak === null || mean > peak)) {
      peak = mean;
      peakAt = b.start;
    }
    run = mean !== undefined && mean <= cap + 1e-9 * Math.max(1, cap) ? run + 1 : 0;
    if (backAt === null && run >= need) backAt = secs[k - need + 1]!.start;
  }
  return { backAt, peak, peakAt, samples };
}
