// `gameday rollout advance`: drives a rollout through its phases. Per phase: ramp to its share in
// steps of at most maxFactor× (each held and checked), then run its checkpoints; the last one is
// the gate. A fired rollback trigger sets the previous stable phase's share at once and runs the
// rollback runbook; a fired pause trigger holds the share until it clears (or turns into a
// rollback after pauseLimit). Every change and every checkpoint is journalled; rollout.json and
// the reports are written on every exit path, and the state file says where the next advance starts.
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { delay } from "../engine/clock.ts";
import { failureClassifier } from "../engine/failures.ts";
import { Journal } from "../engine/journal.ts";
import type { Progress } from "../engine/progress.ts";
import { writeResolvedConfig } from "../engine/resolved-config.ts";
import { newRunId } from "../engine/run-id.ts";
import { trackStartedEnvironment } from "../engine/run.ts";
import { executeRunbook } from "../engine/runbook.ts";
import { type Environment, provideEnvironment } from "../env/environment.ts";
import { SampleStore } from "../measure/samples.ts";
import { AlertBook } from "../observe/alert-book.ts";
import { startAlertReceiver } from "../observe/receiver.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { formatDuration } from "../scenario/duration.ts";
import type { RunbookStep } from "../scenario/schema.ts";
import { type BackgroundLoad, startBackgroundLoad } from "./background-load.ts";
import type { Evaluation, PrerequisiteResult } from "./decision.ts";
import { evaluatePhase, TriggerMemory } from "./evaluate.ts";
import type { LoadedRollout } from "./loader.ts";
import { checkPrerequisites } from "./prerequisites.ts";
import { writeRolloutResult } from "./result-file.ts";
import { renderRolloutReports } from "./report.ts";
import type {
  CheckpointRecord,
  DecisionRecord,
  PhaseRecord,
  RolloutOutcome,
  RolloutResult,
  RunbookRecord,
} from "./result.ts";
import { ROLLOUT_RESULT_SCHEMA } from "./result.ts";
import { rampSteps, rollbackPhase } from "./rules.ts";
import {
  applyRolloutProfile,
  formatRolloutDuration,
  phaseCheckpoints,
  rampHoldMs,
  type RolloutProfile,
  scaled,
} from "./schedule.ts";
import { readRolloutState, writeRolloutState } from "./state.ts";
import { readShare, writeShare } from "./traffic.ts";

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

const EXIT_OF: Record<RolloutOutcome, number> = {
  COMPLETE: 0,
  ROLLED_BACK: 1,
  HELD: 1,
  NOT_READY: 1,
  INTERRUPTED: 130,
  ERROR: 3,
};

/** How a phase ended. */
type PhaseEnd =
  | { kind: "promoted" }
  | { kind: "rollback"; to: "previous" | "first"; reasons: string[] }
  | { kind: "held"; reasons: string[] };

