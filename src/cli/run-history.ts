// What `gameday run` does with the history store: open it (and check --baseline) before anything
// starts, judge the finished run against it, record the run once its folder is complete.
import type { RunResult } from "../engine/result.ts";
import {
  BaselineError,
  type BaselineSelector,
  checkBaseline,
  describeBaseline,
  parseBaseline,
} from "../history/baseline.ts";
import { judgeRun } from "../history/judge.ts";
import { openRunStore, storeSpec } from "../history/open-store.ts";
import type { RunStore } from "../history/run-store.ts";
import { regressionSettings, scoreSettings } from "../history/settings.ts";
import { storedRunFrom } from "../history/stored-run.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { EnvironmentError, UsageError } from "./exit-codes.ts";
import { formatValue } from "./verdict-table.ts";

export interface RunHistory {
  judge: (result: RunResult) => Promise<RunResult>;
  /**
   * After the run: records it (unless --no-record) and says whether the history did its part —
   * false (the message printed) when judging against a --baseline or recording failed.
   */
  finish: (result: RunResult, runDir: string) => Promise<boolean>;
  close(): Promise<void>;
}

const nothingStarted = (err: unknown) => `history store: ${(err as Error).message}; nothing was started`;

export async function openHistory(o: {
  config: GamedayConfig;
  reportsDir: string;
  store?: string;
  baseline?: string;
  record: boolean;
  profile: string;
  strict: boolean;
}): Promise<RunHistory | undefined> {
  let selector: BaselineSelector | null = null;
  try {
    selector = o.baseline === undefined ? null : parseBaseline(o.baseline);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!o.record && !selector) return undefined;
  const spec = storeSpec({ flag: o.store, history: o.config.history, reportsDir: o.reportsDir });
  // Checked now, then closed: a run can last hours, longer than a database connection should idle.
  const probe = await openRunStore(spec).catch((err: unknown) => {
    throw new EnvironmentError(nothingStarted(err));
  });
  try {
    if (selector) await checkBaseline(probe, selector, o.profile);
  } catch (err) {
    if (err instanceof BaselineError) throw new UsageError(`${err.message}; nothing was started`);
    throw new EnvironmentError(nothingStarted(err));
  } finally {
    await probe.close();
  }
  let store: RunStore | undefined;
  const opened = async () => {
    store ??= await openRunStore(spec);
    return store;
  };
  let judgeFailed: string | null = null;
  return {
    async judge(result) {
      try {
        return await judgeRun(result, {
          store: await opened(),
          baseline: selector,
          regression: regressionSettings(o.config.history),
          score: scoreSettings(o.config.history),
          strict: o.strict,
        });
      } catch (err) {
        judgeFailed = (err as Error).message;
        throw err;
      }
    },
    async finish(result, runDir) {
      if (judgeFailed && selector) {
        console.error(
          `gameday run: history store ${probe.location}: ${judgeFailed}\n` +
            `the run could not be compared with ${describeBaseline(selector)}; its folder ${runDir} is complete`,
        );
        return false;
      }
      if (!o.record) return true;
      try {
        const s = await opened();
        const outcome = await s.record(storedRunFrom(result, runDir));
        console.log(
          outcome === "recorded"
            ? `recorded in the history store ${s.location}${selector ? ` (compared with ${describeBaseline(selector)})` : ""}`
            : `run ${result.runId} was already in the history store ${s.location}`,
        );
        return true;
      } catch (err) {
        console.error(
          `gameday run: history store ${probe.location}: ${(err as Error).message}\n` +
            `the run folder ${runDir} is complete; record it later with: gameday history import ${runDir}`,
        );
        return false;
      }
    },
    async close() {
      await store?.close();
    },
  };
}

/** One line per regression (and per scenario with no baseline yet), for the terminal. */
export function regressionLines(result: RunResult): string {
  if (!result.baseline) return "";
  const lines: string[] = [];
  for (const s of result.scenarios) {
    if (result.baseline.runs[s.id] === null) {
      lines.push(`  ${s.id}: no baseline yet (${result.baseline.selector}); nothing compared`);
      continue;
    }
    for (const m of s.measurements) {
      const c = m.comparison;
      if (!c?.regressed) continue;
      lines.push(
        `  ${s.id} ${m.metric}: ${formatValue(m.value, m.unit)} vs baseline ${formatValue(c.baseline, m.unit)}` +
          ` (band ${formatValue(c.band[0], m.unit)} … ${formatValue(c.band[1], m.unit)} from ${c.bandRuns} run${c.bandRuns === 1 ? "" : "s"}) → ${m.verdict}`,
      );
    }
  }
  const n = result.baseline.regressions;
  return [`compared with ${result.baseline.selector}: ${n} regression${n === 1 ? "" : "s"}`, ...lines].join(
    "\n",
  );
}
