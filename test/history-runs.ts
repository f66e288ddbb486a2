// Realistic run results for the history tests, made from the sample result.json
// (test/fixtures/result-sample.json: llm-provider-outage PASS, cache-cold-start FAIL with a ttr that
// never came, rollback-drill PASS) with the id, times, profile, git, defects, verdicts and values
// each test needs.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RunResult } from "../src/engine/result.ts";
import { worst, type Verdict } from "../src/evaluate/verdict.ts";

export const SAMPLE_RESULT = resolve(import.meta.dirname, "fixtures/result-sample.json");
export const SAMPLE_JOURNAL = resolve(import.meta.dirname, "fixtures/result-sample.journal.jsonl");

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function sampleResult(): RunResult {
  return JSON.parse(readFileSync(SAMPLE_RESULT, "utf8")) as RunResult;
}

export interface RunSpec {
  id: string;
  /** The run's start (epoch ms); every scenario time moves with it. */
  at: number;
  profile?: string;
  branch?: string | null;
  commit?: string | null;
  defects?: string[];
  /** Forces the run's verdict (ERROR); otherwise the worst of its scenarios'. */
  verdict?: Verdict;
  interrupted?: boolean;
  /** Scenario id → its verdict. */
  scenarios?: Record<string, Verdict>;
  /** Scenario id → metric → value (null: never happened). */
  values?: Record<string, Record<string, number | null>>;
  /** Only these scenarios, in this order (default: all three of the sample). */
  only?: string[];
  /** Without the `defects` and `git` fields, as results written before the history were. */
  legacy?: boolean;
}

/** A run result like the engine writes, shifted to `at`. */
export function runResult(spec: RunSpec): RunResult {
  const sample = sampleResult();
  const shift = spec.at - sample.startedAt;
  const move = (t: number | null) => (t === null ? null : t + shift);
  let scenarios = sample.scenarios.map((s) => {
    const verdict = spec.scenarios?.[s.id] ?? s.verdict;
    const values = spec.values?.[s.id] ?? {};
    return {
      ...s,
      verdict,
      times: {
        start: s.times.start + shift,
        end: s.times.end + shift,
        inject: move(s.times.inject),
        detect: move(s.times.detect),
        ack: move(s.times.ack),
        decision: move(s.times.decision),
        mitigate: move(s.times.mitigate),
        recover: move(s.times.recover),
      },
      measurements: s.measurements.map((m) => (m.metric in values ? { ...m, value: values[m.metric]! } : m)),
    };
  });
  if (spec.only) {
    const only = spec.only;
    scenarios = only.map((id) => {
      const s = scenarios.find((x) => x.id === id);
      if (!s) throw new Error(`the sample has no scenario ${id}`);
      return s;
    });
  }
  const verdict = spec.verdict ?? worst(scenarios.map((s) => s.verdict));
  const result: RunResult = {
    ...sample,
    runId: spec.id,
    profile: spec.profile ?? "ci",
    startedAt: spec.at,
    endedAt: sample.endedAt + shift,
    verdict,
    exitCode: spec.interrupted ? 130 : verdict === "ERROR" ? 3 : verdict === "FAIL" ? 1 : 0,
    interrupted: spec.interrupted ?? false,
    scenarios,
  };
  if (!spec.legacy) {
    result.defects = spec.defects ?? [];
    result.git = { commit: spec.commit ?? null, branch: spec.branch ?? null };
  }
  return result;
}
