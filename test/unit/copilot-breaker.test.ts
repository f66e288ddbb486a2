// The reference service's circuit breaker for the primary LLM: closed → open after N consecutive
// failures → one trial when half-open → closed on its success, open again on its failure.
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../fixtures/ops-copilot/breaker.ts";

function breaker(failures = 3, openMs = 2_000) {
  const calls: string[] = [];
  const b = new CircuitBreaker({
    failures,
    openMs,
    onOpen: () => calls.push("open"),
    onClose: () => calls.push("close"),
  });
  return { b, calls };
}

describe("CircuitBreaker", () => {
  it("stays closed below the failure threshold, and a success resets the count", () => {
    const { b, calls } = breaker(3);
    b.failure(0);
    b.failure(0);
    b.success();
    b.failure(0);
    b.failure(0);
    expect(b.state).toBe("closed");
    expect(b.allow(0)).toBe(true);
    expect(calls).toEqual([]);
  });

  it("opens after N consecutive failures and refuses requests for the open period", () => {
    const { b, calls } = breaker(3, 2_000);
    for (let i = 0; i < 3; i++) b.failure(1_000);
    expect(b.state).toBe("open");
    expect(b.open).toBe(true);
    expect(calls).toEqual(["open"]);
    expect(b.allow(1_000)).toBe(false);
    expect(b.allow(2_999)).toBe(false);
  });

  it("half-opens after the open period and lets exactly one trial through", () => {
    const { b } = breaker(3, 2_000);
    for (let i = 0; i < 3; i++) b.failure(1_000);
    expect(b.allow(3_000)).toBe(true);
    expect(b.state).toBe("half-open");
    expect(b.allow(3_001)).toBe(false);
    expect(b.allow(3_500)).toBe(false);
  });

  it("closes when the trial succeeds", () => {
    const { b, calls } = breaker(3, 2_000);
    for (let i = 0; i < 3; i++) b.failure(1_000);
    expect(b.allow(3_000)).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.allow(3_001)).toBe(true);
    expect(calls).toEqual(["open", "close"]);
  });

  it("opens again, without a second open event, when the trial fails; the open period restarts", () => {
    const { b, calls } = breaker(3, 2_000);
    for (let i = 0; i < 3; i++) b.failure(1_000);
    expect(b.allow(3_000)).toBe(true);
    b.failure(3_100);
    expect(b.state).toBe("open");
    expect(b.allow(4_000)).toBe(false);
    expect(b.allow(5_099)).toBe(false);
    expect(b.allow(5_100)).toBe(true);
    b.success();
    expect(calls).toEqual(["open", "close"]);
  });
});
