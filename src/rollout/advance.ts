// `gameday rollout advance`: drives a rollout through its phases. Per phase: ramp to its share in
// steps of at most maxFactor× (each held and checked), then run its checkpoints; the last one is
// the gate. A fired rollback trigger sets the previous stable phase's share at once and runs the
// rollback runbook; a fired pause trigger holds the share until it clears (or turns into a
// rollback after pauseLimit). Every change and every checkpoint is journalled; rollout.json and
// the reports are written on every exit path, and the state file says where the next advance starts.
// The steps are in rollout-phases.ts, what the advance has done in rollout-record.ts; this module
// says in which order they happen: start position, prerequisites, environment, the phases, finish.
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { delay } from "../engine/clock.ts";
import { Journal } from "../engine/journal.ts";
import type { Progress } from "../engine/progress.ts";
import { writeResolvedConfig } from "../engine/resolved-config.ts";
import { newRunId } from "../engine/run-id.ts";
import { trackStartedEnvironment } from "../engine/run.ts";
import { type Environment, provideEnvironment } from "../env/environment.ts";
import { SampleStore } from "../measure/samples.ts";
import { AlertBook } from "../observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../observe/receiver.ts";
import { splitHostPort } from "../env/hosts.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { type BackgroundLoad, startBackgroundLoad } from "./background-load.ts";
import type { LoadedRollout } from "./loader.ts";
import { checkPrerequisites } from "./prerequisites.ts";
import { writeRolloutResult } from "./result-file.ts";
import type { RolloutResult } from "./result.ts";
import { renderRolloutReports } from "./report.ts";
import { RolloutPhases } from "./rollout-phases.ts";
import { RolloutRecord, startPosition } from "./rollout-record.ts";
import type { Rollout } from "./schema.ts";
import { applyRolloutProfile, type RolloutProfile } from "./schedule.ts";
import { readRolloutState, writeRolloutState } from "./state.ts";
import { readShare } from "./traffic.ts";

export interface AdvanceOptions {
  loaded: LoadedRollout;
  config: GamedayConfig;
  profile: RolloutProfile;
  reportsDir: string;
  /** Folder the prerequisites' paths resolve against (the PRR file, the gameday reports). */
  root: string;
  signal: AbortSignal;
  progress: Progress;
  /** An environment that is already up (gameday env up); not stopped at the end. */
  environment?: Environment;
  /** Reference stack: defect switches on from the start. */
  defects?: string[];
  /** Start at this phase instead of where the state file says. */
  from?: string;
  /** Proceed although prerequisites fail; the reason is journalled and printed in the report. */
  waive?: string;
  gamedayVersion: string;
  templatesDir?: string;
  onStart?: (info: { runId: string; runDir: string; journal: Journal }) => void;
}

export interface AdvanceOutcome {
  result: RolloutResult;
  runDir: string;
  exitCode: number;
}

/** What an advance brings up, released on every exit path. */
interface Held {
  receiver?: AlertReceiver;
  env?: Environment;
  untrack?: () => void;
  load?: BackgroundLoad;
}

