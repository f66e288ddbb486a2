// The console's live view folded from a run's own journal: markers at the journal's instants,
// active faults, alerts with their acknowledgement, decisions, and the per-second series.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Journal } from "../../src/engine/journal.ts";
import { acknowledge } from "../../src/observe/ack.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import type { ServeEvent } from "../../src/serve/live-state.ts";
import { LiveRun } from "../../src/serve/live-run.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-live-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("LiveRun", () => {
  it("follows the journal: markers, faults, alerts, acks and decisions as they are written", async () => {
    const journal = new Journal(join(dir, "a", "journal.jsonl"));
    const book = new AlertBook();
    const events: ServeEvent[] = [];
    const live = new LiveRun({
      runId: "r1",
      runDir: join(dir, "a"),
      scenarios: ["s1"],
      profile: "ci",
      startedBy: { by: "alice", via: "api" },
      journal,
      book,
      publish: (e) => events.push(e),
    });
    journal.write({
      type: "run.start",
      runId: "r1",
      scenarios: ["s1"],
      profile: "ci",
      scale: 1 / 30,
      host: "h",
    });
    journal.write({ type: "scenario.start", scenario: "s1", plannedMs: 20_000 });
    const spec = {
      kind: "http" as const,
      target: "llm-primary",
      status: 502,
      duration: 10_000,
      abort: false,
      match: {},
      percent: 100,
    };
    journal.write({
      type: "fault.registered",
      scenario: "s1",
      faultId: "f01",
      kind: "http",
      target: "llm-primary",
      tag: "t",
      spec,
    });
    expect(live.snapshot().faults).toEqual([]);
    const applied = journal.write({
      type: "fault.applied",
      faultId: "f01",
      plannedAt: Date.now(),
      lateMs: 0,
    });
    expect(live.snapshot().faults).toMatchObject([
      { faultId: "f01", appliedAt: applied.t, target: "llm-primary" },
    ]);

    const alert = {
      fingerprint: "00000000000000a1",
      name: "LLMProviderDown",
      status: "firing" as const,
      startsAt: Date.now(),
      endsAt: null,
      labels: { alertname: "LLMProviderDown", severity: "page" },
      annotations: { summary: "primary is down" },
      receiver: "oncall",
    };
    book.receive(alert, Date.now(), (a) =>
      journal.write({
        type: "alert.received",
        fingerprint: a.fingerprint,
        name: a.name,
        status: a.status,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        receiver: a.receiver,
        labels: a.labels,
      }),
    );
    await tick();
    expect(live.snapshot().alerts).toMatchObject([
      {
        fingerprint: alert.fingerprint,
        status: "firing",
        severity: "page",
        summary: "primary is down",
        ack: null,
      },
    ]);
    acknowledge(book, journal, { fingerprint: alert.fingerprint }, { by: "Dana", via: "web" });
    await tick();
    expect(live.snapshot().alerts[0]?.ack).toMatchObject({ by: "Dana", via: "web", synthetic: false });

    journal.write({
      type: "decision",
      scenario: "s1",
      what: "Sev-2: flip flags / roll back",
      severity: "sev2",
      by: "ic",
      why: "p95",
    });
    live.onStatus({
      scenario: "s1",
      phase: "observe",
      elapsedMs: 5_400.7,
      plannedMs: 20_000,
      p95Ms: 310,
      errorRate: 0.02,
      rps: 19,
      activeFaults: 1,
    });
    journal.write({ type: "phase", scenario: "s1", phase: "recover" });
    journal.write({ type: "fault.reverted", faultId: "f01", reason: "planned end" });
    journal.write({ type: "run.end", verdict: "PASS", exitCode: 0, interrupted: false });

    const s = live.snapshot();
    expect(s.markers.map((m) => m.kind)).toEqual([
      "start",
      "inject",
      "detect",
      "ack",
      "decision",
      "recover",
      "revert",
      "end",
    ]);
    expect(s.markers.find((m) => m.kind === "inject")?.t).toBe(applied.t);
    expect(s.faults).toEqual([]);
    expect(s.decisions).toMatchObject([{ severity: "sev2", by: "ic", why: "p95", scenario: "s1" }]);
    expect(s.series).toEqual([expect.objectContaining({ p95Ms: 310, errorRate: 0.02, rps: 19 })]);
    expect(s.elapsedMs).toBe(5_401);
    const types = new Set(events.map((e) => e.type));
    for (const t of ["marker", "faults", "alerts", "decision", "status"]) expect(types).toContain(t);
    journal.close();
  });

  it("keeps 15 minutes of points and reads non-finite figures as gaps", () => {
    const journal = new Journal(join(dir, "b", "journal.jsonl"));
    const live = new LiveRun({
      runId: "r2",
      runDir: join(dir, "b"),
      scenarios: ["s"],
      profile: "ci",
      startedBy: { by: "cli", via: "cli" },
      journal,
      book: new AlertBook(),
      publish: () => {},
    });
    for (let i = 0; i < 1_000; i++)
      live.onStatus(
        {
          scenario: "s",
          phase: "baseline",
          elapsedMs: i * 1_000,
          plannedMs: 1e6,
          p95Ms: Number.NaN,
          errorRate: undefined,
          rps: i,
          activeFaults: 0,
        },
        i * 1_000,
      );
    const series = live.snapshot().series;
    expect(series).toHaveLength(900);
    expect(series[0]).toEqual({ t: 100_000, p95Ms: null, errorRate: null, rps: 100 });
    journal.close();
  });
});
