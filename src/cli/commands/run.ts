import { resolve } from "node:path";
import { formatPlan, planScenario } from "../../engine/plan.ts";
import { createProgress } from "../../engine/progress.ts";
import type { Environment } from "../../env/environment.ts";
import { ENV_STATE_FILE, readEnvState, readEnvStateFile } from "../../env/state.ts";
import { gitInfo } from "../../history/git-info.ts";
import { REPORT_TEMPLATES, templateFolderProblems } from "../../report/render.ts";
import { formatDuration } from "../../scenario/duration.ts";
import { loadScenarios } from "../../scenario/loader.ts";
import { applyProfile, profileByName } from "../../scenario/profile.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { VERSION } from "../version.ts";
import { openHistory, regressionLines } from "../run-history.ts";
import { verdictTable } from "../verdict-table.ts";
import { configFrom, DEFAULT_CONFIG, DEFAULT_SCENARIOS } from "./scenarios.ts";

/** How long the emergency exit waits for fault reverts, then for the environment's processes. */
const EMERGENCY_REVERT_MS = 5_000;
const EMERGENCY_STOP_GRACE_MS = 2_000;

/** The template folder, checked before anything starts (exit 2 naming every problem). */
function checkTemplatesDir(dir: string | undefined, from: string): string | undefined {
  if (dir === undefined) return undefined;
  const problems = templateFolderProblems(dir);
  if (problems.length)
    throw new UsageError(problems.map((p) => `${p.file ?? from}: ${p.message}`).join("\n"));
  return resolve(dir);
}