export async function advanceRollout(o: AdvanceOptions): Promise<AdvanceOutcome> {
  const r = applyRolloutProfile(o.loaded.rollout, o.profile);
  const runId = newRunId();
  const runDir = resolve(o.reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const journal = new Journal(join(runDir, "journal.jsonl"));
  o.onStart?.({ runId, runDir, journal });
  const startedAt = Date.now();
  const state = o.from ? null : readRolloutState(o.reportsDir, r.name);
  const startName = o.from ?? state?.phase ?? r.phases[0]!.name;
  const startIndex = Math.max(
    0,
    r.phases.findIndex((p) => p.name === startName),
  );
  let stable =
    state && !o.from
      ? Math.max(
          0,
          r.phases.findIndex((p) => p.name === state.stablePhase),
        )
      : Math.max(0, startIndex - 1);
  let current = startIndex;
  let share = state?.share ?? 0;

  const phases: PhaseRecord[] = r.phases.map((p) => ({
    name: p.name,
    title: p.title,
    audience: p.audience,
    traffic: p.traffic,
    minDurationMs: p.minDuration,
    startedAt: null,
    endedAt: null,
    outcome: "not reached",
  }));
  const checkpoints: CheckpointRecord[] = [];
  const decisions: DecisionRecord[] = [];
  const shares: RolloutResult["shares"] = [];
  const runbooks: RunbookRecord[] = [];
  const errors: string[] = [];
  let outcome: RolloutOutcome = "ERROR";
  let prerequisites: PrerequisiteResult = { ok: false, lines: [] };
  let env: Environment | undefined;
  let untrack: (() => void) | undefined;
  let load: BackgroundLoad | undefined;
  let receiver: Awaited<ReturnType<typeof startAlertReceiver>> | undefined;
  const store = new SampleStore();
  const book = new AlertBook();
  const memory = new TriggerMemory();
  let lastUnreachable: string[] = [];

  const say = (text: string) => o.progress.event(text);
  const decideLine = (phase: string, decision: DecisionRecord["decision"], reasons: string[]) => {
    const at = Date.now();
    decisions.push({ at, phase, decision, share, reasons });
    journal.write({ type: "rollout.decision", phase, decision, share, reasons }, at);
    journal.sync();
    say(`${decision} ${phase} at ${share} %${reasons[0] ? ` — ${reasons[0]}` : ""}`);
  };

  try {
    journal.write({
      type: "rollout.start",
      runId,
      rollout: r.name,
      profile: o.profile.name,
      scale: o.profile.scale,
      host: hostname(),
      phase: r.phases[startIndex]!.name,
      share,
    });
    say(`rollout ${r.name} run ${runId} (${o.profile.name} profile) → ${runDir}`);
    if (state)
      say(
        `resuming at ${startName}: the last advance (${state.runId}) ended ${state.outcome} at ${state.phase}, stable ${state.stablePhase} (--from PHASE starts elsewhere)`,
      );
    prerequisites = await checkPrerequisites(r, { root: o.root });
    if (!prerequisites.ok && o.waive)
      prerequisites = {
        ok: false,
        lines: [...prerequisites.lines, { ok: true, text: `waived: ${o.waive}` }],
      };
    journal.write({ type: "rollout.prerequisites", ok: prerequisites.ok, lines: prerequisites.lines });
    for (const l of prerequisites.lines) say(`prerequisite ${l.ok ? "ok " : "NOT"} ${l.text}`);
    if (!prerequisites.ok && !o.waive) {
      outcome = "NOT_READY";
      decideLine(
        r.phases[startIndex]!.name,
        "HOLD",
        prerequisites.lines.filter((l) => !l.ok).map((l) => `prerequisite: ${l.text}`),
      );
      return await finish();
    }

    receiver = await startAlertReceiver({ host: "127.0.0.1", port: 0, journal, book });
    if (o.environment) env = o.environment;
    else {
      say(`starting environment (${o.config.provider})`);
      untrack = trackStartedEnvironment(runDir);
      env = await provideEnvironment(o.config, { runDir, receiverUrl: receiver.url, defects: o.defects });
    }
    const cfg = env.config;
    writeResolvedConfig(runDir, cfg);
    const before = await readShare(cfg, r, o.signal);
    share = before ?? 0;
    shares.push({ t: Date.now(), share, why: "start" });
    say(`${r.flag.service} ${r.flag.field} is ${before ?? "unset (taken as 0)"} %`);

    const setShare = async (to: number, phaseIndex: number, why: "start" | "ramp" | "rollback") => {
      const phase = r.phases[phaseIndex]!;
      const from = share;
      const readback = await writeShare(cfg, r, to, phase.flag, o.signal);
      share = to;
      const t = Date.now();
      shares.push({ t, share: to, why });
      journal.write({ type: "rollout.share", phase: phase.name, from, to, why, readback }, t);
      journal.sync();
      say(`${phase.name} share ${from} % → ${to} % (${why})`);
    };

    // A rollout resuming below the service's share cuts exposure at once, before it drives any
    // traffic; services apply flags asynchronously (the reference copilot re-reads them every
    // 500 ms), so the load waits a moment after such a cut.
    if (share > r.phases[startIndex]!.traffic) {
      await setShare(r.phases[startIndex]!.traffic, startIndex, "start");
      if (r.load) await delay(1_000, o.signal);
    }
    if (r.load)
      load = startBackgroundLoad(r.load, {
        config: cfg,
        store,
        outDir: join(runDir, "load"),
        journal,
        scenario: r.name,
      });

    const check = async (
      i: number,
      c: {
        label: string;
        kind: CheckpointRecord["kind"];
        plannedAtMs: number | null;
        final: boolean;
        gate: boolean;
        reason?: string;
      },
    ): Promise<Evaluation> => {
      const phase = r.phases[i]!;
      const out = await evaluatePhase({
        rollout: r,
        phaseIndex: i,
        ctx: { config: cfg, profile: o.profile, signal: o.signal },
        memory,
        gate: c.gate,
        phaseComplete: c.final
          ? { done: true, reason: "" }
          : { done: false, reason: c.reason ?? `${phase.name} continues` },
      });
      lastUnreachable = out.unreachable;
      for (const u of out.unreachable) say(`unreachable: ${u}`);
      const e = out.evaluation;
      checkpoints.push({
        phase: phase.name,
        label: c.label,
        kind: c.kind,
        share,
        plannedAtMs: c.plannedAtMs,
        at: out.at,
        decision: e.decision,
        reasons: e.reasons,
        criteria: e.criteria,
      });
      journal.write(
        {
          type: "rollout.checkpoint",
          phase: phase.name,
          label: c.label,
          final: c.final,
          share,
          decision: e.decision,
          reasons: e.reasons,
          criteria: e.criteria,
        },
        out.at,
      );
      const notGreen = e.criteria
        .filter((x) => x.status !== "pass" && x.status !== "clear")
        .map((x) => `${x.name} ${x.status}`);
      const failing = notGreen.length;
      say(
        // Before the gate, HOLD only means the phase goes on; say so unless something is off.
        `${phase.name} ${share} % checkpoint ${c.label}: ${!c.final && e.decision === "HOLD" ? (failing ? "continue, watch" : "continue") : e.decision}${failing ? ` (${failing} not green: ${notGreen.join(", ")})` : ""}${e.decision === "HOLD" && c.final ? ` — ${e.reasons[0]}` : ""}`,
      );
      return e;
    };

    const runSteps = async (kind: "pause" | "rollback", steps: RunbookStep[]) => {
      if (!steps.length) return;
      const at = Date.now();
      const stepsOut: RunbookRecord["steps"] = [];
      const unsubscribe = journal.onEvent((e) => {
        if (e.type === "runbook.step")
          stepsOut.push({
            id: e.id,
            title: e.title,
            ok: e.ok,
            detail: e.detail,
            startedAt: e.startedAt,
            endedAt: e.endedAt,
          });
      });
      let ok = false;
      try {
        ok = await executeRunbook(steps, {
          scenario: r.name,
          config: cfg,
          store,
          steadyState: r.steadyState,
          isFailure: failureClassifier(r.load?.failOn ?? ["5xx", "429", "network"]),
          alerts: book,
          journal,
          signal: o.signal,
          log: say,
        });
      } finally {
        unsubscribe();
      }
      runbooks.push({ kind, at, ok, steps: stepsOut });
      if (!ok) errors.push(`${kind} runbook: a step failed (see ${journal.path})`);
    };

    // A paused phase, and a gate that holds, are checked again at the schedule's first interval.
    const recheckMs = scaled(r.checkpoints.after[0] ?? 900_000, o.profile);

    /** Rechecks every recheckMs while paused; resolves with how long, or a rollback. */
    const pauseUntilClear = async (
      i: number,
      reasons: string[],
    ): Promise<{ pausedMs: number } | PhaseEnd> => {
      const phase = r.phases[i]!;
      decideLine(phase.name, "PAUSE", reasons);
      phases[i]!.outcome = "held";
      await runSteps("pause", r.runbooks.pause);
      const started = Date.now();
      const limit = scaled(r.pauseLimit, o.profile);
      for (;;) {
        await delay(recheckMs, o.signal);
        const pausedMs = Date.now() - started;
        const e = await check(i, {
          label: `paused ${formatDuration(pausedMs)}`,
          kind: "pause",
          plannedAtMs: null,
          final: false,
          gate: false,
          reason: "paused",
        });
        if (e.decision === "ROLLBACK")
          return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
        if (e.decision !== "PAUSE") {
          decideLine(phase.name, "RESUME", [`pause triggers clear after ${formatDuration(pausedMs)}`]);
          return { pausedMs };
        }
        if (pausedMs >= limit)
          return {
            kind: "rollback",
            to: "previous",
            reasons: [
              `paused ${formatDuration(pausedMs)}, past pauseLimit ${formatRolloutDuration(r.pauseLimit)} (scaled ${formatDuration(limit)}): ${e.reasons[0] ?? ""}`,
            ],
          };
      }
    };

    const runPhase = async (i: number): Promise<PhaseEnd> => {
      const phase = r.phases[i]!;
      const hold = rampHoldMs(r, o.profile);
      const steps = rampSteps(share, phase.traffic, r.ramp);
      for (const step of steps) {
        // The run's first write lines the service up with the phase it resumes; later cuts are rollbacks.
        await setShare(
          step,
          i,
          shares.length === 1 && step < share ? "start" : step < share ? "rollback" : "ramp",
        );
        if (step === phase.traffic) break;
        await delay(hold, o.signal);
        const e = await check(i, {
          label: `ramp ${step} %`,
          kind: "ramp",
          plannedAtMs: hold,
          final: false,
          gate: false,
          reason: `ramping to ${phase.traffic} %`,
        });
        if (e.decision === "ROLLBACK")
          return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
        if (e.decision === "PAUSE") {
          const p = await pauseUntilClear(i, e.reasons);
          if ("kind" in p) return p;
        }
      }
      phases[i]!.startedAt = Date.now();
      let phaseStart = Date.now();
      for (const cp of phaseCheckpoints(phase, r, o.profile)) {
        const wait = phaseStart + cp.atMs - Date.now();
        if (wait > 0) await delay(wait, o.signal);
        let holdStarted: number | undefined;
        for (;;) {
          const e = await check(i, {
            label: holdStarted === undefined ? cp.label : `${cp.label} recheck`,
            kind: cp.final ? "gate" : "checkpoint",
            plannedAtMs: cp.atMs,
            final: cp.final,
            gate: true,
            reason: `${phase.name} continues: ${cp.label} of ${formatRolloutDuration(phase.minDuration)}`,
          });
          if (e.decision === "ROLLBACK")
            return { kind: "rollback", to: e.rollbackTo ?? "previous", reasons: e.reasons };
          if (e.decision === "PAUSE") {
            const p = await pauseUntilClear(i, e.reasons);
            if ("kind" in p) return p;
            // The phase's clock stops while paused; the checkpoint is taken again.
            phaseStart += p.pausedMs;
            continue;
          }
          if (!cp.final || e.decision === "PROMOTE") break;
          // The gate holds: re-checked until it passes, a trigger fires, or holdLimit runs out.
          if (holdStarted === undefined) {
            holdStarted = Date.now();
            decideLine(phase.name, "HOLD", e.reasons);
          }
          if (Date.now() - holdStarted >= scaled(r.holdLimit, o.profile))
            return { kind: "held", reasons: e.reasons };
          await delay(recheckMs, o.signal);
        }
      }
      return { kind: "promoted" };
    };

    for (current = startIndex; current < r.phases.length; current++) {
      const phase = r.phases[current]!;
      say(
        `▶ ${phase.name} ${phase.title}: ${phase.traffic} % (${phase.audience}), at least ${formatRolloutDuration(phase.minDuration)}`,
      );
      const end = await runPhase(current);
      phases[current]!.endedAt = Date.now();
      if (end.kind === "promoted") {
        stable = current;
        const last = current === r.phases.length - 1;
        phases[current]!.outcome = last ? "complete" : "promoted";
        decideLine(
          phase.name,
          last ? "COMPLETE" : "PROMOTE",
          last
            ? [`${phase.name} gate passed: rollout complete`]
            : [`${phase.name} gate passed: on to ${r.phases[current + 1]!.name}`],
        );
        if (last) {
          outcome = "COMPLETE";
          break;
        }
        continue;
      }
      if (end.kind === "held") {
        phases[current]!.outcome = "held";
        outcome = lastUnreachable.length ? "ERROR" : "HELD";
        if (lastUnreachable.length) errors.push(...lastUnreachable.map((u) => `unreachable: ${u}`));
        decideLine(phase.name, "HOLD", [
          `gate still failing after holdLimit ${formatRolloutDuration(r.holdLimit)}`,
          ...end.reasons,
        ]);
        break;
      }
      // Rollback: the previous stable phase's share at once (ramp-down is immediate), then the runbook.
      const target = rollbackPhase(current, end.to);
      phases[current]!.outcome = "rolled back";
      decideLine(phase.name, "ROLLBACK", [
        `to ${r.phases[target]!.name} (${r.phases[target]!.traffic} %)`,
        ...end.reasons,
      ]);
      await setShare(r.phases[target]!.traffic, target, "rollback");
      await runSteps("rollback", r.runbooks.rollback);
      stable = target;
      current = target;
      outcome = "ROLLED_BACK";
      break;
    }
  } catch (err) {
    if (o.signal.aborted) outcome = "INTERRUPTED";
    else {
      outcome = "ERROR";
      const message = (err as Error).message;
      errors.push(message);
      journal.write({ type: "error", message });
      say(`ERROR: ${message}`);
    }
    // The phase in progress (possibly paused or holding at its gate) did not finish.
    const inProgress = phases[current];
    if (inProgress && (inProgress.outcome === "not reached" || inProgress.outcome === "held"))
      inProgress.outcome = "interrupted";
  }
  return await finish();

  async function finish(): Promise<AdvanceOutcome> {
    await load?.stop().catch((err: Error) => errors.push(`load: ${err.message}`));
    await receiver?.close().catch(() => {});
    if (env?.groundTruth)
      await env
        .groundTruth()
        .then((events) =>
          writeFileSync(join(runDir, "ground-truth.json"), `${JSON.stringify(events, null, 2)}\n`),
        )
        .catch((err: Error) => say(`ground truth not recorded: ${err.message}`));
    if (env && !o.environment) {
      say("stopping environment");
      await env.stop().catch((err: Error) => errors.push(`environment stop: ${err.message}`));
    }
    untrack?.();
    const exitCode = EXIT_OF[outcome];
    const endPhase = r.phases[Math.min(current, r.phases.length - 1)]!.name;
    journal.write({ type: "rollout.end", outcome, exitCode, phase: endPhase, share });
    journal.close();
    const result: RolloutResult = {
      schema: ROLLOUT_RESULT_SCHEMA,
      runId,
      rollout: r.name,
      title: r.title,
      service: r.service ?? null,
      file: o.loaded.file,
      profile: o.profile.name,
      scale: o.profile.scale,
      gamedayVersion: o.gamedayVersion,
      host: hostname(),
      startedAt,
      endedAt: Date.now(),
      outcome,
      exitCode,
      startPhase: r.phases[startIndex]!.name,
      endPhase,
      stablePhase: r.phases[stable]!.name,
      share,
      prerequisites,
      phases,
      checkpoints,
      decisions,
      shares,
      runbooks,
      load: load?.series() ?? [],
      errors,
    };
    writeRolloutResult(runDir, result);
    // NOT_READY changed nothing: the state stays as it was.
    if (outcome !== "NOT_READY")
      writeRolloutState(o.reportsDir, {
        rollout: r.name,
        // After a rollback the next advance re-ramps from the stable phase; after COMPLETE it stays.
        phase: outcome === "ROLLED_BACK" ? r.phases[stable]!.name : endPhase,
        stablePhase: r.phases[stable]!.name,
        share,
        outcome,
        runId,
        updatedAt: Date.now(),
      });
    try {
      await renderRolloutReports(runDir, { templatesDir: o.templatesDir });
    } catch (err) {
      say(`report rendering failed: ${(err as Error).message}`);
    }
    o.progress.done();
    return { result, runDir, exitCode };
  }
}
