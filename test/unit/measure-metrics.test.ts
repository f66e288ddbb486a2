import { describe, expect, it } from "vitest";
import type { Measurement } from "../../src/evaluate/verdict.ts";
import { burnPct, errorBudgetBurn } from "../../src/measure/budget.ts";
import { measureScenario } from "../../src/measure/metrics.ts";
import type { BucketHealth } from "../../src/measure/recovery.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import type { ScenarioInput } from "../../src/scenario/schema.ts";
import { bad502, http502, JournalBuilder, load, ok, scenario, T0 } from "./measure-fixtures.ts";

const INJECT = T0 + 10_000;
const END = T0 + 60_000;
const base = (over: Partial<ScenarioInput> = {}) =>
  scenario({
    load: { kind: "k6", script: "load/chat.ts", rate: 20 },
    steadyState: { p95Ms: 1_200, errorRate: 0.01, sustain: 2_000 },
    timeline: [{ at: 10_000, inject: http502("20s") }],
    ...over,
  });
const get = (ms: Measurement[], metric: string): Measurement => {
  const m = ms.find((x) => x.metric === metric);
  if (!m) throw new Error(`no ${metric} in ${ms.map((x) => x.metric).join(", ")}`);
  return m;
};

/** Healthy traffic except `bad` between INJECT and `until`. */
function traffic(until: number, store = new SampleStore()): SampleStore {
  load(store, T0, END, 20, (t) => (t >= INJECT && t < until ? bad502 : ok));
  return store;
}

describe("detection and acknowledgement", () => {
  const s = base({ expect: { alert: { name: "LLMProviderDown", ttd: 30_000, mtta: 60_000 } } });

  it("ttd and mtta with targets, evidence and notes", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const fire = j.firing("LLMProviderDown", INJECT + 12_000, { startsAt: INJECT + 10_500 });
    const ack = j.ack("LLMProviderDown", INJECT + 40_000);
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 20_000),
      runEnd: END,
    });
    const ttd = get(m.measurements, "ttd");
    expect(ttd).toMatchObject({ value: 10_500, unit: "ms", verdict: "PASS", synthetic: false });
    expect(ttd.target).toEqual({ op: "<=", value: 30_000, hard: true, warnMargin: 3_000 });
    expect(ttd.evidence).toContain(`journal.jsonl#seq=${fire.seq}`);
    const mtta = get(m.measurements, "mtta");
    expect(mtta).toMatchObject({ value: 40_000 - 10_500, verdict: "PASS", synthetic: false });
    expect(mtta.evidence).toContain(`journal.jsonl#seq=${ack.seq}`);
    expect(m.times.ack).toBe(INJECT + 40_000);
    expect(m.alerts).toEqual([
      expect.objectContaining({
        name: "LLMProviderDown",
        ackAt: INJECT + 40_000,
        ackBy: "alice",
        synthetic: false,
      }),
    ]);
  });

  it("auto-ack is synthetic and says so", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 5_000);
    j.ack("LLMProviderDown", INJECT + 6_000, { auto: true });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 20_000),
      runEnd: END,
    });
    const mtta = get(m.measurements, "mtta");
    expect(mtta.synthetic).toBe(true);
    expect(mtta.note).toMatch(/auto-responder.*synthetic/);
    expect(m.alerts[0]!.synthetic).toBe(true);
  });

  it("no ack: mtta is null and FAIL", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 5_000);
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 20_000),
      runEnd: END,
    });
    expect(get(m.measurements, "mtta")).toMatchObject({
      value: null,
      verdict: "FAIL",
      note: "never acknowledged",
    });
  });

  it("alert firing before the inject is not detection: ttd FAIL with a note", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 1_000, { startsAt: INJECT - 4_000 });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 20_000),
      runEnd: END,
    });
    const ttd = get(m.measurements, "ttd");
    expect(ttd.value).toBeNull();
    expect(ttd.verdict).toBe("FAIL");
    expect(ttd.note).toMatch(
      /never fired.*ignored 1 LLMProviderDown alert\(s\) that started before the fault/,
    );
  });

  it("ttd just over target within the warn margin is WARN, beyond is FAIL", () => {
    for (const [delay, verdict] of [
      [31_000, "WARN"],
      [33_001, "FAIL"],
    ] as const) {
      const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
      j.firing("LLMProviderDown", INJECT + delay);
      expect(
        get(
          measureScenario({ scenario: s, entries: j.entries, store: traffic(INJECT + 20_000), runEnd: END })
            .measurements,
          "ttd",
        ).verdict,
      ).toBe(verdict);
    }
  });

  it("a fault never applied is ERROR, not FAIL", () => {
    const j = JournalBuilder.run("s1", { start: T0 });
    j.add({ type: "error", scenario: "s1", message: "toxiproxy: connection refused" }, INJECT);
    const m = measureScenario({ scenario: s, entries: j.entries, store: traffic(INJECT), runEnd: END });
    expect(get(m.measurements, "ttd").verdict).toBe("ERROR");
    expect(get(m.measurements, "ttd").note).toMatch(/never applied/);
  });

  it("a journal error makes a missing value ERROR", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const err = j.add({ type: "error", scenario: "s1", message: "alert receiver crashed" }, INJECT + 1_000);
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 20_000),
      runEnd: END,
    });
    const ttd = get(m.measurements, "ttd");
    expect(ttd.verdict).toBe("ERROR");
    expect(ttd.note).toContain("alert receiver crashed");
    expect(ttd.note).toContain(`seq=${err.seq}`);
  });
});

