// The reference service's circuit breaker for the primary LLM: closed → open after N consecutive
// failures → one trial when half-open → closed on its success, open again on its failure. Outcomes
// of calls that started before the current state began do not change it.
import { describe, expect, it } from "vitest";
import { type BreakerCall, CircuitBreaker } from "../../fixtures/ops-copilot/breaker.ts";

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

function permit(b: CircuitBreaker, now: number): BreakerCall {
  const p = b.allow(now);
  if (!p) throw new Error(`breaker refused a call at ${now} (state ${b.state})`);
  return p;
}

/** N failures of calls started and finished at `now`. */
function trip(b: CircuitBreaker, n: number, now: number): void {
  for (let i = 0; i < n; i++) b.failure(permit(b, now), now);
}

describe("CircuitBreaker", () => {
  it("stays closed below the failure threshold, and a success resets the count", () => {
    const { b, calls } = breaker(3);
    trip(b, 2, 0);
    b.success(permit(b, 0));
    trip(b, 2, 0);
    expect(b.state).toBe("closed");
    expect(b.allow(0)).toBeDefined();
    expect(calls).toEqual([]);
  });

  it("opens after N consecutive failures and refuses requests for the open period", () => {
    const { b, calls } = breaker(3, 2_000);
    trip(b, 3, 1_000);
    expect(b.state).toBe("open");
    expect(b.open).toBe(true);
    expect(calls).toEqual(["open"]);
    expect(b.allow(1_000)).toBeUndefined();
    expect(b.allow(2_999)).toBeUndefined();
  });

  it("half-opens after the open period and lets exactly one trial through", () => {
    const { b } = breaker(3, 2_000);
    trip(b, 3, 1_000);
    expect(b.allow(3_000)).toBeDefined();
    expect(b.state).toBe("half-open");
    expect(b.allow(3_001)).toBeUndefined();
    expect(b.allow(3_500)).toBeUndefined();
  });

  it("closes when the trial succeeds", () => {
    const { b, calls } = breaker(3, 2_000);
    trip(b, 3, 1_000);
    b.success(permit(b, 3_000));
    expect(b.state).toBe("closed");
    expect(b.allow(3_001)).toBeDefined();
    expect(calls).toEqual(["open", "close"]);
  });

  it("opens again, without a second open event, when the trial fails; the open period restarts", () => {
    const { b, calls } = breaker(3, 2_000);
    trip(b, 3, 1_000);
    b.failure(permit(b, 3_000), 3_100);
    expect(b.state).toBe("open");
    expect(b.allow(4_000)).toBeUndefined();
    expect(b.allow(5_099)).toBeUndefined();
    b.success(permit(b, 5_100));
    expect(calls).toEqual(["open", "close"]);
  });

  it("ignores the success of a call that was in flight when it opened (no flap back to closed)", () => {
    const { b, calls } = breaker(3, 2_000);
    const slow = permit(b, 1_000);
    trip(b, 3, 1_000);
    expect(b.state).toBe("open");
    b.success(slow);
    expect(b.state).toBe("open");
    expect(b.allow(1_003)).toBeUndefined();
    expect(calls).toEqual(["open"]);
  });

  it("in half-open, only the trial decides: a late success or failure from before does not", () => {
    const { b, calls } = breaker(3, 2_000);
    const lateOk = permit(b, 1_000);
    const lateFail = permit(b, 1_000);
    trip(b, 3, 1_000);
    const trial = permit(b, 3_000);
    b.success(lateOk);
    expect(b.state).toBe("half-open");
    b.failure(lateFail, 3_010);
    expect(b.state).toBe("half-open");
    expect(b.allow(3_020)).toBeUndefined();
    b.success(trial);
    expect(b.state).toBe("closed");
    expect(calls).toEqual(["open", "close"]);
  });

  it("a late failure from before the open does not count towards the next closed period", () => {
    const { b, calls } = breaker(2, 2_000);
    const late1 = permit(b, 1_000);
    const late2 = permit(b, 1_000);
    trip(b, 2, 1_000);
    b.success(permit(b, 3_000));
    expect(b.state).toBe("closed");
    b.failure(late1, 3_100);
    b.failure(late2, 3_100);
    expect(b.state).toBe("closed");
    trip(b, 1, 3_200);
    expect(b.state).toBe("closed");
    trip(b, 1, 3_200);
    expect(b.state).toBe("open");
    expect(calls).toEqual(["open", "close", "open"]);
  });

  it("a late trial outcome after it re-opened does not close it", () => {
    const { b } = breaker(3, 2_000);
    trip(b, 3, 1_000);
    const trial = permit(b, 3_000);
    b.failure(trial, 3_100);
    b.success(trial);
    expect(b.state).toBe("open");
  });
});
