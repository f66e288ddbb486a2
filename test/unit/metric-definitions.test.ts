// The metric definitions of DESIGN.md on hand-built journals and sample stores: the edge cases
// (never recovers, flapping, empty buckets, alert before the fault, no ack, no secondary traffic)
// and accuracy against a known true instant.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JournalEntry, JournalEvent } from "../../src/engine/journal-events.ts";
import { judge } from "../../src/evaluate/evaluate.ts";
import { measureScenario } from "../../src/measure/metrics.ts";
import { firstRun, recovery } from "../../src/measure/recovery.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { validateScenario } from "../../src/scenario/loader.ts";
import type { ScenarioInput } from "../../src/scenario/schema.ts";

const T0 = 1_800_000_000_000;
const INJECT = T0 + 10_000;
const failOn = (status: number) => status === 0 || status >= 500;

function journal(events: Array<[number, JournalEvent]>): JournalEntry[] {
  return events.map(([t, e], i) => ({ ...e, seq: i + 1, t, mono: t - T0 }) as JournalEntry);
}

function scenario(extra: Partial<ScenarioInput> = {}) {
  return validateScenario(
    {
      id: "m",
      title: "M",
      owner: "SRE",
      hypothesis: "h",
      steadyState: { p95Ms: 500, errorRate: 0.05, sustain: "3s" },
      timeline: [{ at: "10s", inject: { kind: "http", target: "p", status: 502, duration: "20s" } }],
      ...extra,
    },
    "m.ts",
  );
}

const baseEvents = (end = T0 + 60_000): Array<[number, JournalEvent]> => [
  [T0, { type: "scenario.start", scenario: "m", plannedMs: 60_000 }],
  [
    INJECT - 5,
    {
      type: "fault.registered",
      scenario: "m",
      faultId: "f01",
      kind: "http",
      target: "p",
      tag: "gameday-x-f01",
      spec: {
        kind: "http",
        target: "p",
        status: 502,
        abort: false,
        match: {},
        percent: 100,
        duration: 20_000,
      },
    },
  ],
  [INJECT, { type: "fault.applied", faultId: "f01", plannedAt: INJECT, lateMs: 0 }],
  [INJECT + 20_000, { type: "fault.reverted", faultId: "f01", reason: "planned end" }],
  [end, { type: "scenario.end", scenario: "m", verdict: "PASS" }],
];

/** Requests every `gap` ms in [from, to); `health(t)` gives [latency ms, status]. */
function traffic(
  store: SampleStore,
  from: number,
  to: number,
  gap: number,
  health: (t: number) => [number, number],
  provider?: (t: number) => string,
) {
  for (let t = from; t < to; t += gap) {
    const [ms, status] = health(t);
    store.add("http_req_duration", t + ms, ms, { status: String(status) });
    if (provider)
      store.add("provider_responses", t + ms, 1, { provider: provider(t), status: String(status) });
  }
}

