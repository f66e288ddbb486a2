// Error-budget burn (DESIGN.md): bad minutes during the run ÷ monthly budget minutes
// ((1 − SLO) × 43 200) × 100. Bad time is the total duration of the 1 s buckets in which the steady
// state is violated. An empty bucket counts as bad only inside the load's span (requests before and
// after it: the service answered nothing); empty buckets before the load starts or after it ends
// are not the service's fault. The last bucket counts only its observed part.
import { BUCKET_MS, type BucketHealth } from "./recovery.ts";

export const MONTH_MINUTES = 43_200;

export interface Burn {
  badMs: number;
  badBuckets: number;
  budgetMinutes: number;
  burnPct: number;
}

export function budgetMinutes(slo: number): number {
  return (1 - slo) * MONTH_MINUTES;
}

export function burnPct(badMinutes: number, slo: number): number {
  const budget = budgetMinutes(slo);
  if (budget <= 0) return badMinutes > 0 ? Number.POSITIVE_INFINITY : 0;
  return (badMinutes / budget) * 100;
}

/** Burn over dense buckets (as from bucketHealth) observed until `to`. */
export function errorBudgetBurn(buckets: readonly BucketHealth[], to: number, slo: number): Burn {
  const firstLoaded = buckets.findIndex((b) => b.count > 0);
  const lastLoaded = buckets.findLastIndex((b) => b.count > 0);
  let badMs = 0;
  let badBuckets = 0;
  buckets.forEach((b, k) => {
    const bad = b.count > 0 ? !b.holds : firstLoaded >= 0 && k > firstLoaded && k < lastLoaded;
    if (!bad) return;
    badBuckets += 1;
    badMs += Math.max(0, Math.min(b.start + BUCKET_MS, to) - b.start);
  });
  return { badMs, badBuckets, budgetMinutes: budgetMinutes(slo), burnPct: burnPct(badMs / 60_000, slo) };
}
