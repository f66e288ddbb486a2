// The run orchestrator, in the order a run goes: open the run folder and journal, bring the run's
// services up (run-services.ts: receiver, environment, proxies, auto-responder), run each scenario
// (scenario-run.ts: baseline → inject → observe → recover → verify), revert every fault on every
// exit path, release the services, and record the result (run-record.ts).
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { type Environment, environmentPidFile } from "../env/environment.ts";
import { stopRecorded } from "../env/process.ts";
import { assertLoadEngines } from "../load/preflight.ts";
import { AlertBook } from "../observe/alert-book.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { LoadedScenario } from "../scenario/loader.ts";
import { type Profile, applyProfile } from "../scenario/profile.ts";
import { CleanupRegistry } from "./cleanup.ts";
import { Journal } from "./journal.ts";
import type { JournalEntry } from "./journal-events.ts";
import type { Progress } from "./progress.ts";
import type { RunResult, ScenarioResult } from "./result.ts";
import { newRunId } from "./run-id.ts";
import { RunServices } from "./run-services.ts";
import { judgedResult, runResult, writeRunFolder } from "./run-record.ts";
import { runScenario } from "./scenario-run.ts";

export interface RunOptions {
  scenarios: LoadedScenario[];
  config: GamedayConfig;
  profile: Profile;
  reportsDir: string;
  strict: boolean;
  progress: Progress;
  /** Aborted by SIGINT/SIGTERM: the run stops, cleans up and reports "interrupted". */
  signal: AbortSignal;
  /** An environment that is already up (gameday env up, tests); not stopped by the run. */
  environment?: Environment;
  /** Reference stack: defect switches to turn on for the whole run. */
  defects?: string[];
  runId?: string;
  gamedayVersion: string;
  /** A folder of `<name>.hbs` files replacing bundled report templates of the same name. */
  templatesDir?: string;
  /**
   * Called once the run folder, journal and alert book exist (tests, the live console, which
   * follows the journal and acknowledges through the book).
   */
  onStart?: (info: { runId: string; runDir: string; journal: Journal; book: AlertBook }) => void;
  /** Called with the environment's resolved addresses once it is up (the console's panel queries). */
  onEnvironment?: (config: GamedayConfig) => void;
  /**
   * The config `gameday ack` reads, for the ack command printed with each firing alert: the --config
   * file the run was started with when it is not the gameday.config.ts ack reads by itself, and
   * that file's receiver.listen (a held environment's may differ), and whether ack finds this
   * run's receiver by itself (the run holds the run lock in that config's reportsDir). Default:
   * `config`'s listen, no file, not found.
   */
  ackConfig?: { file?: string; receiverListen: string; discoverable: boolean };
  /** The checkout the run was started in, kept in result.json and the history. */
  git?: { commit: string | null; branch: string | null };
  /**
   * Judges the finished run against its history (baseline, regressions, history snapshot) before
   * result.json and the reports are written. A judge that throws leaves the result as it was.
   */
  judge?: (result: RunResult) => Promise<RunResult>;
}

export interface RunOutcome {
  result: RunResult;
  runDir: string;
  exitCode: number;
}

/** Registries of runs in progress in this process, for the last-resort revert on a crash or second signal. */
const liveRegistries = new Set<CleanupRegistry>();

export async function revertEverything(reason: string): Promise<void> {
  await Promise.all([...liveRegistries].map((r) => r.revertAll(reason).catch(() => undefined)));
}

/** Pid files of environments that runs in this process started (or are starting) and not yet stopped. */
const startedEnvironments = new Set<string>();

/**
 * Last resort on a crash or second signal, before process.exit: stops every process an environment
 * of this process's runs started, also one still starting, within about graceMs. Environments
 * handed in by the caller (gameday env up) are not among them.
 */
export async function stopStartedEnvironments(graceMs = 2_000): Promise<void> {
  await Promise.all([...startedEnvironments].map((f) => stopRecorded(f, graceMs).catch(() => [])));
}

/**
 * Registers an environment a caller outside runGameday is starting under runDir (rollout advance),
 * so the emergency stop reaches its processes too. Returns the unregister function.
 */
export function trackStartedEnvironment(runDir: string): () => void {
  const file = environmentPidFile(runDir);
  startedEnvironments.add(file);
  return () => startedEnvironments.delete(file);
}

export async function runGameday(o: RunOptions): Promise<RunOutcome> {
  // A missing load engine is found before anything is started or written (exit 3).
  assertLoadEngines(o.scenarios.map((l) => ({ id: l.scenario.id, load: l.scenario.load })));
  const runId = o.runId ?? newRunId();
  const runDir = resolve(o.reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const journal = new Journal(join(runDir, "journal.jsonl"));
  const entries: JournalEntry[] = [];
  journal.onEvent((e) => entries.push(e));
  const book = new AlertBook();
  o.onStart?.({ runId, runDir, journal, book });
  const startedAt = Date.now();
  journal.write({
    type: "run.start",
    runId,
    scenarios: o.scenarios.map((s) => s.scenario.id),
    profile: o.profile.name,
    scale: o.profile.scale,
    host: hostname(),
    defects: o.defects ?? [],
  });
  o.progress.event(
    `run ${runId} (${o.profile.name} profile, scale ${o.profile.scale.toFixed(4)}) → ${runDir}`,
  );

  const registry = new CleanupRegistry();
  liveRegistries.add(registry);
  const results: ScenarioResult[] = [];
  let faultCount = 0;
  const nextFaultId = () => `f${String(++faultCount).padStart(2, "0")}`;
  const runErrors: string[] = [];
  const services = new RunServices({
    runDir,
    journal,
    book,
    progress: o.progress,
    config: o.config,
    environment: o.environment,
    defects: o.defects,
    scale: o.profile.scale,
    ackConfig: o.ackConfig,
    onEnvironment: o.onEnvironment,
    trackEnvironment: trackStartedEnvironment,
  });

  try {
    const { cfg, drivers } = await services.bringUp();
    for (const loaded of o.scenarios) {
      if (o.signal.aborted) break;
      const scenario = applyProfile(loaded.scenario, o.profile);
      results.push(
        await runScenario({
          scenario,
          file: loaded.file,
          cfg,
          drivers,
          registry,
          journal,
          entries,
          alerts: book,
          runId,
          runDir,
          nextFaultId,
          progress: o.progress,
          signal: o.signal,
        }),
      );
    }
  } catch (err) {
    const message = (err as Error).message;
    runErrors.push(message);
    journal.write({ type: "error", message });
    o.progress.event(`ERROR: ${message}`);
  } finally {
    const reverted = await registry.revertAll(o.signal.aborted ? "interrupted" : "run end");
    for (const f of reverted.failed) runErrors.push(`fault ${f.faultId} could not be reverted: ${f.error}`);
    liveRegistries.delete(registry);
    await services.release(runErrors);
  }

  const log = (text: string) => o.progress.event(text);
  let result = runResult({
    runId,
    gamedayVersion: o.gamedayVersion,
    profile: o.profile,
    startedAt,
    defects: o.defects ?? [],
    git: o.git ?? null,
    scenarios: results,
    runErrors,
    interrupted: o.signal.aborted,
    strict: o.strict,
  });
  if (o.judge) result = await judgedResult(result, o.judge, journal, log);
  await writeRunFolder(runDir, result, { journal, templatesDir: o.templatesDir, log });
  o.progress.done();
  return { result, runDir, exitCode: result.exitCode };
}
