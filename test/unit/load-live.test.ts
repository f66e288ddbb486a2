import { describe, expect, it } from "vitest";
import { LiveStats } from "../../src/load/live.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("LiveStats", () => {
  it("reports rps, error rate and percentiles over the last whole seconds", () => {
    const live = new LiveStats();
    // Seconds 0..4: 100 requests each with latencies 1..100 ms; every 10th answers 502.
    for (let s = 0; s < 5; s++) {
      for (let i = 1; i <= 100; i++) live.record(T0 + s * 1000 + i * 5, i, i % 10 === 0 ? 502 : 200);
    }
    live.record(T0 + 5_100, 5_000, 200); // current second: left out by default
    const snap = live.snapshot(5, T0 + 5_500);
    expect(snap).toMatchObject({ fromMs: T0, toMs: T0 + 5_000, requests: 500, failures: 50, rps: 100 });
    expect(snap.errorRate).toBeCloseTo(0.1, 10);
    expect(snap.p50).toBeCloseTo(50, 0);
    expect(snap.p95).toBeCloseTo(95, 0);
    expect(snap.p99).toBeCloseTo(99, 0);
    expect(live.snapshot(1, T0 + 5_500, true).p99).toBeCloseTo(5_000, -1);
    expect(live.snapshot(6, T0 + 5_500, true).requests).toBe(501);
    expect(live.snapshot(2, T0 + 5_500).requests).toBe(200);
    expect(live.totalRequests).toBe(501);
    expect(live.totalFailures).toBe(50);
  });

  it("keeps sub-millisecond resolution", () => {
    const live = new LiveStats();
    for (let i = 0; i < 100; i++) live.record(T0 + i, 0.25 + i * 0.001, 200);
    const snap = live.snapshot(1, T0 + 1_000);
    expect(snap.p50).toBeGreaterThan(0.28);
    expect(snap.p50).toBeLessThan(0.31);
  });

  it.each([
    { failOn: ["5xx", "429", "network"] as const, failures: 3 },
    { failOn: ["5xx"] as const, failures: 1 },
    { failOn: ["4xx"] as const, failures: 2 },
    { failOn: ["network"] as const, failures: 1 },
    { failOn: ["5xx", "4xx", "network"] as const, failures: 4 },
  ])("classifies failures per failOn $failOn", ({ failOn, failures }) => {
    const live = new LiveStats({ failOn: [...failOn] });
    for (const status of [200, 204, 302, 404, 429, 503, 0]) live.record(T0 + 10, 1, status);
    expect(live.snapshot(1, T0 + 1_000).failures).toBe(failures);
  });

  it("forgets seconds older than its history and empty windows have NaN rates", () => {
    const live = new LiveStats({ historySeconds: 10 });
    live.record(T0, 1, 500);
    live.record(T0 + 12_000, 1, 200); // reuses the ring slot of T0+2s, not T0
    live.record(T0 + 10_000, 2, 200); // reuses the slot of T0
    const snap = live.snapshot(9, T0 + 13_000);
    expect(snap.requests).toBe(2);
    expect(snap.failures).toBe(0);
    const empty = live.snapshot(5, T0 + 60_000);
    expect(empty.requests).toBe(0);
    expect(empty.errorRate).toBeNaN();
    expect(empty.p95).toBeNaN();
  });
});
