// The reliability score: how much evidence says each scenario's failure is handled, today. Every
// normal run in the window counts, weighted by recency (a run one half-life old counts half), PASS
// as 1, WARN as ½, FAIL as 0; a scenario not run within staleAfter scores 0 whatever it did
// before, since old evidence is no evidence. Defect, ERROR and interrupted runs say nothing about
// the service and are left out.
import type { Verdict } from "../evaluate/verdict.ts";
import type { ScenarioOutcome } from "./run-store.ts";

export interface ScoreSettings {
  /** Runs older than this do not count (ms). */
  window: number;
  /** A run this old counts half as much as one from now (ms). */
  halfLife: number;
  /** A scenario whose last normal run is older than this is stale (ms). */
  staleAfter: number;
  /** Share of runs expected to pass; its complement is the error budget the burn is measured on. */
  objective: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_SCORE: ScoreSettings = {
  window: 30 * DAY_MS,
  halfLife: 7 * DAY_MS,
  staleAfter: 30 * DAY_MS,
  objective: 0.9,
};

export type ScenarioStatus = "pass" | "warn" | "fail" | "stale";

export interface ScenarioScore {
  scenario: string;
  /** 0–100. */
  score: number;
  status: ScenarioStatus;
  /** Normal runs in the window. */
  runs: number;
  lastRunAt: number | null;
  lastVerdict: Verdict | null;
  /** Share of runs whose verdict fell from PASS (of the runs that followed a PASS); null without such a pair. */
  changeFailRate: number | null;
  /** FAIL share of runs ÷ (1 − objective), in %; 100 means the budget is spent. Null without runs. */
  budgetBurnPct: number | null;
}

export interface ReliabilityScore {
  asOf: number;
  settings: ScoreSettings;
  /** Mean of the scenarios' scores (stale ones count 0); null when there is no scenario. */
  overall: number | null;
  changeFailRate: number | null;
  budgetBurnPct: number | null;
  scenarios: ScenarioScore[];
}

const CREDIT: Record<Verdict, number> = { PASS: 1, WARN: 0.5, FAIL: 0, ERROR: 0 };

/**
 * outcomes: scenario verdicts, oldest first (normal or not; non-normal ones are skipped).
 * expected: scenarios that should have evidence even if they were never run.
 */
export function reliabilityScore(
  outcomes: readonly ScenarioOutcome[],
  now: number,
  settings: ScoreSettings = DEFAULT_SCORE,
  expected: readonly string[] = [],
): ReliabilityScore {
  const byScenario = new Map<string, ScenarioOutcome[]>();
  for (const name of expected) byScenario.set(name, []);
  for (const o of outcomes) {
    if (!o.normal || o.startedAt < now - settings.window || o.startedAt > now) continue;
    const list = byScenario.get(o.scenario) ?? [];
    list.push(o);
    byScenario.set(o.scenario, list);
  }
  let fellTotal = 0;
  let afterPassTotal = 0;
  let failedTotal = 0;
  let runsTotal = 0;
  const scenarios: ScenarioScore[] = [];
  for (const [scenario, runs] of [...byScenario].sort(([a], [b]) => a.localeCompare(b))) {
    const last = runs[runs.length - 1] ?? null;
    const stale = !last || last.startedAt < now - settings.staleAfter;
    let weighted = 0;
    let weights = 0;
    let fell = 0;
    let afterPass = 0;
    let failed = 0;
    runs.forEach((o, i) => {
      const w = 0.5 ** ((now - o.startedAt) / settings.halfLife);
      weighted += w * CREDIT[o.verdict];
      weights += w;
      if (o.verdict === "FAIL") failed += 1;
      if (i > 0 && runs[i - 1]!.verdict === "PASS") {
        afterPass += 1;
        if (o.verdict !== "PASS") fell += 1;
      }
    });
    fellTotal += fell;
    afterPassTotal += afterPass;
    failedTotal += failed;
    runsTotal += runs.length;
    scenarios.push({
      scenario,
      score: stale || weights === 0 ? 0 : round1((100 * weighted) / weights),
      status: stale ? "stale" : last.verdict === "PASS" ? "pass" : last.verdict === "WARN" ? "warn" : "fail",
      runs: runs.length,
      lastRunAt: last?.startedAt ?? null,
      lastVerdict: last?.verdict ?? null,
      changeFailRate: afterPass ? fell / afterPass : null,
      budgetBurnPct: runs.length ? burn(failed, runs.length, settings.objective) : null,
    });
  }
  return {
    asOf: now,
    settings,
    overall: scenarios.length ? round1(scenarios.reduce((s, x) => s + x.score, 0) / scenarios.length) : null,
    changeFailRate: afterPassTotal ? fellTotal / afterPassTotal : null,
    budgetBurnPct: runsTotal ? burn(failedTotal, runsTotal, settings.objective) : null,
    scenarios,
  };
}

function burn(failed: number, runs: number, objective: number): number {
  const budget = 1 - objective;
  if (budget <= 0) return failed > 0 ? Number.POSITIVE_INFINITY : 0;
  return round1((failed / runs / budget) * 100);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
