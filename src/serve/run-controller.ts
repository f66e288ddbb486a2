// Runs gamedays for the server (API, console, schedules) and for `gameday run --ui`: one at a time
// (the run lock, shared with CLI runs in the same reports folder), each observed live, stoppable,
// acknowledged and decided on through its own journal, and announced to the webhooks when it ends
// badly.
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { EnvironmentError, UsageError } from "../cli/exit-codes.ts";
import { executeRun, type PreparedRun, prepareRun, type SessionOutcome } from "../cli/run-session.ts";
import { acknowledge } from "../observe/ack.ts";
import type { LiveStatus, Progress } from "../engine/progress.ts";
import type { GamedayConfig, PanelConfig } from "../scenario/config.ts";
import { type LoadedScenario, loadScenarios } from "../scenario/loader.ts";
import { profileByName } from "../scenario/profile.ts";
import { HttpError } from "../http/json-endpoint.ts";
import type {
  LiveDecision,
  LiveRunState,
  RunListItem,
  RunStarter,
  ServeEvent,
  Severity,
} from "./live-state.ts";
import { LiveRun } from "./live-run.ts";
import type { Notification, Notifier } from "./notify.ts";
import { pollPanels } from "./panels.ts";
import { finishedRun, reportLinks, writeStarter } from "./run-list.ts";
import { RunLockHeld } from "./run-lock.ts";
import { decisionWhat, stakeholderUpdate } from "./stakeholder-update.ts";

export interface StartRequest {
  /**
   * Scenario ids (of the config folder's scenarios/) or files and folders, relative to the config
   * folder; from the API they must stay inside it, from the config's own schedules anywhere.
   */
  scenarios: string[];
  fromConfig?: boolean;
  profile: string;
  starter: RunStarter;
  baseline?: string;
  defects?: string[];
}

export interface ControllerOptions {
  config: GamedayConfig;
  /** Scenario paths are read relative to it, and must stay inside it. */
  configDir: string;
  reportsDir: string;
  panels: PanelConfig[];
  publish: (e: ServeEvent) => void;
  /** Where runs started by the server print their progress (the server's log). */
  progress: Progress;
  notifier?: Notifier;
  /** The console's address, for report links in notifications. */
  baseUrl?: () => string | undefined;
}

interface Running {
  live: LiveRun | null;
  abort: AbortController;
  done: Promise<SessionOutcome | null>;
  starter: RunStarter;
}

export class RunController {
  readonly #o: ControllerOptions;
  #running: Running | null = null;

  constructor(o: ControllerOptions) {
    this.#o = o;
  }