describe("recovery (TTR)", () => {
  it("is the first request after the last bad one, within 250 ms of the true instant", () => {
    const truth = INJECT + 7_340;
    const store = new SampleStore();
    traffic(store, T0, T0 + 60_000, 50, (t) => (t >= INJECT && t < truth ? [120, 502] : [80, 200]));
    const s = scenario({ expect: { ttr: "1m" } });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    const ttr = m.measurements.find((x) => x.metric === "ttr")!;
    expect(Math.abs(ttr.value! - (truth - INJECT))).toBeLessThanOrEqual(250);
    expect(ttr.verdict).toBe("PASS");
  });

  it("never recovering is a FAIL with how long was observed, not a crash", () => {
    const store = new SampleStore();
    traffic(store, T0, T0 + 60_000, 50, (t) => (t >= INJECT ? [900, 200] : [80, 200]));
    const m = measureScenario({
      scenario: scenario({ expect: { ttr: "1m" } }),
      entries: journal(baseEvents()),
      store,
    });
    const ttr = m.measurements.find((x) => x.metric === "ttr")!;
    expect(ttr.value).toBeNull();
    expect(ttr.verdict).toBe("FAIL");
    expect(ttr.note).toMatch(/^not recovered after 50 s observed/);
    expect(m.times.recover).toBeNull();
  });

  it("flapping around the threshold does not count as recovered early", () => {
    const store = new SampleStore();
    // Healthy for 2 s, bad for 1 s, repeatedly until INJECT + 20 s; then healthy.
    traffic(store, T0, T0 + 60_000, 50, (t) => {
      if (t < INJECT || t >= INJECT + 20_000) return [80, 200];
      return Math.floor((t - INJECT) / 1_000) % 3 === 2 ? [800, 200] : [80, 200];
    });
    const rec = recovery({
      store,
      steadyState: { p95Ms: 500, errorRate: 0.05, sustain: 3_000 },
      isFailure: failOn,
      from: INJECT,
      to: T0 + 60_000,
    });
    expect(rec.at).not.toBeNull();
    expect(rec.at!).toBeGreaterThanOrEqual(INJECT + 17_000);
    expect(rec.at!).toBeLessThanOrEqual(INJECT + 20_100);
  });

  it("empty buckets break a healthy run (silence is not health)", () => {
    const store = new SampleStore();
    traffic(store, INJECT, INJECT + 1_900, 50, () => [80, 200]);
    traffic(store, INJECT + 4_000, INJECT + 10_000, 50, () => [80, 200]);
    const rec = recovery({
      store,
      steadyState: { p95Ms: 500, errorRate: 0.05, sustain: 3_000 },
      isFailure: failOn,
      from: INJECT,
      to: INJECT + 10_000,
    });
    expect(rec.buckets[2]!.count).toBe(0);
    expect(rec.buckets[2]!.holds).toBe(false);
    expect(rec.at).toBeGreaterThanOrEqual(INJECT + 4_000);
  });

  it("counts from the decision in a rollback drill", () => {
    const decision = INJECT + 5_000;
    const fixed = decision + 2_200;
    const store = new SampleStore();
    traffic(store, T0, T0 + 60_000, 50, (t) => (t >= INJECT && t < fixed ? [1_300, 200] : [90, 200]));
    const events = baseEvents();
    events.splice(3, 0, [decision, { type: "decision", scenario: "m", what: "rollback" }]);
    const s = scenario({
      expect: { ttr: "30s" },
      runbook: { steps: [{ id: "1", title: "t", actions: [{ kind: "note", text: "x" }] }] },
    });
    const m = measureScenario({ scenario: s, entries: journal(events), store });
    const ttr = m.measurements.find((x) => x.metric === "ttr")!;
    expect(ttr.note).toMatch(/decision → healthy/);
    expect(Math.abs(ttr.value! - (fixed - decision))).toBeLessThanOrEqual(250);
  });

  it("property: recovery is never before the reference, never before the last bad request start, and stable", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 1, max: 5 }),
        (badFor, gap, sustainS) => {
          const store = new SampleStore();
          const truth = INJECT + badFor;
          traffic(store, INJECT, INJECT + 40_000, gap, (t) => (t < truth ? [50, 503] : [50, 200]));
          const steady = { p95Ms: 500, errorRate: 0.01, sustain: sustainS * 1_000 };
          const rec = recovery({
            store,
            steadyState: steady,
            isFailure: failOn,
            from: INJECT,
            to: INJECT + 40_000,
          });
          if (rec.at === null) return truth + sustainS * 1_000 > INJECT + 40_000 - 2_000;
          const lastBadStart = truth - ((truth - INJECT) % gap || gap);
          return rec.at >= INJECT && (badFor === 0 || rec.at > lastBadStart) && rec.at - truth <= gap;
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("property: firstRun finds the earliest run of the given length", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), (flags, len) => {
        const k = firstRun(flags, len);
        const naive = flags.findIndex(
          (_, i) => i + len <= flags.length && flags.slice(i, i + len).every(Boolean),
        );
        return k === naive;
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("detection and acknowledgement", () => {
  const alert = (
    t: number,
    startsAt: number | null,
    name = "Down",
    fp = "aaaaaaaaaaaaaaaa",
  ): [number, JournalEvent] => [
    t,
    {
      type: "alert.received",
      fingerprint: fp,
      name,
      status: "firing",
      startsAt,
      endsAt: null,
      receiver: "oncall",
      labels: { alertname: name },
    },
  ];

  it("TTD uses startsAt; MTTA the first ack; auto-acks are synthetic", () => {
    const events = [
      ...baseEvents(),
      alert(INJECT + 2_500, INJECT + 1_800),
      [
        INJECT + 6_000,
        {
          type: "alert.ack",
          fingerprint: "aaaaaaaaaaaaaaaa",
          name: "Down",
          by: "auto-responder",
          via: "auto",
          synthetic: true,
        },
      ] as [number, JournalEvent],
    ];
    const s = scenario({ expect: { alert: { name: "Down", ttd: "5s", mtta: "10s" } } });
    const m = measureScenario({
      scenario: s,
      entries: journal(events.sort((a, b) => a[0] - b[0])),
      store: new SampleStore(),
    });
    const ttd = m.measurements.find((x) => x.metric === "ttd")!;
    const mtta = m.measurements.find((x) => x.metric === "mtta")!;
    expect(ttd.value).toBe(1_800);
    expect(mtta.value).toBe(6_000 - 1_800);
    expect(mtta.synthetic).toBe(true);
    expect(mtta.note).toMatch(/synthetic/);
    expect(m.alerts[0]!.synthetic).toBe(true);
  });

  it("an alert that fired before the fault is not detection", () => {
    const events = [...baseEvents(), alert(INJECT - 3_000, INJECT - 3_500)].sort((a, b) => a[0] - b[0]);
    const s = scenario({ expect: { alert: { name: "Down", ttd: "5s" } } });
    const ttd = measureScenario({
      scenario: s,
      entries: journal(events),
      store: new SampleStore(),
    }).measurements.find((x) => x.metric === "ttd")!;
    expect(ttd.value).toBeNull();
    expect(ttd.verdict).toBe("FAIL");
    expect(ttd.note).toMatch(/started before the fault/);
  });

  it("no ack is an MTTA FAIL; falls back to receive time without startsAt", () => {
    const events = [...baseEvents(), alert(INJECT + 3_000, null)].sort((a, b) => a[0] - b[0]);
    const s = scenario({ expect: { alert: { name: "Down", ttd: "5s", mtta: "10s" } } });
    const m = measureScenario({ scenario: s, entries: journal(events), store: new SampleStore() });
    expect(m.measurements.find((x) => x.metric === "ttd")!.value).toBe(3_000);
    const mtta = m.measurements.find((x) => x.metric === "mtta")!;
    expect(mtta.value).toBeNull();
    expect(mtta.note).toBe("never acknowledged");
    expect(mtta.verdict).toBe("FAIL");
  });
});

describe("failover, cost, error budget, checks", () => {
  it("failover time and success from per-request samples", () => {
    const store = new SampleStore();
    const switchAt = INJECT + 400;
    traffic(
      store,
      T0,
      T0 + 60_000,
      50,
      (t) => (t >= INJECT && t < switchAt ? [30, 502] : [60, 200]),
      (t) => (t >= switchAt && t < INJECT + 20_000 ? "secondary" : "primary"),
    );
    const s = scenario({ expect: { failover: { to: "secondary", within: "1s", success: 1 } } });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    const time = m.measurements.find((x) => x.metric === "failover.time")!;
    expect(Math.abs(time.value! - 400)).toBeLessThanOrEqual(100);
    expect(m.measurements.find((x) => x.metric === "failover.success")!.value).toBe(1);
  });

  it("no traffic to the secondary: failover never happened, FAIL", () => {
    const store = new SampleStore();
    traffic(
      store,
      T0,
      T0 + 60_000,
      50,
      () => [30, 502],
      () => "primary",
    );
    const s = scenario({ expect: { failover: { to: "secondary", within: "1s" } } });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    const time = m.measurements.find((x) => x.metric === "failover.time")!;
    expect(time.value).toBeNull();
    expect(time.verdict).toBe("FAIL");
    expect(m.measurements.find((x) => x.metric === "failover.success")!.value).toBe(0);
  });

  it("cost containment: time until unit cost is back under the cap, sustained; never → FAIL", () => {
    const store = new SampleStore();
    for (let t = T0; t < T0 + 60_000; t += 100)
      store.add("unit_cost_usd", t, t >= INJECT && t < INJECT + 4_000 ? 0.008 : 0.003);
    const s = scenario({ expect: { unitCostUsd: { max: 0.004, within: "10s" } } });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    expect(m.measurements.find((x) => x.metric === "cost.containment")!.value).toBe(4_000);
    expect(m.measurements.find((x) => x.metric === "cost.peak")!.value).toBeCloseTo(0.008);
    const never = new SampleStore();
    for (let t = T0; t < T0 + 60_000; t += 100) never.add("unit_cost_usd", t, t >= INJECT ? 0.008 : 0.003);
    const c = measureScenario({
      scenario: s,
      entries: journal(baseEvents()),
      store: never,
    }).measurements.find((x) => x.metric === "cost.containment")!;
    expect(c.value).toBeNull();
    expect(c.verdict).toBe("FAIL");
  });

  it("error budget: 30 bad seconds at SLO 0.99 burn 0.1157 %", () => {
    const store = new SampleStore();
    traffic(store, T0, T0 + 60_000, 100, (t) =>
      t >= T0 + 10_000 && t < T0 + 40_000 ? [50, 503] : [50, 200],
    );
    const s = scenario({ expect: { errorBudget: { slo: 0.99, maxBurnPct: 25 } } });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    const burn = m.measurements.find((x) => x.metric === "error_budget.burn_pct")!;
    expect(burn.value).toBeCloseTo((0.5 / 432) * 100, 3);
    expect(burn.verdict).toBe("PASS");
  });

  it("series checks aggregate the right window, with label selectors", () => {
    const store = new SampleStore();
    for (let t = T0; t < T0 + 60_000; t += 1_000)
      store.add("copilot_depth_k", t, t >= INJECT + 1_000 && t < INJECT + 20_000 ? 4 : 8);
    store.add("pii_cases", T0 + 1, 1, { expected: "block", outcome: "blocked" });
    store.add("pii_cases", T0 + 2, 1, { expected: "allow", outcome: "allowed" });
    const s = scenario({
      expect: {
        checks: [
          { name: "min-fault", series: "copilot_depth_k", window: "fault", agg: "min", op: "<", value: 8 },
          { name: "last-after", series: "copilot_depth_k", window: "after", agg: "last", op: ">=", value: 8 },
          {
            name: "baseline-min",
            series: "copilot_depth_k",
            window: "baseline",
            agg: "min",
            op: ">=",
            value: 8,
          },
          {
            name: "leaks",
            series: 'pii_cases{expected="block",outcome="allowed"}',
            window: "run",
            agg: "count",
            op: "==",
            value: 0,
          },
          { name: "missing", series: "nothing_here", window: "run", agg: "max", op: ">", value: 0 },
        ],
      },
    });
    const m = measureScenario({ scenario: s, entries: journal(baseEvents()), store });
    const v = Object.fromEntries(m.measurements.map((x) => [x.metric, x]));
    expect(v["check:min-fault"]!.value).toBe(4);
    expect(v["check:last-after"]!.value).toBe(8);
    expect(v["check:baseline-min"]!.verdict).toBe("PASS");
    expect(v["check:leaks"]!.value).toBe(0);
    expect(v["check:missing"]!.value).toBeNull();
    // A series that never existed proves nothing: the harness reports ERROR, not FAIL.
    expect(v["check:missing"]!.verdict).toBe("ERROR");
  });
});

describe("verdicts", () => {
  it("PASS, WARN within the margin, FAIL beyond, FAIL for never, WARN for soft targets", () => {
    const t = { op: "<=" as const, value: 1_000, hard: true, warnMargin: 100 };
    expect(judge(900, t)).toBe("PASS");
    expect(judge(1_050, t)).toBe("WARN");
    expect(judge(1_200, t)).toBe("FAIL");
    expect(judge(null, t)).toBe("FAIL");
    expect(judge(1_200, { ...t, hard: false })).toBe("WARN");
    expect(judge(0.99, { op: ">=", value: 1, hard: true, warnMargin: 0 })).toBe("FAIL");
  });
});
