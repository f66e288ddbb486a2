import { describe, expect, it } from "vitest";
import { k6Config, plannedLoadMs } from "../../src/load/k6-options.ts";
import { k6Load } from "../../src/scenario/schema.ts";

const load = (o: Record<string, unknown>) =>
  k6Load.parse({ kind: "k6", script: "scenarios/load/chat.ts", ...o });

describe("k6Config", () => {
  it("builds one constant-arrival-rate scenario with VUs sized from the rate", () => {
    const cfg = k6Config(load({ rate: 20, duration: "14m", tags: { team: "sre" } }));
    expect(cfg.scenarios).toEqual({
      gameday: {
        executor: "constant-arrival-rate",
        rate: 20,
        timeUnit: "1s",
        duration: "840000ms",
        preAllocatedVUs: 10,
        maxVUs: 100,
        gracefulStop: "10s",
        tags: { team: "sre" },
      },
    });
  });

  it("turns fractional rates into whole arrivals per longer time unit", () => {
    expect(k6Config(load({ rate: 0.5, duration: "1m" })).scenarios.gameday).toMatchObject({
      rate: 1,
      timeUnit: "2s",
    });
    expect(k6Config(load({ rate: 2.5, duration: "1m" })).scenarios.gameday).toMatchObject({
      rate: 5,
      timeUnit: "2s",
    });
    expect(k6Config(load({ rate: 0.1, duration: "1m" })).scenarios.gameday).toMatchObject({
      rate: 1,
      timeUnit: "10s",
    });
  });

  it("honours explicit vus/maxVUs and never pre-allocates more than the maximum", () => {
    expect(k6Config(load({ rate: 100, duration: "1m", vus: 5, maxVUs: 8 })).scenarios.gameday).toMatchObject({
      preAllocatedVUs: 5,
      maxVUs: 8,
    });
    expect(k6Config(load({ rate: 100, duration: "1m", maxVUs: 8 })).scenarios.gameday).toMatchObject({
      preAllocatedVUs: 8,
      maxVUs: 8,
    });
  });

  it("builds ramping-arrival-rate stages on a common time unit", () => {
    const l = load({
      executor: "ramping-arrival-rate",
      rate: 1.5,
      stages: [
        { duration: "30s", target: 10 },
        { duration: "1m", target: 0.5 },
      ],
    });
    expect(k6Config(l).scenarios.gameday).toMatchObject({
      executor: "ramping-arrival-rate",
      startRate: 3,
      timeUnit: "2s",
      stages: [
        { duration: "30000ms", target: 20 },
        { duration: "60000ms", target: 1 },
      ],
      preAllocatedVUs: 5,
      maxVUs: 50,
    });
    expect(plannedLoadMs(l)).toBe(90_000);
  });

  it("builds constant-vus", () => {
    expect(k6Config(load({ executor: "constant-vus", vus: 3, duration: "10s" })).scenarios.gameday).toEqual({
      executor: "constant-vus",
      vus: 3,
      duration: "10000ms",
      gracefulStop: "10s",
      tags: {},
    });
  });

  it.each([
    [{ duration: "1m" }, /load.rate is required/],
    [{ rate: 5 }, /load.duration is required for the constant-arrival-rate/],
    [{ executor: "ramping-arrival-rate" }, /load.stages is required/],
    [{ executor: "constant-vus" }, /load.duration is required for the constant-vus/],
  ])("says which field is missing: %o", (o, message) => {
    expect(() => k6Config(load(o))).toThrow(message);
  });
});