  /** The run going on, if it has started writing its journal. */
  get live(): LiveRun | null {
    return this.#running?.live ?? null;
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  /** The runs list item of the live run. */
  liveItem(): RunListItem | null {
    const live = this.live;
    if (!live) return null;
    const s = live.snapshot();
    return {
      runId: s.runId,
      status: s.status,
      startedAt: s.startedAt,
      endedAt: null,
      profile: s.profile,
      scenarios: s.scenarios,
      verdict: s.verdict,
      startedBy: s.startedBy,
      reports: { html: null, markdown: null, junit: null },
    };
  }

  /**
   * Starts a run in the background; resolves with its live view once its journal exists. Refusals
   * come before anything starts: unknown scenarios 400, a run in progress 409.
   */
  async start(req: StartRequest): Promise<LiveRun> {
    if (this.#running) throw busyError(this.#running);
    const profile = (() => {
      try {
        return profileByName(req.profile);
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
    })();
    const scenarios = await this.#loadScenarios(req.scenarios, req.fromConfig ?? false);
    let prepared: PreparedRun;
    try {
      prepared = await prepareRun({
        config: this.#o.config,
        scenarios,
        profile,
        reportsDir: this.#o.reportsDir,
        defects: req.defects ?? [],
        baseline: req.baseline,
        record: true,
        strict: false,
        progress: this.#o.progress,
        starter: req.starter,
      });
    } catch (err) {
      if (err instanceof RunLockHeld) throw new HttpError(409, err.message, { holder: err.holder });
      if (err instanceof UsageError) throw new HttpError(400, err.message);
      if (err instanceof EnvironmentError) throw new HttpError(503, err.message);
      throw err;
    }
    return new Promise<LiveRun>((resolveStart, rejectStart) => {
      let started = false;
      const session = this.runPrepared(prepared, req.starter, {
        onLive: (live) => {
          started = true;
          resolveStart(live);
        },
      });
      session.then(
        (out) => {
          if (!started)
            rejectStart(new HttpError(500, `the run ended before it started (exit ${out?.exitCode})`));
        },
        (err: unknown) => {
          if (!started) rejectStart(err);
        },
      );
    });
  }

  /**
   * Runs a prepared run (its lock taken) with the live view attached; resolves when it has ended
   * and its folder is complete. `signal` (the CLI's Ctrl-C) stops it like the stop button.
   */
  runPrepared(
    prepared: PreparedRun,
    starter: RunStarter,
    o: {
      signal?: AbortSignal;
      onLive?: (live: LiveRun) => void;
      onOutcome?: Parameters<typeof executeRun>[1]["onOutcome"];
    } = {},
  ): Promise<SessionOutcome | null> {
    if (this.#running) {
      prepared.lock.release();
      return Promise.reject(busyError(this.#running));
    }
    const abort = new AbortController();
    o.signal?.addEventListener("abort", () => abort.abort(o.signal?.reason), { once: true });
    const running: Running = { live: null, abort, starter, done: Promise.resolve(null) };
    this.#running = running;
    let panels: { stop(): void } | undefined;
    const base = prepared.request.progress;
    const progress: Progress = {
      event: (text) => base.event(text),
      status: (s: LiveStatus) => {
        base.status(s);
        running.live?.onStatus(s);
      },
      done: () => base.done(),
    };
    running.done = executeRun(
      { ...prepared, request: { ...prepared.request, progress } },
      {
        signal: abort.signal,
        onOutcome: o.onOutcome,
        watch: {
          onStart: ({ runId, runDir, journal, book }) => {
            running.live = new LiveRun({
              runId,
              runDir,
              scenarios: prepared.request.scenarios.map((s) => s.scenario.id),
              profile: prepared.request.profile.name,
              startedBy: starter,
              journal,
              book,
              publish: this.#o.publish,
            });
            this.#publishLive();
            // Who started it outlives the server: the runs list reads it back from the folder.
            writeStarter(runDir, starter);
            o.onLive?.(running.live);
          },
          onEnvironment: (cfg) => {
            if (cfg.prometheus && this.#o.panels.length)
              panels = pollPanels(cfg.prometheus.url, this.#o.panels, (v) => running.live?.panels(v));
          },
        },
      },
    )
      .then((out) => {
        this.#finished(running, out);
        return out;
      })
      .catch((err: unknown) => {
        this.#finished(running, null);
        throw err;
      })
      .finally(() => {
        panels?.stop();
        if (this.#running === running) this.#running = null;
      });
    return running.done;
  }

  /** Stops the live run (faults reverted, reports written as for Ctrl-C). */
  stop(runId: string, by: string): void {
    const r = this.#requireRun(runId);
    r.live?.markStopping();
    this.#publishLive();
    this.#o.progress.event(`stop requested by ${by}: stopping run ${runId}, reverting every fault`);
    r.abort.abort(new Error(`stopped by ${by}`));
  }

  /** A person's acknowledgement of a firing alert of the live run (not synthetic: MTTA counts it). */
  ack(fingerprint: string, by: string, via: "web" | "api") {
    const live = this.live;
    if (!live) throw new HttpError(404, "no gameday is running, so there is no alert to acknowledge");
    const alert = live.book.get(fingerprint);
    if (!alert) throw new HttpError(404, `no alert with fingerprint ${fingerprint} in run ${live.runId}`);
    if (alert.status !== "firing")
      throw new HttpError(
        409,
        `alert ${alert.name} (${fingerprint}) is ${alert.status}, not firing; nothing to acknowledge`,
      );
    const out = acknowledge(live.book, live.journal, { fingerprint }, { by, via, synthetic: false });
    return { acked: out.acked.map((a) => a.fingerprint), already: out.already.map((a) => a.fingerprint) };
  }

  /** The incident commander's call, journalled as t_decision of the scenario running now. */
  decide(
    runId: string,
    d: { severity: Severity; by: string; why: string },
  ): { decision: LiveDecision; update: ReturnType<typeof stakeholderUpdate> } {
    const live = this.#requireLive(runId);
    const scenario = live.scenario;
    if (!scenario)
      throw new HttpError(409, `run ${runId} is between scenarios; decide while a scenario runs`);
    const e = live.journal.write({
      type: "decision",
      scenario,
      what: decisionWhat(d.severity),
      severity: d.severity,
      by: d.by,
      why: d.why,
    });
    const decision: LiveDecision = {
      t: e.t,
      scenario,
      what: decisionWhat(d.severity),
      severity: d.severity,
      by: d.by,
      why: d.why,
    };
    return { decision, update: stakeholderUpdate(live.snapshot(), {}) };
  }

  /** The IC stakeholder update, filled from the live run. */
  update(runId: string): ReturnType<typeof stakeholderUpdate> {
    return stakeholderUpdate(this.#requireLive(runId).snapshot(), {});
  }

  /** Posts an IC update to the webhooks that take updates; returns how many. */
  postUpdate(runId: string, text: string, by: string): number {
    const state: LiveRunState | null = this.live?.runId === runId ? this.live.snapshot() : null;
    const done = state ? null : finishedRun(this.#o.reportsDir, runId);
    if (!state && !done) throw new HttpError(404, `no run ${runId}`);
    return this.#notify({
      kind: "update",
      runId,
      title: `IC update from ${by}`,
      text,
      verdict: state?.verdict ?? done?.verdict ?? null,
      scenarios: state?.scenarios ?? done?.scenarios ?? [],
      regressions: [],
      reportUrl: this.#reportUrl(runId),
      at: Date.now(),
    });
  }

  /** Stops the run going on, if any, and waits for its cleanup and reports. */
  async shutdown(reason: string): Promise<void> {
    const r = this.#running;
    if (!r) return;
    r.live?.markStopping();
    r.abort.abort(new Error(reason));
    await r.done.catch(() => null);
  }

  #finished(running: Running, out: SessionOutcome | null): void {
    const live = running.live;
    const result = out?.outcome.result ?? null;
    live?.finish(result);
    if (!live) return;
    const item = finishedRun(this.#o.reportsDir, live.runId, running.starter) ?? {
      ...(this.liveItem() as RunListItem),
      status: "finished" as const,
      endedAt: Date.now(),
      verdict: result?.verdict ?? "ERROR",
      reports: reportLinks(this.#o.reportsDir, live.runId),
    };
    this.#o.publish({ type: "run", run: { ...item, startedBy: running.starter } });
    // A person watching a CLI run sees its end; webhooks are for runs nobody may be watching.
    if (running.starter.via === "cli" || !result) return;
    const regressions = result.scenarios.flatMap((s) =>
      s.measurements
        .filter((m) => m.comparison?.regressed)
        .map((m) => ({
          scenario: s.id,
          metric: m.metric,
          value: m.value,
          baseline: m.comparison?.baseline ?? null,
        })),
    );
    const kind =
      result.verdict === "ERROR"
        ? "error"
        : result.verdict === "FAIL"
          ? "fail"
          : regressions.length
            ? "regression"
            : null;
    if (!kind) return;
    this.#notify({
      kind,
      runId: result.runId,
      title: `${result.verdict}: ${result.scenarios.map((s) => `${s.id} ${s.verdict}`).join(", ") || "no scenario ran"}`,
      text: `gameday run ${result.runId} (${result.profile} profile), started by ${running.starter.by} via ${running.starter.via}, ended ${result.verdict}${result.interrupted ? " (interrupted)" : ""}.`,
      verdict: result.verdict,
      scenarios: result.scenarios.map((s) => s.id),
      regressions,
      reportUrl: this.#reportUrl(result.runId),
      at: Date.now(),
    });
  }

  /** The live run's entry of the runs list, after it started or changed status. */
  #publishLive(): void {
    const item = this.liveItem();
    if (item) this.#o.publish({ type: "run", run: item });
  }

  #notify(n: Notification): number {
    const hooks = this.#o.config.notify.webhooks.filter((w) => w.on.includes(n.kind));
    this.#o.notifier?.notify(n);
    return this.#o.notifier ? hooks.length : 0;
  }

  #reportUrl(runId: string): string | null {
    const base = this.#o.baseUrl?.();
    return base ? `${base}/reports/${runId}/report.html` : null;
  }

  #requireRun(runId: string): Running {
    const r = this.#running;
    if (!r || r.live?.runId !== runId) {
      if (finishedRun(this.#o.reportsDir, runId))
        throw new HttpError(409, `run ${runId} has already finished`);
      throw new HttpError(404, `no run ${runId}`);
    }
    return r;
  }

  #requireLive(runId: string): LiveRun {
    const live = this.#requireRun(runId).live;
    if (!live) throw new HttpError(409, `run ${runId} is still starting`);
    return live;
  }

  /** Loads and validates the named scenarios (400 with every problem); what start() will run. */
  checkScenarios(names: string[], fromConfig: boolean): Promise<LoadedScenario[]> {
    return this.#loadScenarios(names, fromConfig);
  }

  async #loadScenarios(names: string[], anywhere: boolean): Promise<LoadedScenario[]> {
    const root = this.#o.configDir;
    const paths: string[] = [];
    const ids: string[] = [];
    for (const name of names) {
      const p = resolve(root, name);
      const rel = relative(root, p);
      const inside = rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
      if (existsSync(p)) {
        if (!inside && !anywhere)
          throw new HttpError(400, `${name}: scenario paths must stay inside ${root}`);
        paths.push(p);
      } else ids.push(name);
    }
    try {
      const loaded = paths.length ? await loadScenarios(paths, this.#o.config) : [];
      if (ids.length) {
        const bundled = resolve(root, "scenarios");
        const all = existsSync(bundled) ? await loadScenarios([bundled], this.#o.config) : [];
        for (const id of ids) {
          const hit = all.find((l) => l.scenario.id === id);
          if (!hit)
            throw new HttpError(
              400,
              `unknown scenario "${id}" (known in ${bundled}: ${all.map((l) => l.scenario.id).join(", ") || "none"})`,
            );
          loaded.push(hit);
        }
      }
      if (loaded.length === 0) throw new HttpError(400, "no scenario named");
      return loaded;
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, (err as Error).message);
    }
  }
}

function busyError(r: Running): HttpError {
  const id = r.live?.runId ?? "(starting)";
  return new HttpError(
    409,
    `a gameday run is in progress: run ${id} started by ${r.starter.by} via ${r.starter.via}; stop it first (POST /api/v1/runs/${id}/stop)`,
  );
}
