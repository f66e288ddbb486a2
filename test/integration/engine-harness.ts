// Runs the real engine in this process against real targets (an "external" config pointing at
// servers the test started), with a scenario given as a plain object.
import { join } from "node:path";
import { afterAll } from "vitest";
import { readJournal } from "../../src/engine/journal.ts";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import type { Progress } from "../../src/engine/progress.ts";
import { type RunOutcome, runGameday } from "../../src/engine/run.ts";
import { configSchema, type GamedayConfigInput } from "../../src/scenario/config.ts";
import { validateScenario } from "../../src/scenario/loader.ts";
import { PROFILES } from "../../src/scenario/profile.ts";
import { tempDirs } from "../temp-dirs.ts";

// Registered when the importing test file loads; stacked hooks run it after that file's own.
const reportsDirs = tempDirs();
afterAll(() => reportsDirs.removeAll());

/** Keeps every progress line, for assertions and for a failing test's message. */
export function recordingProgress(): Progress & { lines: string[] } {
  const lines: string[] = [];
  return { lines, event: (t) => lines.push(t), status: () => {}, done: () => {} };
}

export interface InProcessRun extends RunOutcome {
  entries: JournalEntry[];
  progress: string[];
}

export async function runInProcess(o: {
  scenario: Record<string, unknown>;
  config: GamedayConfigInput;
  signal?: AbortSignal;
  onStart?: (info: { runId: string; runDir: string }) => void;
}): Promise<InProcessRun> {
  const progress = recordingProgress();
  const reportsDir = reportsDirs.make("gameday-engine-");
  const outcome = await runGameday({
    scenarios: [
      { file: join(reportsDir, "scenario.ts"), scenario: validateScenario(o.scenario, "scenario.ts") },
    ],
    config: configSchema.parse({ provider: "external", receiver: { listen: "127.0.0.1:0" }, ...o.config }),
    profile: PROFILES.real!,
    reportsDir,
    strict: false,
    progress,
    signal: o.signal ?? new AbortController().signal,
    gamedayVersion: "0.0.0-test",
    onStart: o.onStart,
  });
  return {
    ...outcome,
    entries: readJournal(join(outcome.runDir, "journal.jsonl")).entries,
    progress: progress.lines,
  };
}

export const baseScenario = {
  id: "engine-test",
  title: "engine test",
  owner: "SRE",
  hypothesis: "faults are undone and verified",
};