describe("recovery", () => {
  it("TTR from the fault, refined per request", () => {
    const truth = INJECT + 17_777;
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: base({ expect: { ttr: 30_000 } }),
      entries: j.entries,
      store: traffic(truth),
      runEnd: END,
    });
    const ttr = get(m.measurements, "ttr");
    expect(Math.abs(ttr.value! - 17_777)).toBeLessThan(250);
    expect(ttr.verdict).toBe("PASS");
    expect(ttr.note).toMatch(/^fault → healthy/);
    expect(m.times.recover).toBe(INJECT + ttr.value!);
  });

  it("never recovered: null, FAIL, 'not recovered after N s observed'", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: base({ expect: { ttr: 30_000 } }),
      entries: j.entries,
      store: traffic(END),
      runEnd: END,
    });
    const ttr = get(m.measurements, "ttr");
    expect(ttr).toMatchObject({ value: null, verdict: "FAIL" });
    expect(ttr.note).toMatch(/^not recovered after 50 s observed/);
    expect(m.times.recover).toBeNull();
  });

  it("rollback drill: TTR is decision → healthy", () => {
    const truth = INJECT + 25_000;
    const j = JournalBuilder.run("rb", { start: T0, inject: INJECT });
    const decision = j.add({ type: "decision", scenario: "rb", what: "rollback" }, INJECT + 15_000);
    const s = base({
      id: "rb",
      timeline: [
        { at: 10_000, inject: http502("60s") },
        { at: 25_000, decide: "rollback" },
      ],
      runbook: { steps: [{ id: "1", title: "declare", actions: [{ kind: "declare", severity: "Sev-2" }] }] },
      expect: { ttr: 30_000 },
    });
    const m = measureScenario({ scenario: s, entries: j.entries, store: traffic(truth), runEnd: END });
    const ttr = get(m.measurements, "ttr");
    expect(Math.abs(ttr.value! - 10_000)).toBeLessThan(250);
    expect(ttr.note).toMatch(/^decision → healthy/);
    expect(ttr.evidence).toContain(`journal.jsonl#seq=${decision.seq}`);
  });

  it("no load samples at all is ERROR", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: base({ expect: { ttr: 30_000 } }),
      entries: j.entries,
      store: new SampleStore(),
      runEnd: END,
    });
    expect(get(m.measurements, "ttr")).toMatchObject({ verdict: "ERROR", value: null });
    expect(get(m.measurements, "ttr").note).toMatch(/no load samples/);
  });
});

