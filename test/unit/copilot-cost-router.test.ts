// The reference service's cost router: the preferred model unless its projected cost per answer
// breaks the cap, then the cheapest model that fits; cost_routing_off ignores the cap.
import { describe, expect, it } from "vitest";
import { chooseModel, projectedCost } from "../../fixtures/ops-copilot/cost-router.ts";
import { DEFAULT_PRICING, type Pricing } from "../../fixtures/ops-copilot/settings.ts";

const CAP = 0.004;
const surge = (multiplier: number, surgeModels: Pricing["surgeModels"] = ["small"]): Pricing => ({
  ...DEFAULT_PRICING,
  multiplier,
  surgeModels,
});
const route = (o: Partial<Parameters<typeof chooseModel>[0]>) =>
  chooseModel({
    preferred: "small",
    pricing: DEFAULT_PRICING,
    projectedTokens: 700,
    capUsd: CAP,
    routingOff: false,
    ...o,
  });

describe("projectedCost", () => {
  it("is tokens / 1000 × the effective price, surge multiplier included", () => {
    expect(projectedCost(DEFAULT_PRICING, "small", 700)).toBeCloseTo(0.0021, 10);
    expect(projectedCost(surge(4), "small", 700)).toBeCloseTo(0.0084, 10);
    expect(projectedCost(surge(4), "medium", 700)).toBeCloseTo(0.00315, 10);
  });
});

describe("chooseModel", () => {
  it("keeps the preferred model while it fits under the cap", () => {
    expect(route({})).toBe("small");
  });

  it("shifts to the cheapest model under the cap when the preferred one surges over it", () => {
    expect(route({ pricing: surge(4) })).toBe("medium");
  });

  it("routes a preferred large model (0.0105 per answer) down to the cheapest that fits", () => {
    expect(route({ preferred: "large" })).toBe("small");
    expect(route({ preferred: "large", pricing: surge(4) })).toBe("medium");
  });

  it("takes the cheapest model of all when none fits", () => {
    expect(route({ pricing: surge(10, ["small", "medium", "large"]) })).toBe("small");
    expect(route({ pricing: surge(4), projectedTokens: 5_000 })).toBe("medium");
  });

  it("uses the preferred model whatever the price with cost_routing_off", () => {
    expect(route({ pricing: surge(4), routingOff: true })).toBe("small");
    expect(route({ preferred: "large", routingOff: true })).toBe("large");
  });

  it("accepts a projected cost exactly at the cap", () => {
    expect(route({ projectedTokens: (CAP / 0.003) * 1000 })).toBe("small");
  });
});
