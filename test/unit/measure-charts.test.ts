import { describe, expect, it } from "vitest";
import { buildCharts } from "../../src/measure/charts.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { T0 } from "./measure-fixtures.ts";

describe("buildCharts", () => {
  const store = new SampleStore();
  // second 0: 20 requests, latencies 10..200 ms, 2 failures; second 1: nothing; second 2: 4 fast ok
  for (let k = 0; k < 20; k++)
    store.add("http_req_duration", T0 + k * 50, (k + 1) * 10, { status: k < 2 ? "502" : "200" });
  for (let k = 0; k < 4; k++) store.add("http_req_duration", T0 + 2_000 + k * 200, 5, { status: "200" });
  for (let k = 0; k < 6; k++)
    store.add("provider_responses", T0 + k * 100, 1, {
      provider: k < 4 ? "primary" : "secondary",
      status: "200",
    });
  for (let k = 0; k < 3; k++)
    store.add("provider_responses", T0 + 2_000 + k * 100, 1, { provider: "secondary", status: "200" });
  store.add("unit_cost_usd", T0 + 100, 0.002, { provider: "primary" });
  store.add("unit_cost_usd", T0 + 200, 0.004, { provider: "primary" });
  store.add("copilot_embedding_queue_depth", T0 + 2_500, 7);
  store.add("http_req_duration", T0 + 9_000, 1, { status: "200" }); // outside [from, to)

  const c = buildCharts(store, T0, T0 + 3_000);

  it("per-second p95 and error rate, empty seconds left out", () => {
    expect(c.p95Ms).toEqual([
      [T0, 190],
      [T0 + 2_000, 5],
    ]);
    expect(c.errorRate).toEqual([
      [T0, 0.1],
      [T0 + 2_000, 0],
    ]);
  });

  it("provider mix in requests per second, 0 where another provider had traffic", () => {
    expect(c.providerMix).toEqual({
      primary: [
        [T0, 4],
        [T0 + 2_000, 0],
      ],
      secondary: [
        [T0, 2],
        [T0 + 2_000, 3],
      ],
    });
  });

  it("mean unit cost and queue depth from the gauge whose name contains queue_depth", () => {
    expect(c.unitCostUsd).toHaveLength(1);
    expect(c.unitCostUsd[0]![1]).toBeCloseTo(0.003, 12);
    expect(c.queueDepth).toEqual([[T0 + 2_000, 7]]);
    expect(buildCharts(new SampleStore(), T0, T0 + 1_000).queueDepth).toEqual([]);
  });

  it("the failure classifier decides the error rate", () => {
    const only5xx = buildCharts(store, T0, T0 + 1_000, (s) => s === 0);
    expect(only5xx.errorRate).toEqual([[T0, 0]]);
  });
});
