// One scenario of a run, start to verdict: open it (clock, phase, sample store), observe it (probes,
// stop conditions, load, status line), run its timeline (inject → observe → recover), verify, then
// revert what it left applied, stop observing, and judge it. Each of those is a module of its own;
// this one only says in which order they happen and what ends the scenario early.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Drivers } from "../faults/index.ts";
import { SampleStore } from "../measure/samples.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { CleanupRegistry } from "./cleanup.ts";
import { ScenarioClock } from "./clock.ts";
import { failureClassifier } from "./failures.ts";
import type { Journal } from "./journal.ts";
import type { JournalEntry } from "./journal-events.ts";
import { planScenario } from "./plan.ts";
import type { Progress } from "./progress.ts";
import type { ScenarioResult } from "./result.ts";
import type { FiringAlerts } from "./runbook.ts";
import { ScenarioFaults } from "./scenario-faults.ts";
import { startObservation } from "./scenario-observation.ts";
import { ScenarioPhase } from "./scenario-phase.ts";
import { judgeScenario, scenarioResult } from "./scenario-result.ts";
import { runTimeline } from "./scenario-timeline.ts";

/** The failure a stop condition aborts the scenario with: an expected end, not an error. */
class StopCondition extends Error {
  override name = "StopCondition";
}

export interface ScenarioRun {
  /** The scenario with the run's profile applied. */
  scenario: Scenario;
  file: string;
  /** The environment's resolved config. */
  cfg: GamedayConfig;
  drivers: Drivers;
  registry: CleanupRegistry;
  journal: Journal;
  /** Every entry the run has journalled so far, kept current by the run (measurement reads them). */
  entries: readonly JournalEntry[];
  alerts: FiringAlerts;
  runId: string;
  runDir: string;
  /** Fault ids are numbered across the whole run (f01, f02, …). */
  nextFaultId: () => string;
  progress: Progress;
  /** The run's: aborted by SIGINT/SIGTERM, which ends the scenario as interrupted. */
  signal: AbortSignal;
}

export async function runScenario(r: ScenarioRun): Promise<ScenarioResult> {
  const { scenario: s, journal, progress } = r;
  const log = (text: string) => progress.event(text);
  const plan = planScenario(s);
  const store = new SampleStore();
  const errors: string[] = [];
  const scenarioDir = join(r.runDir, s.id);
  mkdirSync(scenarioDir, { recursive: true });
  // Ends the scenario early: the run's interruption, a stop condition, or a failed step.
  const abort = new AbortController();
  const onRunAbort = () => abort.abort(r.signal.reason);
  r.signal.addEventListener("abort", onRunAbort, { once: true });
  let stopped: string | null = null;
  const isFailure = failureClassifier(s.load?.failOn ?? ["5xx", "429", "network"]);

  const clock = new ScenarioClock();
  journal.write({ type: "scenario.start", scenario: s.id, plannedMs: plan.plannedMs });
  log(`▶ ${s.id}: ${s.title} (${Math.round(plan.plannedMs / 1000)} s planned)`);
  const phase = new ScenarioPhase(journal, s.id);
  const faults = new ScenarioFaults({
    runId: r.runId,
    scenario: s.id,
    drivers: r.drivers,
    registry: r.registry,
    journal,
    phase,
    nextFaultId: r.nextFaultId,
    log,
  });

  const observation = startObservation({
    scenario: s,
    scenarioFile: r.file,
    scenarioDir,
    cfg: r.cfg,
    store,
    journal,
    progress,
    isFailure,
    signal: abort.signal,
    errors,
    onStop: (reason) => {
      if (stopped) return;
      stopped = reason;
      journal.write({ type: "stop", scenario: s.id, reason });
      log(`■ stop condition: ${reason}`);
      abort.abort(new StopCondition(reason));
    },
    where: () => ({
      phase: phase.current,
      elapsedMs: clock.elapsed(),
      plannedMs: plan.plannedMs,
      activeFaults: faults.activeCount,
    }),
  });

  try {
    await runTimeline({
      scenario: s,
      plan,
      clock,
      phase,
      faults,
      cfg: r.cfg,
      store,
      isFailure,
      alerts: r.alerts,
      journal,
      signal: abort.signal,
      log,
    });
    phase.set("verify");
  } catch (err) {
    if (!(err instanceof StopCondition) && !r.signal.aborted && !abort.signal.aborted) {
      const message = (err as Error).message;
      errors.push(message);
      journal.write({ type: "error", scenario: s.id, message });
      log(`ERROR in ${s.id}: ${message}`);
    }
    abort.abort(err);
  } finally {
    observation.stopWatching();
    await faults.revertAll(stopped ? "stop condition" : r.signal.aborted ? "interrupted" : "scenario end");
    await observation.drain();
    r.signal.removeEventListener("abort", onRunAbort);
  }

  const end = Date.now();
  const judged = judgeScenario({
    scenario: s,
    entries: r.entries,
    store,
    end,
    errors,
    interrupted: r.signal.aborted,
  });
  journal.write({ type: "scenario.end", scenario: s.id, verdict: judged.verdict });
  log(`${judged.verdict === "PASS" ? "✔" : "✘"} ${s.id}: ${judged.verdict}`);
  return scenarioResult({
    ...judged,
    scenario: s,
    entries: r.entries,
    store,
    start: clock.wallOrigin,
    end,
    isFailure,
    stopped,
    errors,
  });
}