export async function advanceRollout(o: AdvanceOptions): Promise<AdvanceOutcome> {
  const r = applyRolloutProfile(o.loaded.rollout, o.profile);
  const runId = newRunId();
  const runDir = resolve(o.reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const journal = new Journal(join(runDir, "journal.jsonl"));
  o.onStart?.({ runId, runDir, journal });
  const startedAt = Date.now();
  const state = o.from ? null : readRolloutState(o.reportsDir, r.name);
  const say = (text: string) => o.progress.event(text);
  const record = new RolloutRecord(r, startPosition(r, state, o.from), journal, say);
  const startPhase = r.phases[record.startIndex]!;
  const held: Held = {};
  const store = new SampleStore();
  const book = new AlertBook();

  try {
    journal.write({
      type: "rollout.start",
      runId,
      rollout: r.name,
      profile: o.profile.name,
      scale: o.profile.scale,
      host: hostname(),
      phase: startPhase.name,
      share: record.share,
    });
    say(`rollout ${r.name} run ${runId} (${o.profile.name} profile) → ${runDir}`);
    if (state)
      say(
        `resuming at ${startPhase.name}: the last advance (${state.runId}) ended ${state.outcome} at ${state.phase}, stable ${state.stablePhase} (--from PHASE starts elsewhere)`,
      );
    if (!(await prerequisitesMet(r, record, { root: o.root, waive: o.waive, journal, say }))) {
      record.outcome = "NOT_READY";
      record.decide(
        startPhase.name,
        "HOLD",
        record.prerequisites.lines.filter((l) => !l.ok).map((l) => `prerequisite: ${l.text}`),
      );
      return await finish();
    }

    // Where the config's Alertmanager delivers: a held stack's recorded receiver, the user's own
    // address for an external setup, a free port (listen :0) for a reference stack of its own.
    const { host, port } = splitHostPort(o.config.receiver.listen);
    held.receiver = await startAlertReceiver({ host, port, token: o.config.receiver.token, journal, book });
    say(`alert receiver on ${held.receiver.url}`);
    let env: Environment;
    if (o.environment) env = o.environment;
    else {
      say(`starting environment (${o.config.provider})`);
      held.untrack = trackStartedEnvironment(runDir);
      env = await provideEnvironment(o.config, {
        runDir,
        receiverUrl: held.receiver.url,
        defects: o.defects,
      });
    }
    held.env = env;
    const cfg = env.config;
    writeResolvedConfig(runDir, cfg);
    const before = await readShare(cfg, r, o.signal);
    record.share = before ?? 0;
    record.shares.push({ t: Date.now(), share: record.share, why: "start" });
    say(`${r.flag.service} ${r.flag.field} is ${before ?? "unset (taken as 0)"} %`);

    const phases = new RolloutPhases({
      rollout: r,
      profile: o.profile,
      cfg,
      record,
      journal,
      store,
      book,
      signal: o.signal,
      say,
    });
    // A rollout resuming below the service's share cuts exposure at once, before it drives any
    // traffic; services apply flags asynchronously (the reference copilot re-reads them every
    // 500 ms), so the load waits a moment after such a cut.
    if (record.share > startPhase.traffic) {
      await phases.setShare(startPhase.traffic, record.startIndex, "start");
      if (r.load) await delay(1_000, o.signal);
    }
    if (r.load)
      held.load = startBackgroundLoad(r.load, {
        config: cfg,
        store,
        outDir: join(runDir, "load"),
        journal,
        scenario: r.name,
      });
    await phases.runAll();
  } catch (err) {
    if (o.signal.aborted) record.outcome = "INTERRUPTED";
    else {
      record.outcome = "ERROR";
      const message = (err as Error).message;
      record.errors.push(message);
      journal.write({ type: "error", message });
      say(`ERROR: ${message}`);
    }
    record.interruptCurrent();
  }
  return await finish();

  /** Releases what came up, then writes rollout.json, the state file and the reports. */
  async function finish(): Promise<AdvanceOutcome> {
    await release(held, { runDir, environment: o.environment, errors: record.errors, say });
    const result = record.result({
      runId,
      file: o.loaded.file,
      profile: o.profile,
      gamedayVersion: o.gamedayVersion,
      startedAt,
      load: held.load?.series() ?? [],
    });
    journal.write({
      type: "rollout.end",
      outcome: result.outcome,
      exitCode: result.exitCode,
      phase: result.endPhase,
      share: result.share,
    });
    journal.close();
    writeRolloutResult(runDir, result);
    // NOT_READY changed nothing: the state stays as it was.
    if (record.outcome !== "NOT_READY") writeRolloutState(o.reportsDir, record.nextState(runId));
    try {
      await renderRolloutReports(runDir, { templatesDir: o.templatesDir });
    } catch (err) {
      say(`report rendering failed: ${(err as Error).message}`);
    }
    o.progress.done();
    return { result, runDir, exitCode: result.exitCode };
  }
}

/** Checks the rollout's prerequisites into the record; a waiver lets a failed check proceed. */
async function prerequisitesMet(
  r: Rollout,
  record: RolloutRecord,
  o: { root: string; waive?: string; journal: Journal; say: (text: string) => void },
): Promise<boolean> {
  let prerequisites = await checkPrerequisites(r, { root: o.root });
  if (!prerequisites.ok && o.waive)
    prerequisites = {
      ok: false,
      lines: [...prerequisites.lines, { ok: true, text: `waived: ${o.waive}` }],
    };
  record.prerequisites = prerequisites;
  o.journal.write({ type: "rollout.prerequisites", ok: prerequisites.ok, lines: prerequisites.lines });
  for (const l of prerequisites.lines) o.say(`prerequisite ${l.ok ? "ok " : "NOT"} ${l.text}`);
  return prerequisites.ok || o.waive !== undefined;
}

/** The load, the receiver, the ground truth of the reference service, the advance's own environment. */
async function release(
  held: Held,
  o: { runDir: string; environment?: Environment; errors: string[]; say: (text: string) => void },
): Promise<void> {
  await held.load?.stop().catch((err: Error) => o.errors.push(`load: ${err.message}`));
  await held.receiver?.close().catch(() => {});
  const env = held.env;
  if (env?.groundTruth)
    await env
      .groundTruth()
      .then((events) =>
        writeFileSync(join(o.runDir, "ground-truth.json"), `${JSON.stringify(events, null, 2)}\n`),
      )
      .catch((err: Error) => o.say(`ground truth not recorded: ${err.message}`));
  if (env && !o.environment) {
    o.say("stopping environment");
    await env.stop().catch((err: Error) => o.errors.push(`environment stop: ${err.message}`));
  }
  held.untrack?.();
}