export const runCommand: Command = {
  name: "run",
  summary: "run scenarios: load + faults + observation → measured verdicts and reports",
  usage:
    "run <scenario|dir…> [--profile real|ci] [--config F] [--out DIR] [--templates DIR] [--strict] [--dry-run] [--defect NAME…] [--baseline last-pass|RUN|branch:NAME] [--store S] [--no-record]",
  help: `Runs each scenario in turn: baseline, inject, observe, recover, verify. Every fault is undone
on every exit path (normal end, error, stop condition, Ctrl-C, SIGTERM). Writes
<out>/<run-id>/ with journal.jsonl, result.json, gameday_report.md, report.html, junit.xml,
rollback.md and ic-update.md, and prints the verdict table. A second Ctrl-C (or an internal
error) exits at once, within about 10 s, after reverting every fault and stopping the processes
the run's environment started; its reports may then be incomplete.

Loads run on the built-in engine (gameday-load, built by make setup); a scenario with a k6
load needs your own k6 (K6_BIN or PATH): without it the run exits 3 before touching anything.
Each scenario folder gets load.summary.json (planned and achieved requests, drops, errors).

Every finished run (not a dry run) is recorded in the history store once its folder is complete:
history.sqlite in the reports folder, the config's history.url / history.path, or --store. With
--baseline, each resilience measurement (ttd, mtta, ttm, ttr, failover, cost, error-budget burn)
is compared with the baseline run and the noise band of the last normal runs (median ± k robust
standard deviations, at least history.regression.minDelta); one worse than the band is a
regression: FAIL (or WARN with regression.fail false), shown in the reports and in junit.xml.
Runs with a defect switch, ERROR and interrupted runs are recorded but never baselines.
The store is opened before anything starts: an unreachable or corrupt store exits 3 then; a
store that fails at the end exits 3 with the run folder complete (gameday history import DIR).

The config's provider starts the environment for the run and stops it at the end. When
\`gameday env up\` holds one (${ENV_STATE_FILE}), the run uses that instead, after checking that
its holder lives and its endpoints answer (exit 3 if not), and leaves it running.

Options:
  --profile P     real (scale 1, default) or ci (every duration and time target × 1/30)
  --config F      run config (default ${DEFAULT_CONFIG}); its provider brings the targets up
  --out DIR       reports folder (default: the config's reportsDir, "reports")
  --templates DIR a folder of <name>.hbs files replacing the bundled report templates of
                  the same name (default: the config's reportTemplates, if set); names:
                  ${REPORT_TEMPLATES.map((t) => `${t}.hbs`).join(", ")}
  --strict        exit 1 on WARN too
  --dry-run       print the plan (timeline, load rate and stages) and exit; touches nothing
  --defect NAME   reference stack only: turn a defect switch on for the run (repeatable);
                  needs a stack of the run's own, so not while \`gameday env up\` holds one
  --baseline B    compare with last-pass (newest normal run of this profile where the scenario
                  passed), branch:NAME (the same, on that git branch) or a run id (docs/ci.md)
  --store S       history store: a SQLite file or a postgres:// URL (default: the config's
                  history.url / history.path, else history.sqlite in the reports folder)
  --no-record     do not record this run in the history store
  --quiet         no progress output

Exit codes: 0 all PASS (WARN allowed unless --strict), 1 any FAIL, 2 invalid input,
3 ERROR (environment or harness), 130 interrupted after cleanup.`,
  options: {
    profile: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
    templates: { type: "string" },
    strict: { type: "boolean" },
    "dry-run": { type: "boolean" },
    defect: { type: "string", multiple: true },
    baseline: { type: "string" },
    store: { type: "string" },
    "no-record": { type: "boolean" },
    quiet: { type: "boolean" },
  },
  async run(args) {
    const profile = profileByName(str(args, "profile") ?? "real");
    let config = await configFrom(str(args, "config"));
    if (!config) throw new UsageError(`no config: pass --config F or create ${DEFAULT_CONFIG}`);
    const paths = args.positionals.length ? args.positionals : [DEFAULT_SCENARIOS];
    // Validate every file, against the config's target names, before anything starts.
    const loaded = await loadScenarios(paths, config);
    const templatesOption = str(args, "templates");
    const templatesDir = checkTemplatesDir(
      templatesOption ?? config.reportTemplates,
      templatesOption !== undefined ? "--templates" : "reportTemplates",
    );
    if (flag(args, "dry-run")) {
      for (const { scenario } of loaded) {
        const s = applyProfile(scenario, profile);
        console.log(formatPlan(s, planScenario(s)));
        console.log("");
      }
      const total = loaded.reduce(
        (sum, { scenario }) => sum + planScenario(applyProfile(scenario, profile)).plannedMs,
        0,
      );
      console.log(
        `${loaded.length} scenario${loaded.length === 1 ? "" : "s"}, ${formatDuration(total)} planned (${profile.name} profile); nothing was touched`,
      );
      return EXIT.ok;
    }
    const defects = (args.values.defect as string[] | undefined) ?? [];
    const reportsDir = str(args, "out") ?? config.reportsDir;
    const progress = createProgress({ quiet: flag(args, "quiet") });
    // An environment brought up by `gameday env up` is used as it is, and left running.
    const held = readEnvState();
    let environment: Environment | undefined;
    if (held) {
      if (defects.length)
        throw new UsageError(
          `--defect needs a stack of the run's own, but \`gameday env up\` holds one (pid ${held.pid}); stop it with gameday env down`,
        );
      config = {
        ...held.config,
        autoAck: config.autoAck,
        // Alertmanager of the held stack delivers to the address it was started with.
        receiver: { ...config.receiver, listen: held.config.receiver.listen },
        reportsDir: config.reportsDir,
        history: config.history,
      };
      const { attachHeldEnvironment } = await import("../../env/held.ts");
      environment = { ...(await attachHeldEnvironment(held)), config };
      progress.event(`using the ${held.provider} environment held by gameday env up (pid ${held.pid})`);
    } else {
      const stale = readEnvStateFile();
      if (stale)
        progress.event(
          `${ENV_STATE_FILE} names holder pid ${stale.pid}, which is not running: starting a fresh environment (gameday env down stops its leftovers)`,
        );
    }
    if (defects.length && config.provider !== "reference")
      throw new UsageError("--defect works with the reference stack only");

    // The store and the baseline are checked before anything starts: a wrong run id is exit 2 and
    // an unreachable store exit 3 with nothing touched.
    const history = await openHistory({
      config,
      reportsDir,
      store: str(args, "store"),
      baseline: str(args, "baseline"),
      record: !flag(args, "no-record"),
      profile: profile.name,
      strict: flag(args, "strict"),
    });
    // The engine (and through it the load engine, Toxiproxy, Redis clients) loads only when a run starts.
    const { revertEverything, runGameday, stopStartedEnvironments } = await import("../../engine/run.ts");
    const controller = new AbortController();
    // The way out when the orderly path cannot be waited for: revert faults, stop what this run's
    // environment started (in their own process groups they would outlive us), exit. Bounded, so a
    // hung target cannot keep the process alive.
    let exiting = false;
    const emergencyExit = (reason: string, code: number) => {
      if (exiting) return;
      exiting = true;
      const within = (p: Promise<unknown>, ms: number) =>
        Promise.race([p, new Promise((done) => setTimeout(done, ms).unref())]);
      void within(revertEverything(reason), EMERGENCY_REVERT_MS)
        .then(() => within(stopStartedEnvironments(EMERGENCY_STOP_GRACE_MS), EMERGENCY_STOP_GRACE_MS + 2_000))
        .finally(() => process.exit(code));
    };
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        progress.event(
          `${sig} received: stopping, reverting every fault, writing reports (again to force exit)`,
        );
        controller.abort(new Error(`interrupted by ${sig}`));
      } else if (!exiting) {
        progress.event(`${sig} again: reverting faults, stopping the environment and exiting now`);
        emergencyExit(`second ${sig}`, EXIT.interrupted);
      }
    };
    const onCrash = (err: unknown) => {
      progress.event(
        `internal error: ${(err as Error)?.stack ?? String(err)}; reverting every fault and stopping the environment`,
      );
      emergencyExit("uncaught exception", EXIT.error);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
    try {
      const outcome = await runGameday({
        scenarios: loaded,
        config,
        profile,
        reportsDir,
        git: gitInfo(),
        judge: history?.judge,
        strict: flag(args, "strict"),
        progress,
        signal: controller.signal,
        defects,
        environment,
        templatesDir,
        gamedayVersion: VERSION,
      });
      console.log("");
      console.log(verdictTable(outcome.result));
      const regressions = regressionLines(outcome.result);
      if (regressions) console.log(`\n${regressions}`);
      console.log(
        `\nrun ${outcome.result.runId}: ${outcome.result.verdict}${outcome.result.interrupted ? " (interrupted)" : ""} — reports in ${outcome.runDir}`,
      );
      if (history && !(await history.finish(outcome.result, outcome.runDir))) return EXIT.error;
      return outcome.exitCode;
    } finally {
      await history?.close();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    }
  },
};