describe("failover", () => {
  const s = base({ expect: { failover: { to: "secondary", within: 5_000, success: 0.95 } } });
  function failoverTraffic(switchAt: number | null): SampleStore {
    const store = new SampleStore();
    load(store, T0, END, 20, (t) => {
      const onSecondary = switchAt !== null && t >= switchAt;
      const failing = t >= INJECT && t < INJECT + 20_000 && !onSecondary;
      store.add("provider_responses", t, 1, {
        provider: onSecondary && t < INJECT + 20_000 ? "secondary" : "primary",
        status: failing ? "502" : "200",
      });
      return failing ? bad502 : ok;
    });
    return store;
  }

  it("failover time is the first secondary 2xx − t_inject; success over [failover, fault end]", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: failoverTraffic(INJECT + 3_000),
      runEnd: END,
    });
    const ft = get(m.measurements, "failover.time");
    expect(ft.value).toBeGreaterThanOrEqual(3_000);
    expect(ft.value).toBeLessThan(3_100);
    expect(ft.verdict).toBe("PASS");
    expect(m.times.mitigate).toBe(INJECT + ft.value!);
    const fs = get(m.measurements, "failover.success");
    expect(fs).toMatchObject({ value: 1, unit: "ratio", verdict: "PASS" });
    expect(fs.target).toEqual({ op: ">=", value: 0.95, hard: true, warnMargin: 0 });
  });

  it("no traffic to the secondary: failover.time null FAIL; success over the whole fault window", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({ scenario: s, entries: j.entries, store: failoverTraffic(null), runEnd: END });
    expect(get(m.measurements, "failover.time")).toMatchObject({ value: null, verdict: "FAIL" });
    const fs = get(m.measurements, "failover.success");
    // only requests started before the fault and completing just after it succeeded
    expect(fs.value).toBeLessThan(0.02);
    expect(fs.verdict).toBe("FAIL");
    expect(fs.note).toMatch(/no failover/);
  });

  it("fault end is the revert when journalled", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.add({ type: "fault.reverted", faultId: "f1", reason: "end" }, INJECT + 8_000);
    // switch late: from +6 s; errors until +20 s don't matter after the revert at +8 s… but they do before.
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: failoverTraffic(INJECT + 6_000),
      runEnd: END,
    });
    const fs = get(m.measurements, "failover.success");
    // ~2 s of requests between failover (+6 s) and revert (+8 s), all 2xx
    expect(fs.value).toBe(1);
    expect(fs.note).toMatch(/of (3\d|4\d) requests/);
  });
});

