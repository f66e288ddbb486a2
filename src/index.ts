// The public API: what scenario and config files import from "gameday".
export { defineScenario, defineConfig, fault, load, act } from "./scenario/define.ts";
export { parseDuration, formatDuration } from "./scenario/duration.ts";
export type {
  Scenario,
  ScenarioInput,
  FaultSpec,
  FaultSpecInput,
  HttpLoadInput,
  LoadRequest,
  LoadResponse,
  LoadRecorder,
  EmitSample,
  RequestGenerator,
} from "./scenario/schema.ts";
export type { GamedayConfig, GamedayConfigInput } from "./scenario/config.ts";
export type { Verdict, Measurement } from "./evaluate/verdict.ts";
export type { RunResult, ScenarioResult } from "./engine/result.ts";
export { definePrr } from "./prr/schema.ts";
export type { Prr, PrrInput } from "./prr/schema.ts";
export { defineRollout, gate, trigger } from "./rollout/define.ts";
export type { Rollout, RolloutInput } from "./rollout/schema.ts";
