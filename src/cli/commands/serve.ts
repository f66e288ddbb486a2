// `gameday serve`: the long-running mode — schedules, the live console, the HTTP API — and the
// console of a single `gameday run --ui`, which is the same server without schedules.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createProgress, type Progress } from "../../engine/progress.ts";
import { isLoopback, splitHostPort } from "../../env/hosts.ts";
import { GATE_CHECKPOINT_PATH, loadGateRollouts } from "../../rollout/gate-api.ts";
import type { LoadedRollout } from "../../rollout/loader.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { EventHub } from "../../serve/event-hub.ts";
import { createNotifier, type Notifier } from "../../serve/notify.ts";
import { panelsFor } from "../../serve/panels.ts";
import { RunController } from "../../serve/run-controller.ts";
import { type Scheduler, startScheduler } from "../../serve/scheduler.ts";
import { startServeServer } from "../../serve/server.ts";
import { type Command, type ParsedArgs, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { guardSignals } from "../run-signals.ts";
import { configFrom, DEFAULT_CONFIG, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

/** Skipped schedule fires, appended one JSON line each, next to the runs they would have made. */
export const SCHEDULE_LOG = "schedule-log.jsonl";

/** How long a stopping server waits for queued webhook deliveries. */
const DRAIN_MS = 10_000;

export function configDirOf(file: string | undefined): string {
  return dirname(resolve(file ?? DEFAULT_CONFIG));
}

/** Where the console listens and its token: the flags, then GAMEDAY_SERVE_TOKEN, then the config's serve. */
export function consoleAddress(
  args: ParsedArgs,
  config: GamedayConfig,
): { listen: string; listenFrom: string; token: string | undefined } {
  const flag = str(args, "listen");
  return {
    listen: flag ?? config.serve.listen,
    listenFrom: flag !== undefined ? "--listen" : "serve.listen",
    token: str(args, "token") ?? process.env.GAMEDAY_SERVE_TOKEN ?? config.serve.token,
  };
}

export interface RunConsole {
  controller: RunController;
  url: string;
  close(): Promise<void>;
}

interface ConsoleOptions {
  config: GamedayConfig;
  configDir: string;
  reportsDir: string;
  listen: string;
  /** Where `listen` came from, for its error message. */
  listenFrom: string;
  token: string | undefined;
  progress: Progress;
  notifier?: Notifier;
  scheduler?: () => Scheduler | undefined;
  canStart?: boolean;
  /** What the gate-checkpoint route answers for (the config's `rollouts`, loaded at start). */
  rollouts?: readonly LoadedRollout[];
}

/** --listen and --token checked before anything starts: a wrong one is exit 2, not a refusal at bind. */
export function listenOptions(
  listen: string,
  token: string | undefined,
  from: string,
): { host: string; port: number } {
  const { host, port } = splitHostPort(listen);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`${from}: "${listen}" is not host:port (e.g. 127.0.0.1:8090)`);
  if (token !== undefined && token.length < 8)
    throw new UsageError(
      "the serve token (--token, GAMEDAY_SERVE_TOKEN or serve.token) needs at least 8 characters",
    );
  if (!isLoopback(host) && !token)
    throw new UsageError(
      `${from}: ${host} is not loopback, so the API needs a token: --token, GAMEDAY_SERVE_TOKEN or serve.token`,
    );
  return { host, port };
}

async function startConsole(o: ConsoleOptions): Promise<RunConsole & { hub: EventHub }> {
  const { host, port } = listenOptions(o.listen, o.token, o.listenFrom);
  const hub = new EventHub();
  let url: string | undefined;
  const controller = new RunController({
    config: o.config,
    configDir: o.configDir,
    reportsDir: o.reportsDir,
    panels: panelsFor({ panels: o.config.serve.panels, provider: o.config.provider }),
    publish: (e) => hub.publish(e),
    progress: o.progress,
    notifier: o.notifier,
    baseUrl: () => o.config.serve.publicUrl?.replace(/\/$/, "") ?? url,
  });
  const server = await startServeServer({
    host,
    port,
    token: o.token,
    controller,
    hub,
    reportsDir: o.reportsDir,
    history: o.config.history,
    schedules: () => o.scheduler?.()?.states() ?? [],
    canStart: o.canStart ?? false,
    rollouts: o.rollouts,
  }).catch((err: Error) => {
    hub.close();
    throw err;
  });
  url = server.url;
  return {
    controller,
    hub,
    url: server.url,
    async close() {
      hub.close();
      await server.close();
    },
  };
}

/** The console for one `gameday run --ui`: prints where it is; the CLI's run is its only run. */
export async function startRunConsole(
  o: Omit<ConsoleOptions, "canStart" | "scheduler">,
): Promise<RunConsole> {
  const c = await startConsole(o);
  o.progress.event(`console: ${c.url}/ (live view of this run; Ctrl-C stops the run)`);
  return c;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "long-running mode: scheduled gamedays, the live console, the HTTP API",
  usage: "serve [--listen 127.0.0.1:8090] [--token T] [--config F] [--out DIR]",
  help: `Runs until SIGINT/SIGTERM. Serves the live console (a browser page: runs, schedules, the
running gameday's phase, timeline, p95 / error-rate / throughput charts, active faults, firing
alerts with Acknowledge, the incident commander's Decide and stakeholder update, the SRE,
FinOps, Safety and Product panels, history, links to reports) and the JSON API under /api/v1
(docs/api.md), and fires the config's schedules.

One gameday at a time: the run lock in the reports folder is shared with \`gameday run\`, so a
run started while another goes is refused (409 from the API, exit 3 from the CLI) naming who
holds it. A schedule that fires while a run goes is skipped; the skip is kept in the schedule's
state (GET /api/v1/schedules) and appended to <reports>/${SCHEDULE_LOG}. Every run is
recorded in the history store (as gameday run); a run started by a schedule or the API that
ends FAIL, ERROR or with a regression is posted to the config's notify.webhooks (Slack or
generic JSON), retried with backoff, never holding up the next run.

Stopping the server stops a run in progress the way Ctrl-C stops gameday run: every fault
reverted, reports written. A second signal exits at once after reverting faults.

Options:
  --listen H:P  where the console and API listen (default: the config's serve.listen,
                127.0.0.1:8090); anywhere but loopback needs a token
  --token T     bearer token for the API (default: $GAMEDAY_SERVE_TOKEN, then serve.token);
                the console asks for it once and keeps it for the browser tab
  --config F    config with schedules, notify.webhooks, serve and rollouts (default
                ${DEFAULT_CONFIG_HELP});
                the config's rollouts are what POST /api/v1/system/gate-checkpoint answers for
  --out DIR     reports folder (default: the config's reportsDir)

Exit codes: 0 stopped by a signal after cleanup, 2 invalid config or options (also a
schedule whose scenarios do not load, a rollout of the config's rollouts that does not load,
a non-loopback --listen without a token), 3 cannot listen (address in use).`,
  options: {
    listen: { type: "string" },
    token: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
  },
  async run(args) {
    if (args.positionals.length)
      throw new UsageError(`serve takes no arguments (got ${args.positionals.join(" ")})`);
    const configFile = str(args, "config");
    const config = await configFrom(configFile);
    if (!config) throw new UsageError(`no config: pass --config F or create ${DEFAULT_CONFIG}`);
    const reportsDir = resolve(str(args, "out") ?? config.reportsDir);
    const configDir = configDirOf(configFile);
    // Before listening: a rollout that does not load is exit 2, not a 500 at the first checkpoint.
    const rollouts = await loadGateRollouts(
      config.rollouts.map((p) => resolve(configDir, p)),
      config,
    );
    mkdirSync(reportsDir, { recursive: true });
    const progress = createProgress();
    const notifier = createNotifier(config.notify.webhooks, {
      onDelivery: (d) =>
        progress.event(
          d.ok
            ? `webhook ${d.webhook}: ${d.kind} delivered (${d.attempts} attempt${d.attempts === 1 ? "" : "s"})`
            : `webhook ${d.webhook}: ${d.kind} NOT delivered after ${d.attempts} attempts: ${d.error ?? `HTTP ${d.status}`}`,
        ),
    });
    let scheduler: Scheduler | undefined;
    const ui = await startConsole({
      config,
      configDir,
      reportsDir,
      ...consoleAddress(args, config),
      progress,
      notifier,
      scheduler: () => scheduler,
      canStart: true,
      rollouts,
    });
    // A schedule naming a scenario that does not load would only fail at its first fire, maybe at night.
    for (const [i, schedule] of config.schedules.entries()) {
      await ui.controller.checkScenarios(schedule.scenarios, true).catch(async (err: Error) => {
        await ui.close();
        throw new UsageError(`schedules.${i} (${schedule.name}): ${err.message}`);
      });
    }
    scheduler = startScheduler(config.schedules, {
      fire: async ({ schedule, at }) => {
        try {
          const live = await ui.controller.start({
            scenarios: schedule.scenarios,
            fromConfig: true,
            profile: schedule.profile,
            baseline: schedule.baseline,
            starter: { by: `schedule ${schedule.name}`, via: "schedule" },
          });
          progress.event(`schedule ${schedule.name}: started run ${live.runId}`);
          return { started: true, runId: live.runId };
        } catch (err) {
          const reason = (err as Error).message;
          progress.event(`schedule ${schedule.name}: fire skipped: ${reason}`);
          ui.hub.publish({
            type: "notice",
            level: "warn",
            text: `schedule ${schedule.name} skipped a fire: ${reason}`,
          });
          appendFileSync(
            join(reportsDir, SCHEDULE_LOG),
            `${JSON.stringify({ schedule: schedule.name, at: new Date(at).toISOString(), skipped: true, reason })}\n`,
          );
          return { started: false, reason };
        }
      },
      onChange: (s) => ui.hub.publish({ type: "schedule", schedule: s }),
      log: (t) => progress.event(t),
    });
    const next = scheduler
      .states()
      .filter((s) => s.nextAt !== null)
      .sort((a, b) => (a.nextAt ?? 0) - (b.nextAt ?? 0))[0];
    progress.event(
      `gameday serve: console and API on ${ui.url}/ — ${config.schedules.length} schedule${config.schedules.length === 1 ? "" : "s"}${next?.nextAt ? ` (next: ${next.name} at ${new Date(next.nextAt).toISOString()})` : ""}; reports in ${reportsDir}`,
    );
    if (rollouts.length)
      progress.event(
        `gate checkpoints: POST ${ui.url}${GATE_CHECKPOINT_PATH} for ${rollouts.map((r) => `${r.rollout.name} (${r.rollout.phases.map((p) => p.name).join(", ")})`).join("; ")}`,
      );
    let guard: ReturnType<typeof guardSignals> | undefined;
    const stopped = new Promise<NodeJS.Signals>((resolveStop) => {
      guard = guardSignals({
        progress,
        firstMessage: "stopping the server; a run in progress is stopped, every fault reverted",
        onFirst: resolveStop,
      });
    });
    try {
      const sig = await stopped;
      scheduler.stop();
      await ui.controller.shutdown(`gameday serve stopping (${sig})`);
      await Promise.race([notifier.drain(), new Promise((done) => setTimeout(done, DRAIN_MS).unref())]);
      progress.event("gameday serve stopped");
      return EXIT.ok;
    } finally {
      scheduler.stop();
      await ui.close();
      guard?.dispose();
    }
  },
};
