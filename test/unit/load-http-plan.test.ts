// The built-in engine's arrival-rate plan: stages, planned counts, the in-flight default, planned
// length and the --dry-run lines.
import { describe, expect, it } from "vitest";
import {
  describeLoad,
  loadDurationMs,
  maxInFlightOf,
  peakRate,
  plannedRequests,
  ratePlan,
} from "../../src/load/http-plan.ts";
import { type HttpLoad, httpLoad, k6Load } from "../../src/scenario/schema.ts";

const http = (o: Record<string, unknown>): HttpLoad =>
  httpLoad.parse({ kind: "http", target: "copilot", ...o });
const k6 = (o: Record<string, unknown>) => k6Load.parse({ kind: "k6", script: "load/chat.k6.ts", ...o });

describe("ratePlan", () => {
  it("is one flat stage for a constant rate", () => {
    expect(ratePlan(http({ rate: 20, duration: "14m" }))).toEqual([
      { durationMs: 840_000, from: 20, to: 20 },
    ]);
  });

  it("ramps from the start rate to each stage's target in turn", () => {
    expect(
      ratePlan(
        http({
          rate: 5,
          stages: [
            { duration: "30s", target: 40 },
            { duration: "1m", target: 40 },
            { duration: "10s", target: 0 },
          ],
        }),
      ),
    ).toEqual([
      { durationMs: 30_000, from: 5, to: 40 },
      { durationMs: 60_000, from: 40, to: 40 },
      { durationMs: 10_000, from: 40, to: 0 },
    ]);
  });

  it("starts a staged plan at 0 without a rate", () => {
    expect(ratePlan(http({ stages: [{ duration: "2s", target: 100 }] }))).toEqual([
      { durationMs: 2_000, from: 0, to: 100 },
    ]);
  });

  it("refuses a load that skipped the schema and has neither stages nor rate and duration", () => {
    const bad = { ...http({ rate: 1, duration: "1s" }), duration: undefined };
    expect(() => ratePlan(bad)).toThrow(/needs rate and duration/);
  });
});

describe("plannedRequests", () => {
  it.each([
    // [stages, planned]: the integral of the rate, rounded up (request k goes at H⁻¹(k), k = 0, 1, …).
    [[{ durationMs: 10_000, from: 20, to: 20 }], 200],
    [[{ durationMs: 3_000, from: 0.5, to: 0.5 }], 2], // 1.5 → 2
    [[{ durationMs: 30_000, from: 0.1, to: 0.1 }], 3], // 3.0000000000000004 in float: still 3
    [[{ durationMs: 3_000, from: 0.7, to: 0.7 }], 3], // 2.0999999999999996 → 3
    [[{ durationMs: 2_000, from: 0, to: 100 }], 100],
    [
      [
        { durationMs: 1_000, from: 20, to: 100 },
        { durationMs: 1_000, from: 100, to: 100 },
      ],
      160,
    ],
    [[{ durationMs: 1_300, from: 3, to: 10 }], 9], // 8.45 → 9
    [
      [
        { durationMs: 30_000, from: 2.5, to: 40 },
        { durationMs: 60_000, from: 40, to: 40 },
        { durationMs: 15_000, from: 40, to: 0 },
      ],
      3338, // 637.5 + 2400 + 300
    ],
  ])("%j → %i", (stages, n) => {
    expect(plannedRequests(stages)).toBe(n);
  });
});

describe("peakRate and maxInFlightOf", () => {
  it("finds the highest rate of any stage end", () => {
    expect(peakRate(ratePlan(http({ rate: 3, stages: [{ duration: "1s", target: 1 }] })))).toBe(3);
    expect(
      peakRate(
        ratePlan(
          http({
            stages: [
              { duration: "1s", target: 7 },
              { duration: "1s", target: 2 },
            ],
          }),
        ),
      ),
    ).toBe(7);
    expect(peakRate([])).toBe(0);
  });

  it("defaults to five seconds of arrivals at the peak rate, at least 10", () => {
    expect(maxInFlightOf(http({ rate: 1, duration: "1m" }))).toBe(10);
    expect(maxInFlightOf(http({ rate: 2, duration: "1m" }))).toBe(10);
    expect(maxInFlightOf(http({ rate: 2.5, duration: "1m" }))).toBe(13); // ⌈12.5⌉
    expect(maxInFlightOf(http({ rate: 20, duration: "1m" }))).toBe(100);
    expect(maxInFlightOf(http({ rate: 5, stages: [{ duration: "1m", target: 400 }] }))).toBe(2_000);
    expect(maxInFlightOf(http({ rate: 20, duration: "1m", maxInFlight: 7 }))).toBe(7);
  });
});

