// The run's named steps on their own, on real modules and a real journal: the scenario's phase
// (each change journalled once), the fault windows a result reports from the journal, and the
// run's verdict and exit code from its scenarios and errors.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Journal, readJournal } from "../../src/engine/journal.ts";
import type { ScenarioResult } from "../../src/engine/result.ts";
import { runResult } from "../../src/engine/run-record.ts";
import { ScenarioPhase } from "../../src/engine/scenario-phase.ts";
import { faultWindows } from "../../src/engine/scenario-result.ts";
import { profileByName } from "../../src/scenario/profile.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const journalIn = () => new Journal(join(dirs.make("gameday-steps-"), "journal.jsonl"));

describe("ScenarioPhase", () => {
  it("starts in baseline and journals each change once, in order", () => {
    const journal = journalIn();
    const phase = new ScenarioPhase(journal, "s1");
    expect(phase.current).toBe("baseline");
    phase.set("inject");
    phase.set("inject");
    phase.set("observe");
    phase.set("recover");
    phase.set("verify");
    journal.close();
    const phases = readJournal(journal.path).entries.map((e) => (e.type === "phase" ? e.phase : e.type));
    expect(phases).toEqual(["baseline", "inject", "observe", "recover", "verify"]);
    expect(phase.current).toBe("verify");
  });
});

describe("faultWindows", () => {
  it("pairs each fault the scenario registered with its applied and reverted instants (null when missing)", () => {
    const journal = journalIn();
    const spec = {
      kind: "http" as const,
      target: "llm-primary",
      status: 502,
      abort: false,
      match: {},
      percent: 100,
      duration: 3_000,
    };
    const register = (scenario: string, faultId: string) =>
      journal.write({
        type: "fault.registered",
        scenario,
        faultId,
        kind: "http",
        target: "llm-primary",
        tag: `t-${faultId}`,
        spec,
      });
    register("s1", "f01");
    const applied = journal.write({ type: "fault.applied", faultId: "f01", plannedAt: 0, lateMs: 0 }, 1_000);
    const reverted = journal.write({ type: "fault.reverted", faultId: "f01", reason: "planned end" }, 4_000);
    register("s2", "f02");
    register("s1", "f03");
    journal.write({ type: "fault.applied", faultId: "f03", plannedAt: 0, lateMs: 0 }, 5_000);
    journal.close();
    const windows = faultWindows(readJournal(journal.path).entries, "s1");
    expect(windows.map(({ faultId, appliedAt, revertedAt }) => ({ faultId, appliedAt, revertedAt }))).toEqual(
      [
        { faultId: "f01", appliedAt: applied.t, revertedAt: reverted.t },
        { faultId: "f03", appliedAt: 5_000, revertedAt: null },
      ],
    );
    expect(windows[0]?.summary).toMatch(/502/);
  });
});

describe("runResult", () => {
  const scenario = (verdict: ScenarioResult["verdict"]) => ({ verdict }) as ScenarioResult;
  const facts = {
    runId: "r1",
    gamedayVersion: "0.0.0",
    profile: profileByName("ci"),
    startedAt: 1,
    defects: [],
    git: null,
    runErrors: [] as string[],
    interrupted: false,
    strict: false,
  };

  it("is the worst scenario verdict; WARN exits 0 unless strict", () => {
    const warn = runResult({ ...facts, scenarios: [scenario("PASS"), scenario("WARN")] });
    expect([warn.verdict, warn.exitCode]).toEqual(["WARN", 0]);
    const strict = runResult({ ...facts, strict: true, scenarios: [scenario("PASS"), scenario("WARN")] });
    expect(strict.exitCode).toBe(1);
    const fail = runResult({ ...facts, scenarios: [scenario("FAIL"), scenario("WARN")] });
    expect([fail.verdict, fail.exitCode]).toEqual(["FAIL", 1]);
  });

  it("a run error makes it ERROR (exit 3) whatever the scenarios say; an interruption exits 130", () => {
    const broken = runResult({ ...facts, runErrors: ["environment stop: x"], scenarios: [scenario("PASS")] });
    expect([broken.verdict, broken.exitCode]).toEqual(["ERROR", 3]);
    const stopped = runResult({ ...facts, interrupted: true, scenarios: [scenario("PASS")] });
    expect([stopped.exitCode, stopped.interrupted]).toEqual([130, true]);
  });
});
