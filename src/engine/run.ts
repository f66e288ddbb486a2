// The run orchestrator: brings the environment up, runs each scenario's timeline against the clock
// (baseline → inject → observe → recover → verify) with load, probes and stop conditions, reverts
// every fault on every exit path, measures, judges, and writes the run folder.
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { EnvironmentError } from "../cli/exit-codes.ts";
import { type Environment, environmentPidFile, provideEnvironment } from "../env/environment.ts";
import { splitHostPort } from "../env/hosts.ts";
import { stopRecorded } from "../env/process.ts";
import { exitCodeFor, scenarioVerdict } from "../evaluate/evaluate.ts";
import { startStopMonitor } from "../evaluate/stop.ts";
import { type Verdict, worst } from "../evaluate/verdict.ts";
import { createDrivers } from "../faults/index.ts";
import { describeFault } from "../faults/describe.ts";
import { type FaultDriver, faultTag } from "../faults/driver.ts";
import { ensureProxies } from "../faults/toxiproxy.ts";
import { runHttpLoad } from "../load/http-engine.ts";
import { runK6 } from "../load/k6-runner.ts";
import { assertLoadEngines } from "../load/preflight.ts";
import type { LiveStats } from "../load/live.ts";
import { buildCharts } from "../measure/charts.ts";
import { measureScenario } from "../measure/metrics.ts";
import { SampleStore } from "../measure/samples.ts";
import { AlertBook } from "../observe/alert-book.ts";
import { startAutoAck } from "../observe/ack.ts";
import { startProbes } from "../observe/probes.ts";
import { startAlertReceiver } from "../observe/receiver.ts";
import { renderReports, writeResult } from "../report/index.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { LoadedScenario } from "../scenario/loader.ts";
import { type Profile, applyProfile } from "../scenario/profile.ts";
import type { FaultSpec, LoadSpec, Scenario } from "../scenario/schema.ts";
import { CleanupRegistry } from "./cleanup.ts";
import { ScenarioClock } from "./clock.ts";
import { Journal } from "./journal.ts";
import type { JournalEntry, Phase } from "./journal-events.ts";
import { type PlannedStep, planScenario } from "./plan.ts";
import { type Progress, trailingLoad } from "./progress.ts";
import { RESULT_SCHEMA, type RunResult, type ScenarioResult } from "./result.ts";
import { writeResolvedConfig } from "./resolved-config.ts";
import { readBack } from "./readback.ts";
import { newRunId } from "./run-id.ts";
import { executeRunbook, trailingHealth } from "./runbook.ts";
import { failureClassifier } from "./failures.ts";

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

class StopCondition extends Error {
  override name = "StopCondition";
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
  const faultCounter = { n: 0 };
  const runErrors: string[] = [];
  let receiver: Awaited<ReturnType<typeof startAlertReceiver>> | undefined;
  let env: Environment | undefined;
  let autoAck: { stop(): void } | undefined;

