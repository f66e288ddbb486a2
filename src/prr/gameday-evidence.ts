// Which gameday run counts as evidence for a scenario. A run made with a reference-stack defect
// switch on shows that the harness catches a broken service, not that this service is ready; a run
// whose harness failed (ERROR, interrupted) says nothing about the service either way. Among the
// remaining runs the latest one is the evidence, and it must have passed.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../engine/result.ts";
import type { EventOf } from "../engine/journal-events.ts";
import { readJournal } from "../engine/journal.ts";
import { readResult } from "../report/index.ts";

export interface GamedayRun {
  /** Run folder relative to the PRR root, e.g. reports/<run-id>. */
  folder: string;
  result: RunResult;
  /** Defect switches the run turned on, from its journal's run.start event. */
  defects: string[];
}

export interface EvidenceRule {
  /** WARN does not count as passed. */
  strict: boolean;
  /** Only runs made with this profile count (e.g. "real"). */
  profile?: string;
}

export type EvidencePick =
  | { kind: "none"; ignored: string[] }
  | { kind: "failed"; run: GamedayRun; verdict: string; ignored: string[] }
  | { kind: "passed"; run: GamedayRun; ignored: string[] };

/** Every run folder under `reports` with a readable result.json. */
export function listRuns(root: string, reports: string): GamedayRun[] {
  const dir = join(root, reports);
  const runs: GamedayRun[] = [];
  for (const name of readdirSync(dir)) {
    if (!existsSync(join(dir, name, "result.json"))) continue;
    try {
      const result = readResult(join(dir, name));
      runs.push({
        folder: join(reports, name),
        result,
        defects: defectsOf(join(dir, name, "journal.jsonl")),
      });
    } catch {
      // an unreadable result is not evidence either way; the scenario will show as having no run
    }
  }
  return runs;
}

export function pickEvidence(runs: GamedayRun[], scenario: string, rule: EvidenceRule): EvidencePick {
  const ignored: string[] = [];
  const candidates = runs
    .filter((r) => r.result.scenarios.some((s) => s.id === scenario))
    .sort((a, b) => b.result.startedAt - a.result.startedAt);
  for (const run of candidates) {
    const verdict = run.result.scenarios.find((s) => s.id === scenario)!.verdict;
    const skip = whyNotEvidence(run, verdict, rule);
    if (skip) {
      ignored.push(`${run.result.runId} (${skip})`);
      continue;
    }
    const passed = verdict === "PASS" || (!rule.strict && verdict === "WARN");
    return passed ? { kind: "passed", run, ignored } : { kind: "failed", run, verdict, ignored };
  }
  return { kind: "none", ignored };
}

/** "run <id> (<date>, profile <p>)": how a report names the run it took as evidence. */
export function describeRun(run: GamedayRun): string {
  const day = new Date(run.result.endedAt).toISOString().slice(0, 10);
  return `run ${run.result.runId} (${day}, profile ${run.result.profile})`;
}

function whyNotEvidence(run: GamedayRun, verdict: string, rule: EvidenceRule): string | null {
  if (run.defects.length) return `defect switches on: ${run.defects.join(", ")}`;
  if (rule.profile && run.result.profile !== rule.profile)
    return `profile ${run.result.profile}, not ${rule.profile}`;
  if (run.result.interrupted) return "interrupted";
  if (verdict === "ERROR") return "ERROR: the harness or environment failed";
  return null;
}

/** The run.start event's `defects` (`gameday run --defect`); a missing journal or field means none. */
function defectsOf(journalPath: string): string[] {
  if (!existsSync(journalPath)) return [];
  const start = readJournal(journalPath).entries.find(
    (e): e is EventOf<"run.start"> => e.type === "run.start",
  );
  // the journal is read back untyped: a hand-edited one could hold anything here
  const d: unknown = start?.defects;
  return Array.isArray(d) ? d.filter((x): x is string => typeof x === "string") : [];
}
