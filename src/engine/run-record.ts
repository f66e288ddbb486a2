// The end of a run: its result (the worst scenario verdict, ERROR when the harness or environment
// failed, the exit code), judged against the run history when a judge is given, then the journal
// closed and the run folder written (result.json and the rendered reports).
import { hostname } from "node:os";
import { exitCodeFor } from "../evaluate/evaluate.ts";
import { type Verdict, worst } from "../evaluate/verdict.ts";
import { renderReports, writeResult } from "../report/index.ts";
import type { Profile } from "../scenario/profile.ts";
import type { Journal } from "./journal.ts";
import { RESULT_SCHEMA, type RunResult, type ScenarioResult } from "./result.ts";

export interface RunFacts {
  runId: string;
  gamedayVersion: string;
  profile: Profile;
  startedAt: number;
  defects: string[];
  git: RunResult["git"];
  scenarios: ScenarioResult[];
  /** Harness and environment failures of the run (not of a scenario): the run is ERROR. */
  runErrors: readonly string[];
  interrupted: boolean;
  strict: boolean;
}

export function runResult(f: RunFacts, endedAt = Date.now()): RunResult {
  const verdict: Verdict = f.runErrors.length ? "ERROR" : worst(f.scenarios.map((r) => r.verdict));
  return {
    schema: RESULT_SCHEMA,
    runId: f.runId,
    gamedayVersion: f.gamedayVersion,
    host: hostname(),
    profile: f.profile.name,
    scale: f.profile.scale,
    startedAt: f.startedAt,
    endedAt,
    verdict,
    exitCode: f.interrupted ? 130 : exitCodeFor(verdict, { strict: f.strict }),
    interrupted: f.interrupted,
    defects: f.defects,
    git: f.git,
    scenarios: f.scenarios,
  };
}

/**
 * The result judged against the history, each regression journalled. A judge that throws leaves
 * the result as it was (the run is reported without its history).
 */
export async function judgedResult(
  result: RunResult,
  judge: (result: RunResult) => Promise<RunResult>,
  journal: Journal,
  log: (text: string) => void,
): Promise<RunResult> {
  try {
    const judged = await judge(result);
    for (const s of judged.scenarios)
      for (const m of s.measurements)
        if (m.comparison?.regressed)
          journal.write({
            type: "regression",
            scenario: s.id,
            metric: m.metric,
            value: m.value,
            comparison: m.comparison,
          });
    return judged;
  } catch (err) {
    log(`history: ${(err as Error).message}; the run is reported without it`);
    return result;
  }
}

/** Ends the journal and writes result.json and the reports; a report that fails to render is logged. */
export async function writeRunFolder(
  runDir: string,
  result: RunResult,
  o: { journal: Journal; templatesDir?: string; log: (text: string) => void },
): Promise<void> {
  o.journal.write({
    type: "run.end",
    verdict: result.verdict,
    exitCode: result.exitCode,
    interrupted: result.interrupted,
  });
  o.journal.close();
  await writeResult(runDir, result);
  try {
    await renderReports(runDir, { templatesDir: o.templatesDir });
  } catch (err) {
    o.log(`report rendering failed: ${(err as Error).message}`);
  }
}
