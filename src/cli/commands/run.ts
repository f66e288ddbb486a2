import { userInfo } from "node:os";
import { resolve } from "node:path";
import { formatPlan, planScenario } from "../../engine/plan.ts";
import { createProgress } from "../../engine/progress.ts";
import type { RunOutcome } from "../../engine/run.ts";
import { ENV_STATE_FILE } from "../../env/state.ts";
import { REPORT_TEMPLATES } from "../../report/render.ts";
import { formatDuration } from "../../scenario/duration.ts";
import { loadScenarios } from "../../scenario/loader.ts";
import { applyProfile, profileByName } from "../../scenario/profile.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { regressionLines } from "../run-history.ts";
import { executeRun, prepareRun } from "../run-session.ts";
import { guardSignals } from "../run-signals.ts";
import { configDirOf, consoleAddress, type RunConsole, startRunConsole } from "./serve.ts";
import { checkedTemplatesDir } from "../templates-option.ts";
import { terminalWidth } from "../table.ts";
import { verdictTable } from "../verdict-table.ts";
import {
  configFrom,
  DEFAULT_CONFIG,
  DEFAULT_CONFIG_HELP,
  DEFAULT_SCENARIOS,
  defaultConfigFile,
} from "./scenarios.ts";

/** --config when it names another file than the default config `gameday ack` reads by itself. */
function nonDefaultConfig(file: string | undefined): string | undefined {
  return file !== undefined && resolve(file) !== resolve(defaultConfigFile() ?? DEFAULT_CONFIG)
    ? file
    : undefined;
}

export const runCommand: Command = {
  name: "run",
  summary: "run scenarios: load + faults + observation → measured verdicts and reports",
  usage:
    "run <scenario|dir…> [--profile real|ci] [--config F] [--out DIR] [--templates DIR] [--strict] [--dry-run] [--defect NAME…] [--baseline last-pass|RUN|branch:NAME] [--store S] [--no-record] [--ui [--listen H:P] [--token T]]",
  help: `Runs each scenario in turn: baseline, inject, observe, recover, verify. Every fault is undone
on every exit path (normal end, error, stop condition, Ctrl-C, SIGTERM). Writes
<out>/<run-id>/ with journal.jsonl, result.json, gameday_report.md, report.html, junit.xml,
rollback.md and ic-update.md, and prints the verdict table. Each alert is printed as it fires
(with the \`gameday ack\` command that acknowledges it), resolves and is acknowledged. A second
Ctrl-C (or an internal error) exits at once, within about 10 s, after reverting every fault and
stopping the processes the run's environment started; its reports may then be incomplete.

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

One gameday at a time per reports folder: a run takes the lock <out>/.gameday-run.lock (shared
with gameday serve) and a second run exits 3 naming who holds it; a lock left by a killed run
is taken over once its process is gone.

The config's provider starts the environment for the run and stops it at the end. When
\`gameday env up\` holds one (${ENV_STATE_FILE}), the run uses that instead, after checking that
its holder lives and its endpoints answer (exit 3 if not), and leaves it running.

Options:
  --profile P     real (scale 1, default) or ci (every duration and time target × 1/30)
  --config F      run config (default ${DEFAULT_CONFIG_HELP});
                  its provider brings the targets up
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
  --ui            follow the run in the browser: the console of gameday serve (live charts,
                  timeline, alerts with Acknowledge, the IC's Decide and stakeholder update)
                  on --listen (default: the config's serve.listen, 127.0.0.1:8090)
  --listen H:P    where --ui listens; off loopback it needs --token (or GAMEDAY_SERVE_TOKEN)
  --token T       bearer token the console's API requires

Exit codes: 0 all PASS (WARN allowed unless --strict), 1 any FAIL, 2 invalid input,
3 ERROR (environment or harness; also another gameday run in progress in the same reports
folder, named with who started it), 130 interrupted after cleanup.`,
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
    ui: { type: "boolean" },
    listen: { type: "string" },
    token: { type: "string" },
  },
  async run(args) {
    const profile = profileByName(str(args, "profile") ?? "real");
    const config = await configFrom(str(args, "config"));
    if (!config) throw new UsageError(`no config: pass --config F or create ${DEFAULT_CONFIG}`);
    const paths = args.positionals.length ? args.positionals : [DEFAULT_SCENARIOS];
    // Validate every file, against the config's target names, before anything starts.
    const loaded = await loadScenarios(paths, config);
    const templatesOption = str(args, "templates");
    const templatesDir = checkedTemplatesDir(
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
    const controller = new AbortController();
    const guard = guardSignals({
      progress,
      firstMessage: "stopping, reverting every fault, writing reports",
      onFirst: (sig) => controller.abort(new Error(`interrupted by ${sig}`)),
    });
    const printOutcome = (outcome: RunOutcome) => {
      console.log("");
      console.log(verdictTable(outcome.result, { width: terminalWidth() }));
      const regressions = regressionLines(outcome.result);
      if (regressions) console.log(`\n${regressions}`);
      console.log(
        `\nrun ${outcome.result.runId}: ${outcome.result.verdict}${outcome.result.interrupted ? " (interrupted)" : ""} — reports in ${outcome.runDir}`,
      );
    };
    let ui: RunConsole | undefined;
    try {
      // The console first: one that cannot listen stops the run before it takes the lock.
      if (flag(args, "ui"))
        ui = await startRunConsole({
          config,
          configDir: configDirOf(str(args, "config")),
          reportsDir,
          ...consoleAddress(args, config),
          progress,
        });
      const prepared = await prepareRun({
        config,
        scenarios: loaded,
        profile,
        reportsDir,
        defects,
        baseline: str(args, "baseline"),
        store: str(args, "store"),
        record: !flag(args, "no-record"),
        strict: flag(args, "strict"),
        templatesDir,
        configFile: nonDefaultConfig(str(args, "config")),
        progress,
        starter: { by: process.env.USER ?? userInfo().username, via: "cli" },
      });
      if (controller.signal.aborted) {
        // Interrupted before anything started: nothing to revert, nothing to report.
        prepared.lock.release();
        await prepared.history?.close();
        return EXIT.interrupted;
      }
      if (ui) {
        const done = await ui.controller.runPrepared(prepared, prepared.request.starter, {
          signal: controller.signal,
          onOutcome: printOutcome,
        });
        return done?.exitCode ?? EXIT.error;
      }
      const done = await executeRun(prepared, { signal: controller.signal, onOutcome: printOutcome });
      return done.exitCode;
    } finally {
      await ui?.close();
      guard.dispose();
    }
  },
};
