import { describe, expect, it } from "vitest";
import { SampleStore } from "../../src/measure/samples.ts";
import { scenarioTimeline, scenarioTimes } from "../../src/measure/times.ts";
import { bad502, http502, JournalBuilder, load, ok, scenario, T0 } from "./measure-fixtures.ts";

const INJECT = T0 + 10_000;
const base = {
  load: { kind: "k6" as const, script: "load/chat.ts", rate: 20 },
  steadyState: { p95Ms: 1_200, errorRate: 0.01, sustain: 2_000 },
  timeline: [{ at: 10_000, inject: http502() }],
};

describe("scenarioTimes", () => {
  it("t_inject is the first fault.applied of this scenario's faults, not another scenario's", () => {
    const j = JournalBuilder.run("s1", { start: T0 });
    // another scenario's fault applied earlier in the same run
    j.add(
      {
        type: "fault.registered",
        scenario: "other",
        faultId: "x",
        kind: "redis",
        target: "cache",
        tag: "t",
        spec: { kind: "redis", target: "cache", purge: "all" },
      },
      T0 + 1_000,
    );
    j.add({ type: "fault.applied", faultId: "x", plannedAt: T0 + 1_000, lateMs: 0 }, T0 + 1_000);
    const spec = {
      kind: "http" as const,
      target: "llm-primary",
      status: 502,
      duration: 20_000,
      abort: false,
      match: {},
      percent: 100,
    };
    j.add(
      {
        type: "fault.registered",
        scenario: "s1",
        faultId: "f1",
        kind: "http",
        target: "llm-primary",
        tag: "t1",
        spec,
      },
      INJECT - 5,
    );
    j.add({ type: "fault.applied", faultId: "f1", plannedAt: INJECT, lateMs: 3 }, INJECT + 3);
    const t = scenarioTimes({
      scenario: scenario(base),
      entries: j.entries,
      store: new SampleStore(),
      runEnd: T0 + 60_000,
    });
    expect(t.inject).toBe(INJECT + 3);
    expect(t.start).toBe(T0);
    expect(t.end).toBe(T0 + 60_000);
  });

  it("t_detect is the earliest startsAt of a matching firing alert, falling back to receive time", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 9_000, { startsAt: INJECT + 4_000, fingerprint: "a" });
    j.firing("LLMProviderDown", INJECT + 6_000, { startsAt: null, fingerprint: "b" });
    j.firing("OtherAlert", INJECT + 1_000);
    const s = scenario({ ...base, expect: { alert: { name: "LLMProviderDown" } } });
    const tl = scenarioTimeline({
      scenario: s,
      entries: j.entries,
      store: new SampleStore(),
      runEnd: T0 + 60_000,
    });
    expect(tl.times.detect).toBe(INJECT + 4_000);
    expect(tl.detection?.fingerprint).toBe("a");

    const j2 = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j2.firing("LLMProviderDown", INJECT + 6_000, { startsAt: null });
    expect(
      scenarioTimes({ scenario: s, entries: j2.entries, store: new SampleStore(), runEnd: T0 + 60_000 })
        .detect,
    ).toBe(INJECT + 6_000);
  });

  it("an alert that started before t_inject is not detection but is kept", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 2_000, { startsAt: INJECT - 3_000, fingerprint: "old" });
    const s = scenario({ ...base, expect: { alert: { name: "LLMProviderDown" } } });
    const tl = scenarioTimeline({
      scenario: s,
      entries: j.entries,
      store: new SampleStore(),
      runEnd: T0 + 60_000,
    });
    expect(tl.times.detect).toBeNull();
    expect(tl.earlyAlerts.map((a) => a.fingerprint)).toEqual(["old"]);
  });

  it("matches the receiver when the expectation names one", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("PIIBlocked", INJECT + 1_000, { receiver: "sre" });
    j.firing("PIIBlocked", INJECT + 3_000, { receiver: "security", fingerprint: "sec" });
    const s = scenario({ ...base, expect: { alert: { name: "PIIBlocked", receiver: "security" } } });
    expect(
      scenarioTimes({ scenario: s, entries: j.entries, store: new SampleStore(), runEnd: T0 + 60_000 })
        .detect,
    ).toBe(INJECT + 3_000);
  });

  it("t_ack is the first ack of that alert (fingerprint or name) after detection; earlier acks do not count", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.ack("LLMProviderDown", INJECT - 500, { fingerprint: "stale" });
    j.firing("LLMProviderDown", INJECT + 5_000, { fingerprint: "fp1" });
    j.ack("SomethingElse", INJECT + 6_000, { fingerprint: "zzz" });
    j.ack("LLMProviderDown", INJECT + 8_000, { fingerprint: "other-fp" });
    j.ack("LLMProviderDown", INJECT + 9_000, { fingerprint: "fp1" });
    const s = scenario({ ...base, expect: { alert: { name: "LLMProviderDown" } } });
    expect(
      scenarioTimes({ scenario: s, entries: j.entries, store: new SampleStore(), runEnd: T0 + 60_000 }).ack,
    ).toBe(INJECT + 8_000);
  });

  it("no ack: t_ack is null", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.firing("LLMProviderDown", INJECT + 5_000);
    const s = scenario({ ...base, expect: { alert: { name: "LLMProviderDown" } } });
    expect(
      scenarioTimes({ scenario: s, entries: j.entries, store: new SampleStore(), runEnd: T0 + 60_000 }).ack,
    ).toBeNull();
  });

  it("t_decision is the first decision of this scenario", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.add({ type: "decision", scenario: "other", what: "x" }, INJECT + 1_000);
    j.add({ type: "decision", scenario: "s1", what: "rollback" }, INJECT + 5_000);
    j.add({ type: "decision", scenario: "s1", what: "again" }, INJECT + 6_000);
    expect(
      scenarioTimes({
        scenario: scenario(base),
        entries: j.entries,
        store: new SampleStore(),
        runEnd: T0 + 60_000,
      }).decision,
    ).toBe(INJECT + 5_000);
  });

  it("t_mitigate with failover: the first 2xx from the secondary after t_inject, per sample", () => {
    const store = new SampleStore();
    store.add("provider_responses", INJECT - 2_000, 1, { provider: "secondary", status: "200" }); // before the fault
    store.add("provider_responses", INJECT + 1_000, 1, { provider: "primary", status: "200" });
    store.add("provider_responses", INJECT + 1_500, 1, { provider: "secondary", status: "503" });
    store.add("provider_responses", INJECT + 2_345.5, 1, { provider: "secondary", status: "200" });
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const s = scenario({ ...base, expect: { failover: { to: "secondary", within: 30_000 } } });
    expect(scenarioTimes({ scenario: s, entries: j.entries, store, runEnd: T0 + 60_000 }).mitigate).toBe(
      INJECT + 2_345.5,
    );
  });

  it("t_mitigate from a mitigation series uses the first satisfying sample, not a bucket", () => {
    const store = new SampleStore();
    store.add("copilot_depth_k", INJECT + 500, 8);
    store.add("copilot_depth_k", INJECT + 1_730, 4);
    store.add("copilot_depth_k", INJECT + 1_900, 4);
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const s = scenario({
      ...base,
      expect: { mitigation: { series: "copilot_depth_k", op: "<", value: 8, within: 10_000 } },
    });
    expect(scenarioTimes({ scenario: s, entries: j.entries, store, runEnd: T0 + 60_000 }).mitigate).toBe(
      INJECT + 1_730,
    );
  });

  it("t_recover comes from the samples, and is measured from the decision in a rollback drill", () => {
    const store = new SampleStore();
    const truth = INJECT + 14_321;
    load(store, T0, T0 + 60_000, 25, (t) => (t >= INJECT && t < truth ? bad502 : ok));
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    const t = scenarioTimes({ scenario: scenario(base), entries: j.entries, store, runEnd: T0 + 60_000 });
    expect(Math.abs(t.recover! - truth)).toBeLessThan(250);
    j.add({ type: "decision", scenario: "s1", what: "rollback" }, INJECT + 5_000);
    const drill = scenario({
      ...base,
      timeline: [...base.timeline, { at: 15_000, decide: "rollback" }],
      runbook: {
        steps: [{ id: "declare", title: "declare", actions: [{ kind: "declare", severity: "Sev-2" }] }],
      },
    });
    const tl = scenarioTimeline({ scenario: drill, entries: j.entries, store, runEnd: T0 + 60_000 });
    expect(tl.recoverFrom).toBe(INJECT + 5_000);
    expect(Math.abs(tl.times.recover! - truth)).toBeLessThan(250);
  });

  it("an incident commander's decision outside a rollback drill is t_decision, but recovery stays fault → healthy", () => {
    const store = new SampleStore();
    load(store, T0, T0 + 60_000, 25, (t) => (t >= INJECT && t < INJECT + 12_000 ? bad502 : ok));
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
    j.add(
      {
        type: "decision",
        scenario: "s1",
        what: "Sev-3: monitor and mitigate",
        severity: "sev3",
        by: "ic",
        why: "p95",
      },
      INJECT + 4_000,
    );
    const tl = scenarioTimeline({ scenario: scenario(base), entries: j.entries, store, runEnd: T0 + 60_000 });
    expect(tl.times.decision).toBe(INJECT + 4_000);
    expect(tl.recoverFrom).toBe(INJECT);
  });

  it("fault end: reverted t, else planned end, else scenario end", () => {
    const j = JournalBuilder.run("s1", { start: T0, inject: INJECT, spec: http502("20s") });
    const s = scenario(base);
    expect(
      scenarioTimeline({ scenario: s, entries: j.entries, store: new SampleStore(), runEnd: T0 + 60_000 })
        .faultEnd,
    ).toBe(INJECT + 20_000);
    j.add({ type: "fault.reverted", faultId: "f1", reason: "stop" }, INJECT + 7_000);
    expect(
      scenarioTimeline({ scenario: s, entries: j.entries, store: new SampleStore(), runEnd: T0 + 60_000 })
        .faultEnd,
    ).toBe(INJECT + 7_000);
    const j2 = JournalBuilder.run("s1", {
      start: T0,
      inject: INJECT,
      spec: { kind: "process", target: "svc", signal: "SIGSTOP" },
    });
    expect(
      scenarioTimeline({ scenario: s, entries: j2.entries, store: new SampleStore(), runEnd: T0 + 60_000 })
        .faultEnd,
    ).toBe(T0 + 60_000);
  });
});