describe("cost", () => {
  function costTraffic(costAt: (t: number) => number): SampleStore {
    const store = new SampleStore();
    load(store, T0, END, 20, (t) => {
      store.add("unit_cost_usd", t, costAt(t), { provider: "p" });
      return ok;
    });
    return store;
  }

  it("containment: time until the per-second mean is back ≤ cap, sustained; peak reported", () => {
    const s = base({ expect: { unitCostUsd: { max: 0.004, within: 20_000 } } });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: costTraffic((t) => (t >= INJECT && t < INJECT + 12_500 ? 0.012 : 0.003)),
      runEnd: END,
    });
    const c = get(m.measurements, "cost.containment");
    // second 12 is mixed (mean over cap), 13 is the first whole second back under the cap
    expect(c.value).toBe(13_000);
    expect(c.verdict).toBe("PASS");
    const peak = get(m.measurements, "cost.peak");
    expect(peak.value).toBeCloseTo(0.012, 9);
    expect(peak.target).toBeNull();
  });

  it("cost never back under the cap: null, FAIL", () => {
    const s = base({ expect: { unitCostUsd: { max: 0.004, within: 20_000 } } });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: costTraffic((t) => (t >= INJECT ? 0.009 : 0.003)),
      runEnd: END,
    });
    const c = get(m.measurements, "cost.containment");
    expect(c).toMatchObject({ value: null, verdict: "FAIL" });
    expect(c.note).toMatch(/never back ≤ \$0.004/);
  });

  it("without a containment window, the peak must stay under the cap; a mean exactly at the cap passes", () => {
    const s = base({ expect: { unitCostUsd: { max: 0.004 } } });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: costTraffic(() => 0.004),
      runEnd: END,
    });
    expect(get(m.measurements, "cost.peak").verdict).toBe("PASS");
    const m2 = measureScenario({
      scenario: s,
      entries: j.entries,
      store: costTraffic((t) => (t > INJECT + 5_000 ? 0.0041 : 0.003)),
      runEnd: END,
    });
    expect(get(m2.measurements, "cost.peak").verdict).toBe("FAIL");
  });

  it("no cost samples at all is ERROR", () => {
    const s = base({ expect: { unitCostUsd: { max: 0.004, within: 20_000 } } });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const m = measureScenario({
      scenario: s,
      entries: j.entries,
      store: traffic(INJECT + 1_000),
      runEnd: END,
    });
    expect(get(m.measurements, "cost.containment").verdict).toBe("ERROR");
  });
});

describe("error budget", () => {
  it("30 bad 1 s buckets at SLO 0.99 burn 0.5 / 432 min = 0.1157 %", () => {
    const buckets: BucketHealth[] = Array.from({ length: 100 }, (_, k) => ({
      start: T0 + k * 1_000,
      count: 20,
      p95: 100,
      errorRate: 0,
      costMean: undefined,
      holds: !(k >= 10 && k < 40),
    }));
    const b = errorBudgetBurn(buckets, T0 + 100_000, 0.99);
    expect(b.badMs).toBe(30_000);
    expect(b.budgetMinutes).toBeCloseTo(432, 9);
    expect(b.burnPct).toBeCloseTo(0.1157, 4);
    expect(burnPct(0.5, 0.99)).toBeCloseTo((0.5 / 432) * 100, 12);
  });

  it("from samples: 30 s of errors → 0.1157 %; empty buckets inside the load count, outside do not", () => {
    const s = base({ expect: { errorBudget: { slo: 0.99, maxBurnPct: 0.1 } } });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const store = new SampleStore();
    load(store, T0 + 5_000, T0 + 55_000, 20, (t) => (t >= INJECT && t < INJECT + 30_000 ? bad502 : ok));
    const m = measureScenario({ scenario: s, entries: j.entries, store, runEnd: END });
    const burn = get(m.measurements, "error_budget.burn_pct");
    expect(burn.value).toBeCloseTo(0.1157, 4);
    expect(burn.unit).toBe("pct");
    expect(burn.verdict).toBe("FAIL"); // 0.1157 > 0.1, no margin on budgets

    const gap = new SampleStore();
    load(gap, T0 + 5_000, T0 + 19_850, 20, () => ok); // completes by 19.95 s
    load(gap, T0 + 23_000, T0 + 55_000, 20, () => ok); // 3 s with no answers at all
    const g = get(
      measureScenario({ scenario: s, entries: j.entries, store: gap, runEnd: END }).measurements,
      "error_budget.burn_pct",
    );
    expect(g.value).toBeCloseTo((3 / 60 / 432) * 100, 6);
  });
});

