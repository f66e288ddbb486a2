// Where an advance starts and what it hands the next one, on the real record and a real journal:
// --from, the state file of the last advance, or the first phase; after a rollback the next
// advance re-ramps from the stable phase; each decision is journalled with the share it was taken at.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { RolloutRecord, startPosition } from "../../src/rollout/rollout-record.ts";
import { type Rollout, rolloutSchema } from "../../src/rollout/schema.ts";
import type { RolloutState } from "../../src/rollout/state.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const gate = { name: "err", promql: "q", below: 0.01 };
const R: Rollout = rolloutSchema.parse({
  name: "demo",
  title: "Demo",
  flag: { service: "flags", path: "/flags", field: "share" },
  phases: [
    { name: "P0", title: "Internal", audience: "eng", traffic: 0, minDuration: "3d", gate: [gate] },
    { name: "P1", title: "Canary", audience: "1 client", traffic: 1, minDuration: "5d", gate: [gate] },
    { name: "P2", title: "Beta", audience: "10 %", traffic: 10, minDuration: "7d", gate: [gate] },
  ],
});

const state = (over: Partial<RolloutState> = {}): RolloutState => ({
  rollout: "demo",
  phase: "P2",
  stablePhase: "P1",
  share: 1,
  outcome: "ROLLED_BACK",
  runId: "r0",
  updatedAt: 0,
  ...over,
});

describe("startPosition", () => {
  it("without a state file: the first phase at share 0", () => {
    expect(startPosition(R, null)).toEqual({ startIndex: 0, stable: 0, share: 0 });
  });

  it("resumes where the state file says, with its stable phase and share", () => {
    expect(startPosition(R, state())).toEqual({ startIndex: 2, stable: 1, share: 1 });
  });

  it("--from wins over the state file: the phase before it counts stable, the share is read afresh", () => {
    expect(startPosition(R, state(), "P1")).toEqual({ startIndex: 1, stable: 0, share: 0 });
  });
});

describe("RolloutRecord", () => {
  it("journals each decision at the current share and hands the next advance the stable phase after a rollback", () => {
    const journal = new Journal(join(dirs.make("gameday-rollout-record-"), "journal.jsonl"));
    const said: string[] = [];
    const record = new RolloutRecord(R, startPosition(R, state()), journal, (t) => said.push(t));
    record.share = 10;
    record.decide("P2", "ROLLBACK", ["to P1 (1 %)", "error_rate 0.3"]);
    record.share = 1;
    record.stable = 1;
    record.outcome = "ROLLED_BACK";
    journal.close();
    const decisions = eventsOf(readJournal(journal.path).entries, "rollout.decision");
    expect(decisions).toMatchObject([{ phase: "P2", decision: "ROLLBACK", share: 10 }]);
    expect(said).toEqual(["ROLLBACK P2 at 10 % — to P1 (1 %)"]);
    expect(record.nextState("r1")).toMatchObject({ phase: "P1", stablePhase: "P1", share: 1, runId: "r1" });
    expect(record.endPhase).toBe("P2");
  });

  it("an interrupted phase in progress is recorded as interrupted; a promoted one keeps its outcome", () => {
    const journal = new Journal(join(dirs.make("gameday-rollout-record-"), "journal.jsonl"));
    const record = new RolloutRecord(R, startPosition(R, null), journal, () => {});
    record.phases[0]!.outcome = "promoted";
    record.current = 1;
    record.phases[1]!.outcome = "held";
    record.interruptCurrent();
    expect(record.phases.map((p) => p.outcome)).toEqual(["promoted", "interrupted", "not reached"]);
    expect(
      record.result({
        runId: "r",
        file: "f",
        profile: { name: "ci", scale: 1 },
        gamedayVersion: "0",
        startedAt: 0,
        load: [],
      }),
    ).toMatchObject({ outcome: "ERROR", exitCode: 3, startPhase: "P0", endPhase: "P1", stablePhase: "P0" });
    journal.close();
  });
});
