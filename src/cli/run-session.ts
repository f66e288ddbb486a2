// One gameday run from a request to a recorded result, the same for `gameday run` and for runs that
// `gameday serve` starts (schedules, the API, the console): take the run lock, use a held
// environment, open the history store, run, record. Everything that can refuse the run does so
// before anything is touched.
import { resolve } from "node:path";
import type { RunOutcome } from "../engine/run.ts";
import type { Progress } from "../engine/progress.ts";
import type { Journal } from "../engine/journal.ts";
import type { Environment } from "../env/environment.ts";
import { ENV_STATE_FILE, readEnvState, readEnvStateFile } from "../env/state.ts";
import { gitInfo } from "../history/git-info.ts";
import type { AlertBook } from "../observe/alert-book.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { LoadedScenario } from "../scenario/loader.ts";
import type { Profile } from "../scenario/profile.ts";
import { acquireRunLock, type RunLock } from "../serve/run-lock.ts";
import { UsageError } from "./exit-codes.ts";
import { openHistory, type RunHistory } from "./run-history.ts";
import { VERSION } from "./version.ts";

export interface RunRequest {
  config: GamedayConfig;
  scenarios: LoadedScenario[];
  profile: Profile;
  reportsDir: string;
  defects: string[];
  /** --baseline */
  baseline?: string;
  /** --store */
  store?: string;
  record: boolean;
  strict: boolean;
  templatesDir?: string;
  /** --config, when it is not the default gameday.config.ts (named in the printed `gameday ack` command). */
  configFile?: string;
  progress: Progress;
  /** Who started it; kept in the run lock, so a refused second run can say who holds it. */
  starter: { by: string; via: "cli" | "api" | "schedule" };
}

export interface PreparedRun {
  request: RunRequest;
  /** The config the run uses: the request's, or the held environment's addresses with its settings. */
  config: GamedayConfig;
  environment: Environment | undefined;
  history: RunHistory | undefined;
  lock: RunLock;
}

/** Live hooks into the run (the console): its journal and alert book once they exist, its resolved addresses. */
export interface RunWatch {
  onStart?: (info: { runId: string; runDir: string; journal: Journal; book: AlertBook }) => void;
  onEnvironment?: (config: GamedayConfig) => void;
}

/**
 * Takes the run lock and checks everything that can refuse the run: a held environment with
 * defects (exit 2), a wrong baseline (2), an unreachable store (3), a run in progress (3).
 */
export async function prepareRun(request: RunRequest): Promise<PreparedRun> {
  const { progress, defects } = request;
  let config = request.config;
  const lock = acquireRunLock(request.reportsDir, {
    by: request.starter.by,
    via: request.starter.via,
    scenarios: request.scenarios.map((s) => s.scenario.id),
    runId: null,
  });
  try {
    const held = await heldEnvironment(config, progress, defects);
    const environment = held?.environment;
    if (held) config = held.config;
    if (defects.length && config.provider !== "reference")
      throw new UsageError("--defect works with the reference stack only");
    // The store and the baseline are checked before anything starts: a wrong run id is exit 2 and
    // an unreachable store exit 3 with nothing touched.
    const history = await openHistory({
      config,
      reportsDir: request.reportsDir,
      store: request.store,
      baseline: request.baseline,
      record: request.record,
      profile: request.profile.name,
      strict: request.strict,
    });
    return { request, config, environment, history, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * An environment brought up by `gameday env up`, used as it is and left running: its addresses
 * with the caller's run settings. Undefined when none is held (a stale holder is reported).
 */
export async function heldEnvironment(
  config: GamedayConfig,
  progress: Progress,
  defects: readonly string[] = [],
): Promise<{ config: GamedayConfig; environment: Environment } | undefined> {
  const held = readEnvState();
  if (!held) {
    const stale = readEnvStateFile();
    if (stale)
      progress.event(
        `${ENV_STATE_FILE} names holder pid ${stale.pid}, which is not running: starting a fresh environment (gameday env down stops its leftovers)`,
      );
    return undefined;
  }
  if (defects.length)
    throw new UsageError(
      `--defect needs a stack of the run's own, but \`gameday env up\` holds one (pid ${held.pid}); stop it with gameday env down`,
    );
  const merged: GamedayConfig = {
    ...held.config,
    autoAck: config.autoAck,
    // Alertmanager of the held stack delivers to the address it was started with.
    receiver: { ...config.receiver, listen: held.config.receiver.listen },
    reportsDir: config.reportsDir,
    history: config.history,
    serve: config.serve,
    schedules: config.schedules,
    notify: config.notify,
    rollouts: config.rollouts,
  };
  const { attachHeldEnvironment } = await import("../env/held.ts");
  const environment = { ...(await attachHeldEnvironment(held)), config: merged };
  progress.event(`using the ${held.provider} environment held by gameday env up (pid ${held.pid})`);
  return { config: merged, environment };
}

export interface SessionOutcome {
  outcome: RunOutcome;
  /** The run's exit code, or 3 when the history could not do its part (the message printed). */
  exitCode: number;
}

/**
 * Runs a prepared run to its end and records it. `onOutcome` sees the result before it is recorded
 * (the CLI prints the verdict table there). The lock is released and the store closed on every path.
 */
export async function executeRun(
  p: PreparedRun,
  o: { signal: AbortSignal; watch?: RunWatch; onOutcome?: (outcome: RunOutcome) => void },
): Promise<SessionOutcome> {
  const r = p.request;
  try {
    // The engine (and through it the load engine, Toxiproxy, Redis clients) loads only when a run starts.
    const { runGameday } = await import("../engine/run.ts");
    const outcome = await runGameday({
      scenarios: r.scenarios,
      config: p.config,
      profile: r.profile,
      reportsDir: r.reportsDir,
      git: gitInfo(),
      judge: p.history?.judge,
      strict: r.strict,
      progress: r.progress,
      signal: o.signal,
      defects: r.defects,
      environment: p.environment,
      templatesDir: r.templatesDir,
      // The request's config, not a held environment's: it is the file `gameday ack` reads, and
      // ack looks for the run in progress (this one, by its lock) in that config's reportsDir.
      ackConfig: {
        file: r.configFile,
        receiverListen: r.config.receiver.listen,
        discoverable: resolve(r.reportsDir) === resolve(r.config.reportsDir),
      },
      gamedayVersion: VERSION,
      onStart: (info) => {
        p.lock.setRunId(info.runId);
        o.watch?.onStart?.(info);
      },
      onEnvironment: o.watch?.onEnvironment,
    });
    o.onOutcome?.(outcome);
    const recorded = p.history ? await p.history.finish(outcome.result, outcome.runDir) : true;
    return { outcome, exitCode: recorded ? outcome.exitCode : 3 };
  } finally {
    await p.history?.close();
    p.lock.release();
  }
}
