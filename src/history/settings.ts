// The config's history section as the settings the regression and score code take.
import type { HistoryConfig } from "../scenario/config.ts";
import { DEFAULT_MIN_DELTA, DEFAULT_REGRESSION_METRICS, type RegressionSettings } from "./regression.ts";
import type { ScoreSettings } from "./score.ts";

export function regressionSettings(h: HistoryConfig): RegressionSettings {
  return {
    fail: h.regression.fail,
    window: h.regression.window,
    k: h.regression.k,
    minDelta: { ...DEFAULT_MIN_DELTA, ...h.regression.minDelta },
    metrics: h.regression.metrics ?? [...DEFAULT_REGRESSION_METRICS],
  };
}

export function scoreSettings(h: HistoryConfig): ScoreSettings {
  return {
    window: h.score.window,
    halfLife: h.score.halfLife,
    staleAfter: h.staleAfter,
    objective: h.score.objective,
  };
}