describe("loadDurationMs", () => {
  it("is the planned length of either kind of load", () => {
    expect(loadDurationMs(http({ rate: 20, duration: "14m" }))).toBe(840_000);
    expect(
      loadDurationMs(
        http({
          rate: 1,
          stages: [
            { duration: "30s", target: 10 },
            { duration: "90s", target: 0 },
          ],
        }),
      ),
    ).toBe(120_000);
    expect(loadDurationMs(k6({ rate: 20, duration: "2m" }))).toBe(120_000);
    expect(loadDurationMs(k6({ executor: "constant-vus", vus: 2, duration: "45s" }))).toBe(45_000);
    expect(
      loadDurationMs(
        k6({
          executor: "ramping-arrival-rate",
          rate: 1,
          stages: [
            { duration: "10s", target: 5 },
            { duration: "5s", target: 0 },
          ],
        }),
      ),
    ).toBe(15_000);
    expect(loadDurationMs(k6({ executor: "ramping-arrival-rate", rate: 1 }))).toBe(0);
    expect(loadDurationMs(k6({ rate: 1 }))).toBe(0);
  });
});

describe("describeLoad (what --dry-run prints)", () => {
  it("shows the generator's request 0, the planned count, the cap, the timeout and the stage", () => {
    const seen: number[] = [];
    const lines = describeLoad(
      http({
        rate: 10,
        duration: "10s",
        request: (i: number) => {
          seen.push(i);
          return { method: "post", path: `/v1/chat?i=${i}` };
        },
      }),
    );
    expect(lines).toEqual([
      "load: built-in engine, POST /v1/chat?i=0 (generated per request) to copilot: 100 requests over 10s, max 50 in flight, timeout 10s",
      "        0s +10s: 10/s",
    ]);
    // Only request 0 is built: a dry run sends and generates nothing else.
    expect(seen).toEqual([0]);
  });

  it("lists each stage with its start, length and rates; says when keep-alive is off", () => {
    expect(
      describeLoad(
        http({
          rate: 2.5,
          stages: [
            { duration: "30s", target: 40 },
            { duration: "1m", target: 40 },
            { duration: "15s", target: 0 },
          ],
          keepAlive: false,
          timeout: "2s",
          request: { path: "/health" },
        }),
      ),
    ).toEqual([
      "load: built-in engine, GET /health to copilot: 3338 requests over 1m45s, max 200 in flight, timeout 2s, no keep-alive",
      "        0s +30s: 2.50/s → 40/s",
      "       30s +1m: 40/s",
      "     1m30s +15s: 40/s → 0/s",
    ]);
  });

  it("says what went wrong when the generator cannot build request 0", () => {
    const [first] = describeLoad(
      http({
        rate: 1,
        duration: "5s",
        request: () => {
          throw new Error("no prompt file");
        },
      }),
    );
    expect(first).toBe(
      "load: built-in engine, generated requests (request 0 failed: no prompt file) to copilot: 5 requests over 5s, max 10 in flight, timeout 10s",
    );
  });

  it("names the user's k6 and its executor for a k6 load", () => {
    expect(describeLoad(k6({ rate: 20, duration: "1m" }))).toEqual([
      "load: your k6 on load/chat.k6.ts (constant-arrival-rate, 20/s)",
    ]);
    expect(describeLoad(k6({ executor: "constant-vus", vus: 3, duration: "1m" }))).toEqual([
      "load: your k6 on load/chat.k6.ts (constant-vus, 3 VUs)",
    ]);
    expect(
      describeLoad(k6({ executor: "ramping-arrival-rate", stages: [{ duration: "1m", target: 5 }] })),
    ).toEqual(["load: your k6 on load/chat.k6.ts (ramping-arrival-rate, 1 stage)"]);
  });
});
