// What rollout files import: `defineRollout` and builders for gate criteria and triggers that read
// like seed 001's tables. They only shape plain objects; the loader validates every field at once.
import type { DurationInput } from "../scenario/duration.ts";
import type { CriterionInput, RolloutInput, TriggerInput } from "./schema.ts";

export const ROLLOUT_BRAND = Symbol.for("gameday.rollout");

/** Declares a rollout. The default export of a rollout file (rollouts/*.ts). */
export function defineRollout(rollout: RolloutInput): RolloutInput {
  return Object.defineProperty({ ...rollout }, ROLLOUT_BRAND, { value: true, enumerable: false });
}

type Threshold = Pick<CriterionInput, "below" | "atMost" | "above" | "atLeast">;
type Common = Threshold & { title?: string; unit?: CriterionInput["unit"]; window?: DurationInput };

/** Gate criteria: each must pass for the phase to promote. */
export const gate = {
  /** A PromQL query; `$window` in it stands for `window`, compressed by the profile. */
  promql(name: string, query: string, o: Common): CriterionInput {
    return { name, promql: query, ...o };
  },
  /** A probe of the config, read at the checkpoint. */
  probe(name: string, probe: string, o: Common): CriterionInput {
    return { name, probe, ...o };
  },
  /** The number of firing alerts matching (e.g. `{ atMost: 0 }`: no P1 page). */
  alerts(name: string, match: { name?: string; labels?: Record<string, string> }, o: Common): CriterionInput {
    return { name, alert: match, ...o };
  },
};

type TriggerOptions = Common & { for?: DurationInput; to?: "previous" | "first" };

/** Pause and rollback triggers: each fires when its condition holds for `for`. */
export const trigger = {
  promql(name: string, query: string, o: TriggerOptions): TriggerInput {
    return { name, promql: query, ...o };
  },
  probe(name: string, probe: string, o: TriggerOptions): TriggerInput {
    return { name, probe, ...o };
  },
  /** Fires while matching alerts fire (e.g. a P1 incident page): `{ above: 0 }`. */
  alerts(
    name: string,
    match: { name?: string; labels?: Record<string, string> },
    o: TriggerOptions,
  ): TriggerInput {
    return { name, alert: match, ...o };
  },
};