describe("series checks", () => {
  const j = JournalBuilder.run("s1", { start: T0, inject: INJECT, spec: http502("20s") });
  const store = new SampleStore();
  load(store, T0, END, 20, (t) => {
    store.add("provider_responses", t, 1, {
      provider: t >= INJECT && t < INJECT + 20_000 ? "secondary" : "primary",
      status: "200",
    });
    return t >= INJECT && t < INJECT + 2_000 ? bad502 : ok;
  });
  for (let t = T0 + 500; t < END; t += 1_000) {
    store.add(
      "copilot_embedding_queue_depth",
      t,
      t >= INJECT && t < INJECT + 20_000 ? 3 + ((t - INJECT) % 5_000) / 1_000 : 0,
      { queue: "embed" },
    );
  }
  store.add("copilot_breaker_open", INJECT + 1_000, 1);
  const check = (c: NonNullable<ScenarioInput["expect"]>["checks"]) =>
    measureScenario({ scenario: base({ expect: { checks: c } }), entries: j.entries, store, runEnd: END })
      .measurements;

  it("windows: baseline / fault / after / run", () => {
    const ms = check([
      {
        name: "q-baseline",
        series: "copilot_embedding_queue_depth",
        window: "baseline",
        agg: "max",
        op: "==",
        value: 0,
      },
      {
        name: "q-fault",
        series: 'copilot_embedding_queue_depth{queue="embed"}',
        window: "fault",
        agg: "max",
        op: ">",
        value: 0,
      },
      {
        name: "q-after",
        series: "copilot_embedding_queue_depth",
        window: "after",
        agg: "last",
        op: "==",
        value: 0,
      },
      {
        name: "q-run-min",
        series: "copilot_embedding_queue_depth",
        window: "run",
        agg: "min",
        op: ">=",
        value: 0,
      },
    ]);
    expect(get(ms, "check:q-baseline")).toMatchObject({ value: 0, verdict: "PASS" });
    expect(get(ms, "check:q-fault").value).toBeCloseTo(7.5, 9);
    expect(get(ms, "check:q-after")).toMatchObject({ value: 0, verdict: "PASS" });
    expect(get(ms, "check:q-run-min").verdict).toBe("PASS");
    expect(get(ms, "check:q-fault").evidence).toEqual([
      'samples:copilot_embedding_queue_depth{queue="embed"}',
    ]);
  });

  it("counters use counts; error_rate is per second; count/sum are over raw samples", () => {
    const ms = check([
      {
        name: "secondary-rps",
        series: 'provider_responses{provider="secondary"}',
        window: "fault",
        agg: "mean",
        op: ">",
        value: 15,
      },
      {
        name: "secondary-total",
        series: 'provider_responses{provider="secondary"}',
        window: "run",
        agg: "count",
        op: ">",
        value: 0,
      },
      { name: "max-err", series: "error_rate", window: "run", agg: "max", op: "==", value: 0 },
      { name: "failed", series: "error_rate", window: "fault", agg: "sum", op: "<", value: 100 },
      { name: "soft", series: "error_rate", window: "after", agg: "mean", op: ">", value: 0.5, hard: false },
    ]);
    const rps = get(ms, "check:secondary-rps").value!;
    expect(rps).toBeGreaterThan(17);
    expect(rps).toBeLessThan(23);
    expect(get(ms, "check:secondary-total").value).toBeGreaterThan(350);
    expect(get(ms, "check:max-err")).toMatchObject({ value: 1, verdict: "FAIL" });
    const failed = get(ms, "check:failed").value!;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(50);
    expect(get(ms, "check:soft").verdict).toBe("WARN");
  });

  it("a series that does not exist is ERROR; an empty window is null → FAIL", () => {
    const ms = check([
      { name: "ghost", series: "no_such_metric", window: "run", agg: "max", op: ">", value: 0 },
      { name: "empty", series: "copilot_breaker_open", window: "baseline", agg: "max", op: "<=", value: 1 },
      { name: "in-fault", series: "copilot_breaker_open", window: "fault", agg: "max", op: "<=", value: 1 },
    ]);
    expect(get(ms, "check:ghost").verdict).toBe("ERROR");
    expect(get(ms, "check:empty")).toMatchObject({ value: null, verdict: "FAIL" });
    expect(get(ms, "check:empty").note).toMatch(
      /^no per-second means of copilot_breaker_open in the baseline window/,
    );
    expect(get(ms, "check:in-fault")).toMatchObject({ value: 1, verdict: "PASS" });
  });
});
