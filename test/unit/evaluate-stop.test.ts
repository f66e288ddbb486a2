import { describe, expect, it } from "vitest";
import { evaluateStop, startStopMonitor } from "../../src/evaluate/stop.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import type { StopConditions } from "../../src/scenario/schema.ts";

const failed = (tags: Readonly<Record<string, string>>) => tags.status !== "200";

describe("evaluateStop (pure)", () => {
  const store = new SampleStore();
  // 0–10 s: healthy at 20 rps; 10–20 s: every other request fails, latency 2 s
  for (let t = 0; t < 20_000; t += 50) {
    const bad = t >= 10_000 && (t / 50) % 2 === 0;
    store.add("http_req_duration", t, t >= 10_000 ? 2_000 : 100, { status: bad ? "502" : "200" });
  }
  const er: StopConditions = { errorRate: { above: 0.3, for: 4_000 } };

  it("fires once the trailing window's error rate is above the limit, not before", () => {
    // the 4 s window reaches 30 % failed at 10 s + 2.4 s
    expect(evaluateStop({ stopIf: er, store, failed }, 12_300, 0)).toBeUndefined();
    expect(evaluateStop({ stopIf: er, store, failed }, 12_500, 0)).toMatch(
      /error rate 3\d\.\d% > 30\.0% over the last 4000 ms/,
    );
  });

  it("needs the window observed: a young monitor does not fire on a partial window", () => {
    expect(evaluateStop({ stopIf: er, store, failed }, 19_000, 16_000)).toBeUndefined();
    expect(evaluateStop({ stopIf: er, store, failed }, 19_000, 15_000)).toBeDefined();
  });

  it("p95 over the trailing window", () => {
    const p: StopConditions = { p95Ms: { above: 1_000, for: 2_000 } };
    // 5 % of a 2 s window (2 of 40) slow is enough for the nearest-rank p95 to exceed 1 s
    expect(evaluateStop({ stopIf: p, store, failed }, 10_000, 0)).toBeUndefined();
    expect(evaluateStop({ stopIf: p, store, failed }, 10_150, 0)).toMatch(/p95 2000 ms > 1000 ms/);
  });

  it("needs minSamples requests in the window", () => {
    const tiny = new SampleStore();
    tiny.add("http_req_duration", 900, 10, { status: "502" });
    expect(
      evaluateStop({ stopIf: { errorRate: { above: 0.1, for: 0 } }, store: tiny, failed }, 1_000, 0),
    ).toBeUndefined();
    expect(
      evaluateStop(
        { stopIf: { errorRate: { above: 0.1, for: 0 } }, store: tiny, failed, minSamples: 1 },
        1_000,
        0,
      ),
    ).toBeDefined();
  });
});

/** Feeds a store in real time at ~50 rps; `bad(t)` decides each request. */
function feed(
  store: SampleStore,
  bad: (t: number) => boolean,
  ms: (b: boolean) => number = () => 10,
): { stop(): void; added: Array<{ t: number; bad: boolean }> } {
  const added: Array<{ t: number; bad: boolean }> = [];
  const timer = setInterval(() => {
    const t = Date.now();
    const b = bad(t);
    store.add("http_req_duration", t, ms(b), { status: b ? "502" : "200" });
    added.push({ t, bad: b });
  }, 20);
  return { stop: () => clearInterval(timer), added };
}

/** First instant (10 ms steps) at which the trailing-window condition held over what was fed. */
function firstHolding(
  added: Array<{ t: number; bad: boolean }>,
  since: number,
  until: number,
  window: number,
  holds: (w: Array<{ bad: boolean }>) => boolean,
): number | undefined {
  for (let now = since + window; now <= until; now += 10) {
    const w = added.filter((a) => a.t >= now - window && a.t <= now);
    if (w.length >= 5 && holds(w)) return now;
  }
  return undefined;
}

describe("startStopMonitor (real time)", () => {
  it("stops within 1 s of the error-rate condition starting to hold, and not before", async () => {
    const store = new SampleStore();
    const since = Date.now();
    const badFrom = since + 1_200;
    const f = feed(store, (t) => t >= badFrom);
    const fired = await new Promise<{ at: number; reason: string }>((resolve) => {
      startStopMonitor({
        stopIf: { errorRate: { above: 0.5, for: 1_000 } },
        store,
        failed,
        onStop: (reason) => resolve({ at: Date.now(), reason }),
      });
    });
    f.stop();
    const truth = firstHolding(
      f.added,
      since,
      fired.at,
      1_000,
      (w) => w.filter((a) => a.bad).length / w.length > 0.5,
    );
    expect(truth).toBeDefined();
    expect(fired.reason).toMatch(/error rate/);
    expect(fired.at).toBeGreaterThanOrEqual(truth! - 25);
    expect(fired.at - truth!).toBeLessThanOrEqual(1_000);
    // sanity: the condition began about half a window after the errors began
    expect(truth! - badFrom).toBeGreaterThan(300);
  });

  it("stops within 1 s of the p95 condition starting to hold", async () => {
    const store = new SampleStore();
    const since = Date.now();
    const slowFrom = since + 1_200;
    const f = feed(
      store,
      (t) => t >= slowFrom,
      (b) => (b ? 3_000 : 50),
    );
    const fired = await new Promise<number>((resolve) => {
      startStopMonitor({
        stopIf: { p95Ms: { above: 1_000, for: 1_000 } },
        store,
        failed: () => false,
        onStop: () => resolve(Date.now()),
      });
    });
    f.stop();
    const truth = firstHolding(
      f.added,
      since,
      fired,
      1_000,
      (w) => w.filter((a) => a.bad).length / w.length > 0.05,
    );
    expect(truth).toBeDefined();
    expect(fired).toBeGreaterThanOrEqual(truth! - 25);
    expect(fired - truth!).toBeLessThanOrEqual(1_000);
  });

  it("does not fire while the condition never holds, and stop() ends it", async () => {
    const store = new SampleStore();
    let n = 0;
    const f = feed(store, () => ++n % 3 === 0); // 33 % < 50 %
    let fired = false;
    const m = startStopMonitor({
      stopIf: { errorRate: { above: 0.5, for: 500 } },
      store,
      failed,
      tickMs: 100,
      onStop: () => (fired = true),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    m.stop();
    f.stop();
    expect(fired).toBe(false);
    expect(f.added.length).toBeGreaterThan(30);
  });

  it("with no conditions it does nothing", () => {
    const m = startStopMonitor({
      stopIf: {},
      store: new SampleStore(),
      failed,
      onStop: () => expect.unreachable(),
    });
    m.stop();
  });
});
