// The IC's stakeholder update from a hand-built live state: the seed's five lines, severity from the
// decisions, impact as the worst since the first fault against the median before it.
import { describe, expect, it } from "vitest";
import type { LiveDecision, LiveMarker, LivePoint, LiveRunState } from "../../src/serve/live-state.ts";
import { decisionWhat, stakeholderUpdate } from "../../src/serve/stakeholder-update.ts";

// 2026-01-06 10:40:00 UTC; the fault goes in at 10:41:00.
const T0 = Date.UTC(2026, 0, 6, 10, 40, 0);
const INJECT = T0 + 60_000;

function point(s: number, p95Ms: number | null, errorRate: number | null): LivePoint {
  return { t: T0 + s * 1000, p95Ms, errorRate, rps: 20 };
}

function decision(over: Partial<LiveDecision>): LiveDecision {
  return {
    t: INJECT + 120_000,
    scenario: "llm-outage",
    what: "",
    severity: null,
    by: null,
    why: null,
    ...over,
  };
}

function liveState(over: Partial<LiveRunState> = {}): LiveRunState {
  const markers: LiveMarker[] = [
    { kind: "start", t: T0, scenario: "llm-outage", label: "start" },
    { kind: "inject", t: INJECT, scenario: "llm-outage", label: "provider down" },
    { kind: "inject", t: INJECT + 30_000, scenario: "llm-outage", label: "second fault" },
  ];
  const series = [
    point(0, 200, 0.002),
    point(20, 220, 0.001),
    point(40, 180, null),
    point(50, null, 0.003),
    point(60, 640, 0.01),
    point(70, 1234.6, 0.023),
    point(80, 900, 0.015),
    point(90, null, null),
  ];
  return {
    runId: "20260106-104000-ab12",
    runDir: "/tmp/reports/20260106-104000-ab12",
    scenarios: ["llm-outage"],
    profile: "real",
    startedBy: { by: "alice", via: "api" },
    startedAt: T0,
    status: "running",
    scenario: "llm-outage",
    phase: "fault",
    elapsedMs: 150_000,
    plannedMs: 600_000,
    markers,
    series,
    faults: [],
    alerts: [],
    decisions: [],
    panels: [],
    verdict: null,
    exitCode: null,
    ...over,
  };
}

const NOW = INJECT + 240_000; // 10:45 UTC

describe("stakeholder update", () => {
  it("names the severity tasks of the seed's incident flow", () => {
    expect(decisionWhat("sev2")).toBe("Sev-2: flip flags / roll back");
    expect(decisionWhat("sev3")).toBe("Sev-3: monitor and mitigate");
  });

  it("a Sev-2 with a rollback decision fills all five lines", () => {
    const state = liveState({
      decisions: [
        decision({
          t: INJECT + 100_000,
          what: decisionWhat("sev2"),
          severity: "sev2",
          by: "bob",
          why: "p95 3x baseline, errors over 2%",
        }),
      ],
    });
    const u = stakeholderUpdate(state, { title: "Ops Copilot degradation", now: NOW });
    expect(u.severity).toBe("sev2");
    expect(u.text).toBe(
      [
        "[Sev-2] Ops Copilot degradation (gameday drill) @ 10:45",
        "Impact: p95 latency 1235 ms (baseline 200 ms), error 2.3% peak (baseline 0.2%)",
        "Action: Sev-2: flip flags / roll back by bob @ 10:42 (p95 3x baseline, errors over 2%)",
        "Next: Verify rollback: health checks, smoke tests, unit cost within cap; RCA owner and ETA",
        "Owner: IC bob | gameday run 20260106-104000-ab12",
      ].join("\n"),
    );
  });

  it("a Sev-3 reads the clocks in the given time zone and defaults the title to the scenarios", () => {
    const state = liveState({
      decisions: [decision({ what: decisionWhat("sev3"), severity: "sev3", by: "carol" })],
    });
    const u = stakeholderUpdate(state, { now: NOW, timeZone: "Europe/Berlin" });
    expect(u.severity).toBe("sev3");
    expect(u.text.split("\n")).toEqual([
      "[Sev-3] llm-outage (gameday drill) @ 11:45",
      "Impact: p95 latency 1235 ms (baseline 200 ms), error 2.3% peak (baseline 0.2%)",
      "Action: Sev-3: monitor and mitigate by carol @ 11:43",
      "Next: Monitor and mitigate; re-assess at the next checkpoint",
      "Owner: IC carol | gameday run 20260106-104000-ab12",
    ]);
  });

  it("a later decision without a severity is the action, but the declared severity stands", () => {
    const state = liveState({
      decisions: [
        decision({ t: INJECT + 150_000, what: "status page updated", by: "dave" }),
        decision({ t: INJECT + 60_000, what: decisionWhat("sev2"), severity: "sev2", by: "bob" }),
      ],
    });
    const lines = stakeholderUpdate(state, { now: NOW }).text.split("\n");
    expect(lines[0]).toMatch(/^\[Sev-2\] /);
    expect(lines[2]).toBe("Action: status page updated by dave @ 10:43");
    expect(lines[4]).toBe("Owner: IC dave | gameday run 20260106-104000-ab12");
  });

  it("before any decision: Sev-?, no action, the triage question, no IC yet", () => {
    const u = stakeholderUpdate(liveState(), { now: NOW });
    expect(u.severity).toBeNull();
    const lines = u.text.split("\n");
    expect(lines[0]).toBe("[Sev-?] llm-outage (gameday drill) @ 10:45");
    expect(lines[2]).toBe("Action: No decision recorded yet");
    expect(lines[3]).toBe("Next: IC triage: Sev-2 (flip flags / roll back) or Sev-3 (monitor and mitigate)");
    expect(lines[4]).toBe("Owner: IC unassigned | gameday run 20260106-104000-ab12");
  });

  it("before the first fault there is no impact to report; without load points the numbers are n/a", () => {
    const steady = liveState({
      markers: [],
      series: [point(0, 200, 0.002), point(1, 240, 0.004), point(2, 210, 0)],
    });
    expect(stakeholderUpdate(steady, { now: NOW }).text.split("\n")[1]).toBe(
      "Impact: none yet (no fault injected); p95 latency 210 ms, error 0.2%",
    );
    const empty = liveState({ series: [] });
    expect(stakeholderUpdate(empty, { now: NOW }).text.split("\n")[1]).toBe(
      "Impact: p95 latency n/a (baseline n/a), error n/a peak (baseline n/a)",
    );
  });
});