  try {
    const { host: rhost, port: rport } = splitHostPort(o.config.receiver.listen);
    receiver = await startAlertReceiver({
      host: rhost,
      port: rport,
      token: o.config.receiver.token,
      journal,
      book,
    });
    o.progress.event(`alert receiver on ${receiver.url}`);
    if (o.environment) env = o.environment;
    else {
      o.progress.event(`starting environment (${o.config.provider})`);
      startedEnvironments.add(environmentPidFile(runDir));
      env = await provideEnvironment(o.config, { runDir, receiverUrl: receiver.url, defects: o.defects });
    }
    // The provider resolves addresses; run-level settings stay the user's.
    const cfg: GamedayConfig = { ...env.config, autoAck: o.config.autoAck ?? env.config.autoAck };
    // Kept with the run so `gameday cleanup --run <id>` can reach the same targets after a SIGKILL.
    writeResolvedConfig(runDir, cfg);
    o.onEnvironment?.(cfg);
    if (cfg.toxiproxy) {
      await ensureProxies(
        cfg.toxiproxy.api,
        cfg.proxies.filter((p) => p.kind === "toxiproxy"),
      );
    }
    const drivers = createDrivers({ config: cfg, processes: env.processes });
    if (cfg.autoAck) {
      const afterMs = Math.max(1, Math.round(cfg.autoAck.after * o.profile.scale));
      autoAck = startAutoAck(book, { afterMs, journal });
      o.progress.event(`auto-responder acknowledges alerts after ${afterMs} ms (acks labelled synthetic)`);
    }
    for (const loaded of o.scenarios) {
      if (o.signal.aborted) break;
      const scenario = applyProfile(loaded.scenario, o.profile);
      results.push(
        await runScenario({
          o,
          scenario,
          file: loaded.file,
          cfg,
          drivers,
          registry,
          journal,
          entries,
          book,
          runId,
          runDir,
          faultCounter,
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
    autoAck?.stop();
    await receiver?.close().catch(() => {});
    if (env?.groundTruth) {
      // The reference service's own record of what really happened, kept as evidence and for
      // checking the harness's measurements against it.
      await env
        .groundTruth()
        .then((events) =>
          writeFileSync(join(runDir, "ground-truth.json"), `${JSON.stringify(events, null, 2)}\n`),
        )
        .catch((err: Error) => o.progress.event(`ground truth not recorded: ${err.message}`));
    }
    if (env && !o.environment) {
      o.progress.event("stopping environment");
      await env.stop().catch((err: Error) => runErrors.push(`environment stop: ${err.message}`));
    }
    startedEnvironments.delete(environmentPidFile(runDir));
  }

  const interrupted = o.signal.aborted;
  const verdict: Verdict = runErrors.length ? "ERROR" : worst(results.map((r) => r.verdict));
  const exitCode = interrupted ? 130 : exitCodeFor(verdict, { strict: o.strict });
  let result: RunResult = {
    schema: RESULT_SCHEMA,
    runId,
    gamedayVersion: o.gamedayVersion,
    host: hostname(),
    profile: o.profile.name,
    scale: o.profile.scale,
    startedAt,
    endedAt: Date.now(),
    verdict,
    exitCode,
    interrupted,
    defects: o.defects ?? [],
    git: o.git ?? null,
    scenarios: results,
  };
  if (o.judge) {
    try {
      result = await o.judge(result);
      for (const s of result.scenarios)
        for (const m of s.measurements)
          if (m.comparison?.regressed)
            journal.write({
              type: "regression",
              scenario: s.id,
              metric: m.metric,
              value: m.value,
              comparison: m.comparison,
            });
    } catch (err) {
      o.progress.event(`history: ${(err as Error).message}; the run is reported without it`);
    }
  }
  journal.write({ type: "run.end", verdict: result.verdict, exitCode: result.exitCode, interrupted });
  journal.close();
  await writeResult(runDir, result);
  try {
    await renderReports(runDir, { templatesDir: o.templatesDir });
  } catch (err) {
    o.progress.event(`report rendering failed: ${(err as Error).message}`);
  }
  o.progress.done();
  return { result, runDir, exitCode: result.exitCode };
}

interface ScenarioRun {
  o: RunOptions;
  scenario: Scenario;
  file: string;
  cfg: GamedayConfig;
  drivers: ReturnType<typeof createDrivers>;
  registry: CleanupRegistry;
  journal: Journal;
  entries: JournalEntry[];
  book: AlertBook;
  runId: string;
  runDir: string;
  /** Fault ids are numbered across the whole run (f01, f02, …). */
  faultCounter: { n: number };
}

async function runScenario(r: ScenarioRun): Promise<ScenarioResult> {
  const { o, scenario: s, journal, registry, cfg } = r;
  const plan = planScenario(s);
  const store = new SampleStore();
  const errors: string[] = [];
  const scenarioDir = join(r.runDir, s.id);
  mkdirSync(scenarioDir, { recursive: true });
  const abort = new AbortController();
  const onRunAbort = () => abort.abort(o.signal.reason);
  o.signal.addEventListener("abort", onRunAbort, { once: true });
  let stopped: string | null = null;
  const activeFaults = new Set<string>();
  const myFaults: string[] = [];
  const isFailure = failureClassifier(s.load?.failOn ?? ["5xx", "429", "network"]);

  const clock = new ScenarioClock();
  const start = clock.wallOrigin;
  journal.write({ type: "scenario.start", scenario: s.id, plannedMs: plan.plannedMs });
  o.progress.event(`▶ ${s.id}: ${s.title} (${Math.round(plan.plannedMs / 1000)} s planned)`);
  let phase: Phase = "baseline";
  const setPhase = (p: Phase) => {
    if (p === phase) return;
    phase = p;
    journal.write({ type: "phase", scenario: s.id, phase: p });
    // A handful of fsyncs per scenario: what a host crash may lose ends at the last phase change.
    journal.sync();
  };
  journal.write({ type: "phase", scenario: s.id, phase: "baseline" });

  const probes = startProbes(cfg.probes, { store, journal, prometheusUrl: cfg.prometheus?.url });
  const stopMonitor = startStopMonitor({
    stopIf: s.stopIf,
    store,
    failed: (tags) => isFailure(Number(tags.status ?? "0")),
    onStop: (reason) => {
      if (stopped) return;
      stopped = reason;
      journal.write({ type: "stop", scenario: s.id, reason });
      o.progress.event(`■ stop condition: ${reason}`);
      abort.abort(new StopCondition(reason));
    },
  });

  // Load runs for its own duration; it is aborted when the scenario stops early.
  const loadAbort = new AbortController();
  abort.signal.addEventListener("abort", () => loadAbort.abort(), { once: true });
  // The engine's live stats, for the progress line only: stop conditions read the raw store (exact windows).
  let live: LiveStats | undefined;
  const loadDone: Promise<unknown> = s.load
    ? startLoad(s.load, {
        scenario: s.id,
        scenarioFile: r.file,
        cfg,
        outDir: scenarioDir,
        store,
        journal,
        signal: loadAbort.signal,
        onProgress: (l) => {
          live = l;
        },
        errors,
      })
    : Promise.resolve();

  const fromStore = () => {
    const h = trailingHealth(store, 5_000, isFailure);
    return {
      p95Ms: h.count ? h.p95 : undefined,
      errorRate: h.count ? h.errorRate : undefined,
      rps: h.count / 5,
    };
  };
  const ticker = setInterval(() => {
    o.progress.status({
      scenario: s.id,
      phase,
      elapsedMs: clock.elapsed(),
      plannedMs: plan.plannedMs,
      ...trailingLoad(live, fromStore),
      activeFaults: activeFaults.size,
    });
  }, 1_000);

  const revertFault = async (faultId: string, reason: string) => {
    await registry.revert(faultId, reason);
    activeFaults.delete(faultId);
    if (activeFaults.size === 0 && phase !== "baseline") setPhase("recover");
  };

  const runStep = async (step: PlannedStep) => {
    const late = await clock.until(step.at, abort.signal);
    if (step.kind === "inject" && step.fault) {
      const spec: FaultSpec = step.fault;
      const faultId = `f${String(++r.faultCounter.n).padStart(2, "0")}`;
      const tag = faultTag(r.runId, faultId);
      const driver = r.drivers[spec.kind] as FaultDriver;
      const ref = { faultId, tag };
      let previous: unknown;
      journal.write({
        type: "fault.registered",
        scenario: s.id,
        faultId,
        kind: spec.kind,
        target: spec.target,
        tag,
        spec,
      });
      // Registered before apply: whatever happens next, this revert runs exactly once.
      registry.register(faultId, async (reason?: string) => {
        try {
          const out = await driver.revert(spec, ref, previous);
          // Not journalled as reverted until the target shows it gone, so `gameday cleanup` retries it.
          const check = await readBack(driver, spec, ref, previous, false);
          journal.write({ type: "fault.readback", faultId, after: "revert", ...check });
          if (!check.ok)
            throw new Error(
              `fault ${faultId} (${spec.kind} on ${spec.target}) was not reverted: ${check.detail}`,
            );
          journal.write({
            type: "fault.reverted",
            faultId,
            reason: reason ?? "cleanup",
            detail: out ? out.detail : undefined,
          });
        } catch (err) {
          journal.write({ type: "fault.revert_failed", faultId, error: (err as Error).message });
          throw err;
        }
      });
      myFaults.push(faultId);
      setPhase("inject");
      if (driver.capture) {
        previous = await driver.capture(spec, ref);
        journal.write({ type: "fault.captured", faultId, previous });
      }
      const applied = await driver.apply(spec, ref, previous);
      previous = applied.previous ?? previous;
      activeFaults.add(faultId);
      journal.write({
        type: "fault.applied",
        faultId,
        plannedAt: clock.wallAt(step.at),
        lateMs: Math.round(late),
        previous: applied.previous,
        detail: applied.detail,
      });
      o.progress.event(
        `⚡ ${describeFault(spec)}${applied.detail ? ` ${JSON.stringify(applied.detail)}` : ""}`,
      );
      const shown = await readBack(driver, spec, ref, previous, true);
      journal.write({ type: "fault.readback", faultId, after: "apply", ...shown });
      if (!shown.ok) {
        const what = `fault ${faultId} (${spec.kind} on ${spec.target}): ${shown.detail}`;
        // An exact read-back that misses means the experiment is not running what it claims; a
        // best-effort one (an http-action read endpoint) may only differ in shape, so it warns.
        if (driver.readBack === "exact") throw new Error(what);
        o.progress.event(`⚠ ${what}`);
      }
      setPhase("observe");
      if (step.until !== undefined) {
        await clock.until(step.until, abort.signal);
        await revertFault(faultId, "planned end");
        o.progress.event(`↺ reverted ${faultId} (${spec.kind} on ${spec.target})`);
      } else if (spec.kind === "redis") {
        // A purge is an instant: nothing stays applied, so its (no-op) revert is journalled now.
        await revertFault(faultId, "instant: a purge has nothing to undo");
      }
    } else if (step.kind === "decide" && s.runbook) {
      journal.write({ type: "decision", scenario: s.id, what: step.decision ?? "decision" });
      o.progress.event(`◆ decision recorded; executing runbook (${s.runbook.steps.length} steps)`);
      await executeRunbook(s.runbook.steps, {
        scenario: s.id,
        config: cfg,
        store,
        steadyState: s.steadyState,
        isFailure,
        alerts: r.book,
        journal,
        signal: abort.signal,
        log: (t) => o.progress.event(`  ${t}`),
      });
    }
  };

  try {
    const steps = Promise.all(plan.steps.map(runStep));
    const end = clock.until(plan.plannedMs, abort.signal);
    await Promise.all([steps, end]);
    setPhase("verify");
  } catch (err) {
    if (!(err instanceof StopCondition) && !o.signal.aborted && !abort.signal.aborted) {
      const message = (err as Error).message;
      errors.push(message);
      journal.write({ type: "error", scenario: s.id, message });
      o.progress.event(`ERROR in ${s.id}: ${message}`);
    }
    abort.abort(err);
  } finally {
    clearInterval(ticker);
    stopMonitor.stop();
    for (const id of [...myFaults].reverse()) {
      await registry
        .revert(id, stopped ? "stop condition" : o.signal.aborted ? "interrupted" : "scenario end")
        .catch(() => {});
    }
    activeFaults.clear();
    loadAbort.abort();
    await loadDone;
    await probes.stop();
    o.signal.removeEventListener("abort", onRunAbort);
  }

  const end = Date.now();
  const scenarioEntries = r.entries;
  const m = measureScenario({ scenario: s, entries: scenarioEntries, store, runEnd: end });
  const verdict = o.signal.aborted ? "ERROR" : scenarioVerdict(m.measurements, errors);
  journal.write({ type: "scenario.end", scenario: s.id, verdict });
  o.progress.event(`${verdict === "PASS" ? "✔" : "✘"} ${s.id}: ${verdict}`);
  const faultWindows = scenarioEntries
    .filter(
      (e): e is Extract<JournalEntry, { type: "fault.registered" }> =>
        e.type === "fault.registered" && e.scenario === s.id,
    )
    .map((reg) => ({
      faultId: reg.faultId,
      kind: reg.kind,
      target: reg.target,
      summary: describeFault(reg.spec),
      appliedAt:
        scenarioEntries.find((e) => e.type === "fault.applied" && e.faultId === reg.faultId)?.t ?? null,
      revertedAt:
        scenarioEntries.find((e) => e.type === "fault.reverted" && e.faultId === reg.faultId)?.t ?? null,
    }));
  return {
    id: s.id,
    title: s.title,
    owner: s.owner,
    hypothesis: s.hypothesis,
    verdict,
    // start stays the measurement's own (the scenario.start entry): TTD of a scenario without a
    // fault is counted from it, and result.times must let a reader recompute that exactly.
    times: { ...m.times, end },
    faults: faultWindows,
    alerts: m.alerts,
    runbook: scenarioEntries
      .filter(
        (e): e is Extract<JournalEntry, { type: "runbook.step" }> =>
          e.type === "runbook.step" && e.scenario === s.id,
      )
      .map(({ id, title, startedAt, endedAt, ok, detail }) => ({
        id,
        title,
        startedAt,
        endedAt,
        ok,
        detail,
      })),
    measurements: m.measurements,
    charts: buildCharts(store, start, end, isFailure),
    record: s.record,
    stopped,
    errors,
  };
}

interface LoadRun {
  scenario: string;
  scenarioFile: string;
  cfg: GamedayConfig;
  outDir: string;
  store: SampleStore;
  journal: Journal;
  signal: AbortSignal;
  onProgress: (live: LiveStats) => void;
  /** The scenario's error list: a load that fails makes the scenario ERROR. */
  errors: string[];
}

/** Starts a scenario's load on its engine; resolves when the load has ended, never rejects. */
function startLoad(load: LoadSpec, l: LoadRun): Promise<void> {
  const fail = (message: string) => {
    l.errors.push(message);
    l.journal.write({ type: "error", scenario: l.scenario, message });
  };
  if (load.kind === "http") {
    l.journal.write({
      type: "load.start",
      scenario: l.scenario,
      command: ["gameday-load", "→", load.target],
    });
    return runHttpLoad({
      load,
      baseUrl: urlOf(l.cfg, load.target),
      outDir: l.outDir,
      store: l.store,
      signal: l.signal,
      onProgress: l.onProgress,
    })
      .then((res) => {
        l.journal.write({
          type: "load.end",
          scenario: l.scenario,
          exitCode: res.exitCode,
          signal: res.signal,
        });
        if (res.scenarioError) fail(`load: ${res.scenarioError}`);
        if (res.exitCode !== 0 && !res.aborted)
          fail(`load engine exited with code ${res.exitCode}: ${res.stderrTail || "no output"}`);
      })
      .catch((err: Error) => fail(`load: ${err.message}`));
  }
  const script = isAbsolute(load.script) ? load.script : resolve(dirname(l.scenarioFile), load.script);
  const targetUrl = load.target ? urlOf(l.cfg, load.target) : l.cfg.services[0]?.url;
  l.journal.write({ type: "load.start", scenario: l.scenario, command: ["k6", "run", script] });
  return runK6({
    script,
    load,
    targetUrl,
    outDir: l.outDir,
    store: l.store,
    signal: l.signal,
    onProgress: l.onProgress,
  })
    .then((res) => {
      l.journal.write({ type: "load.end", scenario: l.scenario, exitCode: res.exitCode, signal: res.signal });
      // k6 exits 99 when a script threshold fails; that is the script's verdict, not a harness error.
      if (res.exitCode !== 0 && res.exitCode !== 99 && !l.signal.aborted) {
        l.errors.push(`k6 exited with code ${res.exitCode}; see ${join(l.scenario, "k6.stderr.log")}`);
      }
    })
    .catch((err: Error) => fail(`load: ${err.message}`));
}

/** The base URL a load aimed at `name` (a service or proxy of the config) sends to. */
export function urlOf(cfg: GamedayConfig, name: string): string {
  const svc = cfg.services.find((x) => x.name === name);
  if (svc) return svc.url;
  const proxy = cfg.proxies.find((p) => p.name === name);
  if (proxy) return `http://${proxy.listen}`;
  throw new EnvironmentError(`load target "${name}" is neither a service nor a proxy in the config`);
}
